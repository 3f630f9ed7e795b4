"""skycover:exposure: engagement windows, intercept points and survival of tracks (`skycover exposure`)."""
import glob
import json
import os
import re

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsFeature,
    QgsField,
    QgsFields,
    QgsGeometry,
    QgsPointXY,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputFile,
    QgsProcessingOutputHtml,
    QgsProcessingOutputVectorLayer,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterNumber,
    QgsVectorFileWriter,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QVariant

from . import layers, runner, scenario
from .base import SkycoverAlgorithm
from .staging import StagedFolder


def report_map_data(report_path):
    """The interactive map's data that skycover embeds in report.html (render/web_map.hpp): the
    analysis CRS, and the tracks and engagement windows as drawn, in analysis-CRS metres."""
    with open(report_path, encoding="utf-8") as fh:
        html = fh.read()
    m = re.search(r'<script type="application/json" class="skymap-data"[^>]*>(.*?)</script>', html, re.S)
    if not m:
        raise QgsProcessingException(f"skycover: {report_path} holds no map data (a newer report layout?)")
    return json.loads(m.group(1))


def window_text(start, end):
    # The report's popup text for a window (render/report_map.cpp), used to join it to the JSON's.
    return f"t = {start:.1f} to {end:.1f} s ({end - start:.1f} s)"


def write_layer(path, name, geometry_type, crs, fields, rows, context, first):
    options = QgsVectorFileWriter.SaveVectorOptions()
    options.driverName = "GPKG"
    options.layerName = name
    options.fileEncoding = "UTF-8"
    if not first:
        options.actionOnExistingFile = QgsVectorFileWriter.CreateOrOverwriteLayer
    qfields = QgsFields()
    for fname, ftype in fields:
        qfields.append(QgsField(fname, ftype))
    writer = QgsVectorFileWriter.create(path, qfields, geometry_type, crs, context.transformContext(), options)
    if writer.hasError() != QgsVectorFileWriter.NoError:
        raise QgsProcessingException(f"skycover: cannot write {path}: {writer.errorMessage()}")
    for geom, attrs in rows:
        f = QgsFeature(qfields)
        f.setGeometry(geom)
        f.setAttributes(attrs)
        writer.addFeature(f)
    del writer


