"""skycover:exposure: engagement windows, intercept points and survival of tracks (`skycover exposure`)."""
import os

from osgeo import ogr
from qgis.core import (
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputVectorLayer,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterNumber,
)

from . import layers, runner, scenario
from .base import SkycoverAlgorithm
from .staging import StagedFolder

# The layers of skycover's exposure.gpkg (docs/exposure.md), in the analysis CRS: (output, layer in
# the GeoPackage, name in QGIS, QML style).
EXPOSURE_LAYERS = (("SURVIVAL", "tracks", "survival per track", "survival"),
                   ("WINDOWS", "windows", "engagement windows", "windows"),
                   ("INTERCEPTS", "intercepts", "intercept points", "intercepts"))


def exposure_layer_counts(gpkg):
    """Feature counts of the layers of skycover's exposure.gpkg, {layer: count}, read-only; an error
    naming the file when it or a layer is missing (a skycover older than the plugin)."""
    if not os.path.isfile(gpkg):
        raise QgsProcessingException(f"skycover: {gpkg} was not written (skycover older than this plugin?)")
    ds = ogr.Open(gpkg, 0)
    if ds is None:
        raise QgsProcessingException(f"skycover: cannot open {gpkg}")
    try:
        counts = {}
        for _key, name, _label, _style in EXPOSURE_LAYERS:
            layer = ds.GetLayerByName(name)
            if layer is None:
                raise QgsProcessingException(f"skycover: {gpkg} holds no layer '{name}' (skycover older than this "
                                             "plugin?)")
            counts[name] = layer.GetFeatureCount()
        return counts
    finally:
        ds = None


class ExposureAlgorithm(SkycoverAlgorithm):
    NAME = "exposure"
    DISPLAY = "Track exposure"
    HELP = ("<p>Per flight track: which sites can engage it and when (windows), the shots of a shoot-look-shoot "
            "doctrine with their intercept points, expected shots and survival probability "
            "(<code>skycover exposure</code>; docs/exposure.md). Track attributes (speed, altitude, its reference "
            "agl/msl and target class) come from fields, or from the defaults below.</p>"
            "<p><b>Kill probabilities are never defaulted</b>: state the Pk of each target class you fly, or choose "
            "the labelled illustrative set; a class without one is refused with skycover's message.</p>")

    def initAlgorithm(self, config=None):  # noqa: N802
        scenario.add_terrain_params(self)
        scenario.add_site_params(self, optional=False)
        scenario.add_system_params(self)
        self.addParameter(QgsProcessingParameterFeatureSource("TRACKS", "Track layer (lines)",
                                                              [QgsProcessing.TypeVectorLine]))
        for name, label in (("TRACK_ID_FIELD", "Track id field (empty: track-<feature id>)"),
                            ("SPEED_FIELD", "Speed field (m/s)"), ("ALTITUDE_FIELD", "Altitude field (m)"),
                            ("REFERENCE_FIELD", "Altitude reference field (agl or msl)"),
                            ("CLASS_FIELD", "Target class field (cruise_missile, drone, helicopter, aircraft)")):
            self.addParameter(QgsProcessingParameterField(name, label, parentLayerParameterName="TRACKS",
                                                          optional=True))
        self.addParameter(QgsProcessingParameterNumber("SPEED_MPS", "Speed where the field is empty (m/s)",
                                                       QgsProcessingParameterNumber.Double, defaultValue=240.0))
        self.addParameter(QgsProcessingParameterNumber("ALTITUDE_M", "Altitude where the field is empty (m)",
                                                       QgsProcessingParameterNumber.Double, defaultValue=50.0))
        self.addParameter(QgsProcessingParameterEnum("ALTITUDE_REFERENCE", "Altitude reference where the field is empty",
                                                     options=scenario.REFERENCES, defaultValue=0))
        self.addParameter(QgsProcessingParameterEnum("TARGET_CLASS", "Target class where the field is empty",
                                                     options=scenario.TARGET_CLASSES, defaultValue=0))
        for cls in scenario.TARGET_CLASSES:
            self.addParameter(QgsProcessingParameterNumber(
                "PK_" + cls.upper(), f"Pk stated for {cls.replace('_', ' ')} (single shot; empty: not stated)",
                QgsProcessingParameterNumber.Double, optional=True, minValue=0.0, maxValue=1.0))
        self.addParameter(QgsProcessingParameterBoolean(
            "PK_ILLUSTRATIVE", "Use the labelled illustrative Pk set instead (not a measured figure)", defaultValue=False))
        self.addParameter(scenario.advanced(QgsProcessingParameterBoolean(
            "UNLIMITED_MISSILES", "Do not cap shots by the sites' ready missiles", defaultValue=False)))
        scenario.add_seed_param(self)
        self.add_output_folder()
        self.addOutput(QgsProcessingOutputVectorLayer("WINDOWS", "Engagement windows"))
        self.addOutput(QgsProcessingOutputVectorLayer("INTERCEPTS", "Intercept points"))
        self.addOutput(QgsProcessingOutputVectorLayer("SURVIVAL", "Survival per track"))
        self.add_scenario_outputs()

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        out = self.parameterAsString(parameters, "OUTPUT", context)
        with StagedFolder(out, self.id()) as folder:
            sc = scenario.Scenario(self, parameters, context, folder)
            stated = {}
            for cls in scenario.TARGET_CLASSES:
                v = parameters.get("PK_" + cls.upper())
                if v is not None and v != "":
                    stated[cls] = self.parameterAsDouble(parameters, "PK_" + cls.upper(), context)
            sc.set_pk(stated, self.parameterAsBool(parameters, "PK_ILLUSTRATIVE", context))
            sc.add_terrain()
            sc.add_site_layer()
            sc.add_analysis(bands=False, seed=self.parameterAsInt(parameters, "SEED", context))
            sc.add_tracks()
            unlimited = self.parameterAsBool(parameters, "UNLIMITED_MISSILES", context)
            extra = ["--unlimited-missiles"] if unlimited else []
            toml = sc.write([" ".join(["skycover exposure scenario.toml --out exposure"] + extra)])
            exp_dir = folder.join("exposure")
            stdout = runner.run_cli(["exposure", toml, "--out", exp_dir] + extra, feedback)
            feedback.pushInfo(stdout)
            counts = exposure_layer_counts(os.path.join(exp_dir, "exposure.gpkg"))
            feedback.pushInfo(f"{counts['windows']} windows, {counts['intercepts']} intercept points, "
                              f"{counts['tracks']} tracks")
            final_gpkg = folder.final_join("exposure", "exposure.gpkg")
            results = {"OUTPUT": folder.final, "SCENARIO": folder.final_join("scenario.toml"),
                       "REPORT": folder.final_join("exposure", "report.html")}
            for key, name, label, style in EXPOSURE_LAYERS:
                results[key] = f"{final_gpkg}|layername={name}"
                layers.load_on_completion(context, results[key], label, key, [(label, style)])
            if feedback.isCanceled():
                raise runner.Cancelled("skycover: cancelled; nothing was written")
            folder.commit()
        return results
