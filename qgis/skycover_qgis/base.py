"""What every skycover algorithm shares: naming, the icon, the staged output folder."""
import os

from qgis.PyQt.QtGui import QIcon
from qgis.core import (QgsProcessingAlgorithm, QgsProcessingOutputFile, QgsProcessingOutputHtml,
                       QgsProcessingParameterFolderDestination)

ICON = os.path.join(os.path.dirname(__file__), "icon.svg")


class SkycoverAlgorithm(QgsProcessingAlgorithm):
    NAME = ""
    DISPLAY = ""
    HELP = ""

    def name(self):
        return self.NAME

    def displayName(self):  # noqa: N802
        return self.DISPLAY

    def group(self):
        return "Air-defence coverage (analysis only)"

    def groupId(self):  # noqa: N802
        return "analysis"

    def shortHelpString(self):  # noqa: N802
        return self.HELP + (
            "<p>Every run writes <b>scenario.toml</b> (or, for the minimum visible height, <b>command.sh</b>) "
            "into its output folder, so that it can be repeated with the skycover command-line program. "
            "The output folder appears whole or not at all: a failed or cancelled run leaves nothing. "
            "Input problems are reported with skycover's own messages.</p>")

    def add_output_folder(self):
        """The OUTPUT folder parameter every algorithm stages its files into."""
        self.addParameter(QgsProcessingParameterFolderDestination("OUTPUT", "Output folder"))

    def add_scenario_outputs(self):
        """The report and the scenario TOML that repeats the run (the scenario-based algorithms)."""
        self.addOutput(QgsProcessingOutputHtml("REPORT", "Report"))
        self.addOutput(QgsProcessingOutputFile("SCENARIO", "Scenario TOML"))

    def icon(self):
        return QIcon(ICON)

    def createInstance(self):  # noqa: N802
        return type(self)()
