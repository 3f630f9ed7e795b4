"""skycover QGIS plugin: a Processing provider over the skycover engine (docs/qgis.md)."""


def classFactory(iface):  # noqa: N802 (QGIS's entry point)
    from .plugin import SkycoverPlugin
    return SkycoverPlugin(iface)
