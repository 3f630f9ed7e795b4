"""Loading outputs as styled layers (QML styles shipped in styles/, the report's colours)."""
import os

from qgis.core import QgsProcessingContext, QgsProcessingLayerPostProcessorInterface

STYLES = os.path.join(os.path.dirname(__file__), "styles")

_keep = []  # post-processors must outlive the algorithm (Processing calls them afterwards)


def style_path(name):
    return os.path.join(STYLES, name + ".qml")


class _Styler(QgsProcessingLayerPostProcessorInterface):
    def __init__(self, styles):
        super().__init__()
        self.styles = styles  # [(style name in the layer's style manager, qml file)], first = current

    def postProcessLayer(self, layer, context, feedback):  # noqa: N802 (Qt naming)
        apply_styles(layer, self.styles)


def apply_styles(layer, styles):
    """Load the QML styles into the layer; the first is the current one, the others are a click away
    in the layer's Styles menu. Returns the messages of styles that failed to load."""
    errors = []
    if not styles:
        return errors
    manager = layer.styleManager()
    for i, (name, qml) in enumerate(styles):
        if i == 0:
            msg, ok = layer.loadNamedStyle(qml)
            if not ok:
                errors.append(f"{qml}: {msg}")
            manager.renameStyle(manager.currentStyle(), name)
        else:
            manager.addStyle(name, manager.style(manager.currentStyle()))  # placeholder, then load into it
            current = manager.currentStyle()
            manager.setCurrentStyle(name)
            msg, ok = layer.loadNamedStyle(qml)
            if not ok:
                errors.append(f"{qml}: {msg}")
            manager.setCurrentStyle(current)
    layer.triggerRepaint()
    return errors


def load_on_completion(context, path, name, output_name, styles=()):
    """Ask Processing to load `path` (a file, or 'file.gpkg|layername=x') when the run ends."""
    details = QgsProcessingContext.LayerDetails(name, context.project(), output_name)
    if styles:
        styler = _Styler([(n, style_path(s)) for n, s in styles])
        _keep.append(styler)
        details.setPostProcessor(styler)
    context.addLayerToLoadOnCompletion(path, details)
