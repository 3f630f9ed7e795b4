"""The skycover Processing provider: four algorithms, all thin front ends over the skycover CLI."""
from qgis.PyQt.QtGui import QIcon
from qgis.core import QgsProcessingProvider

from .alg_coverage import CoverageAlgorithm
from .alg_exposure import ExposureAlgorithm
from .alg_sweep import SweepAlgorithm
from .alg_viewshed import ViewshedAlgorithm
from .base import ICON
from .runner import CLI_SETTING


class SkycoverProvider(QgsProcessingProvider):
    def id(self):
        return "skycover"

    def name(self):
        return "skycover"

    def longName(self):  # noqa: N802
        return "skycover: air-defence coverage and exposure over terrain (analysis only)"

    def icon(self):
        return QIcon(ICON)

    def load(self):
        try:  # the path of the skycover program, in Settings > Options > Processing > Providers
            from processing.core.ProcessingConfig import ProcessingConfig, Setting
            ProcessingConfig.settingIcons[self.name()] = self.icon()
            ProcessingConfig.addSetting(Setting(self.name(), CLI_SETTING, "skycover program (empty: $SKYCOVER_CLI, "
                                                "else skycover on PATH)", "", valuetype=Setting.FILE))
            ProcessingConfig.readSettings()
        except ImportError:
            pass
        self.refreshAlgorithms()
        return True

    def unload(self):
        try:
            from processing.core.ProcessingConfig import ProcessingConfig
            ProcessingConfig.removeSetting(CLI_SETTING)
        except ImportError:
            pass

    def loadAlgorithms(self):  # noqa: N802
        for alg in (ViewshedAlgorithm(), CoverageAlgorithm(), ExposureAlgorithm(), SweepAlgorithm()):
            self.addAlgorithm(alg)
