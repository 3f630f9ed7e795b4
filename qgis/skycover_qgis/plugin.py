"""Registers the skycover Processing provider when QGIS loads the plugin."""
from qgis.core import QgsApplication


class SkycoverPlugin:
    def __init__(self, iface):
        self.iface = iface
        self.provider = None

    def initProcessing(self):  # noqa: N802 (QGIS calls it for Processing-only runs too)
        from .provider import SkycoverProvider
        self.provider = SkycoverProvider()
        QgsApplication.processingRegistry().addProvider(self.provider)

    def initGui(self):  # noqa: N802
        self.initProcessing()

    def unload(self):
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
