"""skycover:sweep: coverage against site count, per placement hypothesis (`skycover sweep`)."""
import glob
import os

from qgis.core import (
    QgsProcessingException,
    QgsProcessingOutputFile,
    QgsProcessingOutputVectorLayer,
    QgsProcessingParameterEnum,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)

from . import layers, runner, scenario
from .base import SkycoverAlgorithm
from .staging import StagedFolder

SWEEP_HYPOTHESES = ["uniform", "high_ground"]


class SweepAlgorithm(SkycoverAlgorithm):
    NAME = "sweep"
    DISPLAY = "Sweep: coverage against site count"
    HELP = ("<p>Coverage per band for each count and placement hypothesis (<code>skycover sweep</code>; "
            "docs/coverage.md). The swept deployment uses the System parameter; a site layer, if given, is "
            "placed as it is in every run. Outputs: the table (sweep.csv, loaded as a table), a chart per "
            "hypothesis (PNG/SVG) and the report. With draws, every run is placed that many times and the "
            "curves carry a 95 % confidence band.</p>")

    def initAlgorithm(self, config=None):  # noqa: N802
        scenario.add_terrain_params(self)
        scenario.add_area_param(self)
        scenario.add_site_params(self, optional=True)
        scenario.add_system_params(self)
        self.addParameter(QgsProcessingParameterString("COUNTS", "Site counts (comma-separated)",
                                                       defaultValue="5,10,20,40"))
        self.addParameter(QgsProcessingParameterEnum("HYPOTHESES", "Placement hypotheses", options=SWEEP_HYPOTHESES,
                                                     allowMultiple=True, defaultValue=[0, 1]))
        self.addParameter(QgsProcessingParameterNumber("DRAWS", "Placement draws per run", 
                                                       QgsProcessingParameterNumber.Integer, defaultValue=1,
                                                       minValue=1, maxValue=1000))
        self.addParameter(scenario.advanced(QgsProcessingParameterNumber(
            "CLAIMED_COUNT", "Read every curve at this count (e.g. a claimed inventory)",
            QgsProcessingParameterNumber.Double, optional=True, minValue=0.0)))
        scenario.add_band_params(self)
        scenario.add_seed_param(self)
        self.add_output_folder()
        self.addOutput(QgsProcessingOutputVectorLayer("TABLE", "Sweep table"))
        self.addOutput(QgsProcessingOutputFile("CHART", "Chart (first hypothesis, PNG)"))
        self.add_scenario_outputs()

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        counts = scenario.number_list(self.parameterAsString(parameters, "COUNTS", context), "counts")
        if not counts or any(not float(c).is_integer() for c in counts):
            raise QgsProcessingException("skycover: counts: give whole numbers, e.g. 5,10,20,40")
        hyps = [SWEEP_HYPOTHESES[i] for i in self.parameterAsEnums(parameters, "HYPOTHESES", context)]
        if not hyps:
            raise QgsProcessingException("skycover: choose at least one placement hypothesis")
        out = self.parameterAsString(parameters, "OUTPUT", context)
        with StagedFolder(out, self.id()) as folder:
            sc = scenario.Scenario(self, parameters, context, folder)
            sc.add_terrain()
            sc.add_area()
            sc.add_site_layer()
            sc.add_hypothesis(hyps[0], count=max(int(counts[0]), 1))
            sc.add_analysis(seed=self.parameterAsInt(parameters, "SEED", context))
            opts = ["--counts", ",".join(str(int(c)) for c in counts), "--hypotheses", ",".join(hyps)]
            draws = self.parameterAsInt(parameters, "DRAWS", context)
            if draws > 1:
                opts += ["--draws", str(draws)]
            claimed = parameters.get("CLAIMED_COUNT")
            if claimed not in (None, ""):
                opts += ["--claimed-count", repr(self.parameterAsDouble(parameters, "CLAIMED_COUNT", context))]
            toml = sc.write([runner.shell_command(["skycover", "sweep", "scenario.toml"] + opts + ["--out", "sweep"])])
            sweep_dir = folder.join("sweep")
            stdout = runner.run_cli(["sweep", toml] + opts + ["--out", sweep_dir], feedback)
            feedback.pushInfo(stdout)
            charts = sorted(glob.glob(os.path.join(sweep_dir, "sweep_*.png")))
            final = lambda *p: folder.final_join("sweep", *p)  # noqa: E731
            results = {"OUTPUT": folder.final, "SCENARIO": folder.final_join("scenario.toml"),
                       "TABLE": final("sweep.csv"), "REPORT": final("report.html"),
                       "CHART": final(os.path.basename(charts[0])) if charts else None,
                       "CHARTS": [final(os.path.basename(c)) for c in charts]}
            layers.load_on_completion(context, results["TABLE"], "coverage against site count", "TABLE")
            if feedback.isCanceled():
                raise runner.Cancelled("skycover: cancelled; nothing was written")
            folder.commit()
        return results