def exposure_layers(exp_dir, gpkg, context, analysis_crs, feedback):
    """Windows (lines), intercept points and survival (track lines) from a `skycover exposure` folder."""
    per_track = []
    for p in sorted(glob.glob(os.path.join(exp_dir, "*.json"))):
        with open(p, encoding="utf-8") as fh:
            d = json.load(fh)
        if isinstance(d, dict) and "windows" in d and "track" in d:
            per_track.append(d)
    data = report_map_data(os.path.join(exp_dir, "report.html"))
    crs_name = data["grid"].get("crs", "")
    crs = QgsCoordinateReferenceSystem(crs_name.split(" ")[0]) if ":" in crs_name.split(" ")[0] else None
    if crs is None or not crs.isValid():
        crs = analysis_crs if analysis_crs is not None else QgsCoordinateReferenceSystem()
        if not crs.isValid():
            feedback.pushWarning(f"skycover: the analysis CRS '{crs_name}' has no authority code; the exposure layers "
                                 "carry none (set the Analysis CRS parameter to have it)")
    by_name = {layer["name"]: layer for layer in data.get("layers", [])}
    windows_drawn = next((v for k, v in by_name.items() if k.startswith("engagement windows")), {"lines": []})
    tracks_drawn = by_name.get("tracks", {"lines": []})

    drawn = {}
    for line in windows_drawn["lines"]:
        pop = dict((k, v) for k, v in line.get("popup", []))
        drawn.setdefault((pop.get("track"), pop.get("site"), pop.get("window")), []).append(line["xy"])
    win_rows, shot_rows, surv_rows = [], [], []
    for t in per_track:
        for i, w in enumerate(t["windows"]):
            key = (t["track"], w["site"], window_text(w["interval_start_s"], w["interval_end_s"]))
            xy = drawn.get(key)
            if not xy:
                raise QgsProcessingException(f"skycover: report.html draws no window {key} (a newer report layout?)")
            geom = QgsGeometry.fromPolylineXY([QgsPointXY(x, y) for x, y in xy.pop(0)])
            win_rows.append((geom, [t["track"], w["site"], w["system"], i, w["interval_start_s"], w["interval_end_s"],
                                    w["interval_end_s"] - w["interval_start_s"], w["earliest_launch_s"],
                                    len(w["shots"])]))
            for k, s in enumerate(w["shots"]):
                shot_rows.append((QgsGeometry.fromPointXY(QgsPointXY(s["intercept_x_m"], s["intercept_y_m"])),
                                  [t["track"], w["site"], w["system"], k + 1, s["launch_s"], s["intercept_s"],
                                   s["intercept_z_msl_m"], s["pk"]]))
        line = next((l for l in tracks_drawn["lines"] if l.get("label") == f"track {t['track']}"), None)
        if line is None:
            raise QgsProcessingException(f"skycover: report.html draws no track '{t['track']}' (a newer report layout?)")
        surv_rows.append((QgsGeometry.fromPolylineXY([QgsPointXY(x, y) for x, y in line["xy"]]),
                          [t["track"], t["target_class"], t["length_m"], t["duration_s"], t["sites_engaging"],
                           t["sites_with_shots"], t["exposed_time_s"], t["expected_shots"],
                           t["survival_probability"]]))
    D, S, I = QVariant.Double, QVariant.String, QVariant.Int
    write_layer(gpkg, "windows", QgsWkbTypes.LineString, crs,
                [("track", S), ("site", S), ("system", S), ("window", I), ("start_s", D), ("end_s", D),
                 ("duration_s", D), ("earliest_launch_s", D), ("shots", I)], win_rows, context, True)
    write_layer(gpkg, "intercepts", QgsWkbTypes.Point, crs,
                [("track", S), ("site", S), ("system", S), ("shot", I), ("launch_s", D), ("intercept_s", D),
                 ("z_msl_m", D), ("pk", D)], shot_rows, context, False)
    write_layer(gpkg, "survival", QgsWkbTypes.LineString, crs,
                [("track", S), ("target_class", S), ("length_m", D), ("duration_s", D), ("sites_engaging", I),
                 ("sites_with_shots", I), ("exposed_time_s", D), ("expected_shots", D),
                 ("survival_probability", D)], surv_rows, context, False)
    return len(win_rows), len(shot_rows), len(surv_rows)


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
        self.addParameter(QgsProcessingParameterFolderDestination("OUTPUT", "Output folder"))
        self.addOutput(QgsProcessingOutputVectorLayer("WINDOWS", "Engagement windows"))
        self.addOutput(QgsProcessingOutputVectorLayer("INTERCEPTS", "Intercept points"))
        self.addOutput(QgsProcessingOutputVectorLayer("SURVIVAL", "Survival per track"))
        self.addOutput(QgsProcessingOutputHtml("REPORT", "Report"))
        self.addOutput(QgsProcessingOutputFile("SCENARIO", "Scenario TOML"))

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
            feedback.setProgressText("writing the layers")
            gpkg = folder.join("exposure_layers.gpkg")
            n = exposure_layers(exp_dir, gpkg, context, sc.analysis_crs, feedback)
            feedback.pushInfo(f"{n[0]} windows, {n[1]} intercept points, {n[2]} tracks")
            final_gpkg = folder.final_join("exposure_layers.gpkg")
            results = {"OUTPUT": folder.final, "SCENARIO": folder.final_join("scenario.toml"),
                       "REPORT": folder.final_join("exposure", "report.html")}
            for key, name, label in (("SURVIVAL", "survival", "survival per track"),
                                     ("WINDOWS", "windows", "engagement windows"),
                                     ("INTERCEPTS", "intercepts", "intercept points")):
                results[key] = f"{final_gpkg}|layername={name}"
                layers.load_on_completion(context, results[key], label, key, [(label, name)])
            if feedback.isCanceled():
                raise runner.Cancelled("skycover: cancelled; nothing was written")
            folder.commit()
        return results
