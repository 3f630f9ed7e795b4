"""Parameters shared by the algorithms, and the scenario TOML they describe (docs/scenario.md).

Layers are exported as they are, in their own CRS (skycover reprojects them the way it reprojects
any file): sites to CSV, the area to a GeoPackage, tracks inline (or to a GeoPackage when a
feature has several parts). No analysis happens here: the TOML states what the dialog says, and
the library checks it.
"""
import csv
import json
import math
import os

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsFeatureRequest,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingParameterCrs,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterLayer,
    QgsProcessingParameterString,
    QgsVectorFileWriter,
    QgsWkbTypes,
)

PRESETS = ["igla-s", "igla", "stinger", "mistral", "starstreak", "rbs-70"]
SYSTEM_CHOICES = PRESETS + ["custom"]
TARGET_CLASSES = ["cruise_missile", "drone", "helicopter", "aircraft"]
REFERENCES = ["agl", "msl"]
UNITS = ["m", "ft"]
CUSTOM_ENVELOPE = [  # key, label, default
    ("min_range_m", "Custom system: minimum slant range (m)", None),
    ("max_range_m", "Custom system: maximum slant range (m)", None),
    ("min_altitude_m", "Custom system: lowest target height above its ground (m)", None),
    ("max_altitude_m", "Custom system: ceiling above the site's ground (m)", None),
    ("reaction_time_s", "Custom system: reaction time (s)", None),
    ("missile_speed_mps", "Custom system: average missile speed (m/s)", None),
]


def q(text):
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(str(text), ensure_ascii=False)


def num(x):
    """A TOML number: integers without a point, floats with every digit."""
    if isinstance(x, bool):
        raise TypeError("bool is not a number here")
    if isinstance(x, int) or (isinstance(x, float) and x.is_integer() and abs(x) < 1e15):
        return str(int(x))
    return repr(float(x))


def number_list(text, name):
    """'50, 150,500' -> [50, 150, 500] (order and bounds are the library's to check)."""
    out = []
    for part in str(text or "").replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            v = float(part)
        except ValueError:
            raise QgsProcessingException(f"{name}: '{part}' is not a number (expected a list like 50,150,500)")
        if not math.isfinite(v):
            raise QgsProcessingException(f"{name}: '{part}' is not a finite number")
        out.append(int(v) if v.is_integer() else v)
    return out


def crs_text(crs):
    """How a CRS is written in the scenario: its authority id, else its WKT; None when unknown."""
    if crs is None or not crs.isValid():
        return None
    if crs.authid():
        return crs.authid()
    return crs.toWkt(QgsCoordinateReferenceSystem.WKT_PREFERRED)


# --- parameters -------------------------------------------------------------------------------

def advanced(p):
    p.setFlags(p.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
    return p


def add_terrain_params(alg):
    alg.addParameter(QgsProcessingParameterRasterLayer("DEM", "DEM (elevation raster layer)"))
    alg.addParameter(QgsProcessingParameterEnum("DEM_UNIT", "DEM elevation unit", options=["metres", "feet"],
                                                 defaultValue=0))
    alg.addParameter(QgsProcessingParameterCrs(
        "ANALYSIS_CRS", "Analysis CRS (projected, metres; empty: the DEM's own, or its UTM zone for a lon/lat DEM)",
        optional=True))
    alg.addParameter(advanced(QgsProcessingParameterNumber(
        "REFRACTION_K", "Refraction coefficient k", QgsProcessingParameterNumber.Double, defaultValue=0.13)))


def add_system_params(alg):
    alg.addParameter(QgsProcessingParameterEnum(
        "SYSTEM", "System (preset, or custom envelope below) for sites without a system field value",
        options=SYSTEM_CHOICES, defaultValue=0))
    alg.addParameter(advanced(QgsProcessingParameterNumber(
        "MISSILES_PER_SITE", "Ready missiles per site (empty: the system's default, 1)",
        QgsProcessingParameterNumber.Integer, optional=True, minValue=1)))
    for key, label, default in CUSTOM_ENVELOPE:
        alg.addParameter(advanced(QgsProcessingParameterNumber(
            "CUSTOM_" + key.upper(), label, QgsProcessingParameterNumber.Double, defaultValue=default,
            optional=True)))


def add_site_params(alg, optional):
    alg.addParameter(QgsProcessingParameterFeatureSource(
        "SITES", "Site layer (points)", [QgsProcessing.TypeVectorPoint], optional=optional))
    for name, label in (("SITE_ID_FIELD", "Site id field (empty: the feature id)"),
                        ("SITE_SYSTEM_FIELD", "System field (a preset name or 'custom'; empty: the System parameter)"),
                        ("SITE_HEIGHT_FIELD", "Launcher height above ground field, m (empty: the height below)"),
                        ("SITE_MISSILES_FIELD", "Ready missiles field (empty: the system's)")):
        alg.addParameter(QgsProcessingParameterField(name, label, parentLayerParameterName="SITES", optional=True))
    alg.addParameter(QgsProcessingParameterNumber(
        "HEIGHT_AGL_M", "Launcher height above ground (m)", QgsProcessingParameterNumber.Double, defaultValue=2.0,
        minValue=0.0))


def add_area_param(alg, optional=True):
    alg.addParameter(QgsProcessingParameterFeatureSource(
        "AREA", "Analysis area (polygons; empty: every cell of the DEM)", [QgsProcessing.TypeVectorPolygon],
        optional=optional))


def add_band_params(alg):
    alg.addParameter(QgsProcessingParameterString(
        "BANDS_AGL_M", "Bands: target heights above ground (m, comma-separated)", defaultValue="50,150,500,1500,3000"))
    alg.addParameter(advanced(QgsProcessingParameterString(
        "BANDS_MSL_M", "Bands: target altitudes above sea level (m, comma-separated)", defaultValue="",
        optional=True)))


def add_seed_param(alg):
    alg.addParameter(advanced(QgsProcessingParameterNumber(
        "SEED", "Master seed", QgsProcessingParameterNumber.Integer, defaultValue=1, minValue=0)))


# --- the scenario -----------------------------------------------------------------------------

class Scenario:
    """Collects the TOML sections of one run, in docs/scenario.md's order."""

    def __init__(self, alg, parameters, context, folder):
        self.alg, self.parameters, self.context, self.folder = alg, parameters, context, folder
        self.inputs = folder.join("inputs")
        os.makedirs(self.inputs, exist_ok=True)
        self.header = []
        self.terrain = []
        self.area = []
        self.systems = {}  # name -> lines
        self.deployments = []
        self.analysis = []
        self.tracks = []
        self.extra = []
        self.pk_lines = []
        self.output_dir = "skycover-out"

    # terrain ------------------------------------------------------------------
    def add_terrain(self):
        layer = self.alg.parameterAsRasterLayer(self.parameters, "DEM", self.context)
        if layer is None:
            raise QgsProcessingException("skycover: no DEM layer")
        if layer.providerType() != "gdal":
            raise QgsProcessingException(
                f"skycover: the DEM layer '{layer.name()}' is not a GDAL raster (provider {layer.providerType()}); "
                "save it as a GeoTIFF first")
        self.dem_path = dem_source(layer)
        self.dem_unit = UNITS[self.alg.parameterAsEnum(self.parameters, "DEM_UNIT", self.context)]
        self.terrain = ["[terrain]", f"dem = {q(self.dem_path)}", f"unit = {q(self.dem_unit)}"]
        crs = self.alg.parameterAsCrs(self.parameters, "ANALYSIS_CRS", self.context)
        self.analysis_crs = crs if crs.isValid() else None
        if self.analysis_crs is not None:
            self.terrain.append(f"crs = {q(crs_text(crs))}")
        self.refraction_k = self.alg.parameterAsDouble(self.parameters, "REFRACTION_K", self.context)

    # area ---------------------------------------------------------------------
    def add_area(self):
        source = self.alg.parameterAsSource(self.parameters, "AREA", self.context)
        if source is None:
            return
        path = os.path.join(self.inputs, "area.gpkg")
        write_features(source, path, "area", self.context)
        self.area = ["[area]", 'polygon = "inputs/area.gpkg"']

    # systems ------------------------------------------------------------------
    def default_system(self):
        return SYSTEM_CHOICES[self.alg.parameterAsEnum(self.parameters, "SYSTEM", self.context)]

    def system(self, name):
        """Declare system `name` (a preset, or 'custom' with the envelope parameters) once."""
        key = name.strip().lower()
        if key in self.systems:
            return key
        lines = ["[[systems]]", f"name = {q(key)}"]
        if key == "custom":
            for k, label, _ in CUSTOM_ENVELOPE:
                v = self.parameters.get("CUSTOM_" + k.upper())
                if v is not None and v != "":
                    lines.append(f"{k} = {num(self.alg.parameterAsDouble(self.parameters, 'CUSTOM_' + k.upper(), self.context))}")
        else:
            lines.append(f"preset = {q(key)}")
        missiles = self.parameters.get("MISSILES_PER_SITE")
        if missiles is not None and missiles != "":
            lines.append(f"missiles_per_site = {self.alg.parameterAsInt(self.parameters, 'MISSILES_PER_SITE', self.context)}")
        lines.extend(self.pk_lines)
        self.systems[key] = lines
        return key

    def set_pk(self, stated, illustrative):
        if illustrative:
            self.pk_lines = ['pk_set = "illustrative"']
        elif stated:
            self.pk_lines = ["pk = { " + ", ".join(f"{k} = {num(v)}" for k, v in stated.items()) + " }"]

    # deployments --------------------------------------------------------------
    def add_site_layer(self):
        """One deployment per system named in the site layer; returns the number of sites."""
        source = self.alg.parameterAsSource(self.parameters, "SITES", self.context)
        if source is None:
            return 0
        fields = {k: self.alg.parameterAsString(self.parameters, k, self.context) or None
                  for k in ("SITE_ID_FIELD", "SITE_SYSTEM_FIELD", "SITE_HEIGHT_FIELD", "SITE_MISSILES_FIELD")}
        default_system = self.default_system()
        groups = {}
        n = 0
        for f in source.getFeatures(QgsFeatureRequest()):
            g = f.geometry()
            if g is None or g.isEmpty():
                raise QgsProcessingException(f"skycover: site layer: feature {f.id()} has no geometry")
            if QgsWkbTypes.isMultiType(g.wkbType()):
                pts = g.asMultiPoint()
                if len(pts) != 1:
                    raise QgsProcessingException(
                        f"skycover: site layer: feature {f.id()} is a multipoint of {len(pts)} points; one site is one point")
                p = pts[0]
            else:
                p = g.asPoint()
            sid = _value(f, fields["SITE_ID_FIELD"])
            sid = str(f.id()) if sid is None else str(sid)
            if any(c in sid for c in ',"\r\n'):
                raise QgsProcessingException(
                    f"skycover: site layer: id '{sid}' holds a comma, quote or line break, which a site CSV cannot carry")
            system = _value(f, fields["SITE_SYSTEM_FIELD"])
            system = default_system if system is None or str(system).strip() == "" else str(system)
            height = _value(f, fields["SITE_HEIGHT_FIELD"])
            missiles = _value(f, fields["SITE_MISSILES_FIELD"])
            groups.setdefault(self.system(system), []).append(
                (sid, p.x(), p.y(), "" if height is None else num(float(height)),
                 "" if missiles is None else num(float(missiles))))
            n += 1
        if n == 0:
            raise QgsProcessingException("skycover: the site layer has no features")
        crs = crs_text(source.sourceCrs())
        height = self.alg.parameterAsDouble(self.parameters, "HEIGHT_AGL_M", self.context)
        for i, (system, rows) in enumerate(groups.items()):
            name = f"sites_{i + 1}.csv"
            with open(os.path.join(self.inputs, name), "w", newline="", encoding="utf-8") as fh:
                w = csv.writer(fh, lineterminator="\n")
                w.writerow(["id", "x", "y", "height_agl_m", "missiles"])
                for sid, x, y, h, m in rows:
                    w.writerow([sid, repr(x), repr(y), h, m])
            lines = ["[[deployments]]", f"system = {q(system)}", f'file = "inputs/{name}"',
                     f"height_agl_m = {num(height)}"]
            if crs:
                lines.append(f"crs = {q(crs)}")
            self.deployments.append(lines)
        return n

    def add_hypothesis(self, hypothesis, count=None, spacing_m=None, seed=None):
        system = self.system(self.default_system())
        height = self.alg.parameterAsDouble(self.parameters, "HEIGHT_AGL_M", self.context)
        lines = ["[[deployments]]", f"system = {q(system)}", f"hypothesis = {q(hypothesis)}"]
        if count is not None:
            lines.append(f"count = {int(count)}")
        if spacing_m is not None:
            lines.append(f"spacing_m = {num(spacing_m)}")
        if seed is not None:
            lines.append(f"seed = {int(seed)}")
        lines.append(f"height_agl_m = {num(height)}")
        self.deployments.insert(0, lines)  # first: `skycover sweep` overrides the first deployment

    # analysis -----------------------------------------------------------------
    def add_analysis(self, bands=True, seed=None):
        lines = ["[analysis]"]
        if bands:
            agl = number_list(self.alg.parameterAsString(self.parameters, "BANDS_AGL_M", self.context), "bands_agl_m")
            msl = number_list(self.alg.parameterAsString(self.parameters, "BANDS_MSL_M", self.context), "bands_msl_m")
            lines.append("bands_agl_m = [" + ", ".join(num(v) for v in agl) + "]")
            if msl:
                lines.append("bands_msl_m = [" + ", ".join(num(v) for v in msl) + "]")
        lines.append(f"refraction_k = {num(self.refraction_k)}")
        if seed is not None:
            lines.append(f"seed = {int(seed)}")
        self.analysis = lines

    # tracks -------------------------------------------------------------------
    def add_tracks(self):
        source = self.alg.parameterAsSource(self.parameters, "TRACKS", self.context)
        if source is None:
            raise QgsProcessingException("skycover: no track layer")
        get = lambda k: self.alg.parameterAsString(self.parameters, k, self.context) or None  # noqa: E731
        fid, fspeed, falt, fref, fclass = (get(k) for k in ("TRACK_ID_FIELD", "SPEED_FIELD", "ALTITUDE_FIELD",
                                                             "REFERENCE_FIELD", "CLASS_FIELD"))
        d_speed = self.alg.parameterAsDouble(self.parameters, "SPEED_MPS", self.context)
        d_alt = self.alg.parameterAsDouble(self.parameters, "ALTITUDE_M", self.context)
        d_ref = REFERENCES[self.alg.parameterAsEnum(self.parameters, "ALTITUDE_REFERENCE", self.context)]
        d_class = TARGET_CLASSES[self.alg.parameterAsEnum(self.parameters, "TARGET_CLASS", self.context)]
        crs = crs_text(source.sourceCrs())
        ids = []
        for f in source.getFeatures(QgsFeatureRequest()):
            g = f.geometry()
            if g is None or g.isEmpty():
                raise QgsProcessingException(f"skycover: track layer: feature {f.id()} has no geometry")
            tid = _value(f, fid)
            tid = f"track-{f.id()}" if tid is None else str(tid)
            speed, alt, ref, cls = (_value(f, fspeed), _value(f, falt), _value(f, fref), _value(f, fclass))
            lines = ["[[tracks]]", f"id = {q(tid)}"]
            if crs:
                lines.append(f"crs = {q(crs)}")
            parts = g.asMultiPolyline() if QgsWkbTypes.isMultiType(g.wkbType()) else [g.asPolyline()]
            if len(parts) == 1:
                lines.append("waypoints = [" + ", ".join(f"[{repr(p.x())}, {repr(p.y())}]" for p in parts[0]) + "]")
            else:  # the library joins parts that meet end to start, and names the gap otherwise
                name = f"track_{len(ids) + 1}.gpkg"
                write_features(source, os.path.join(self.inputs, name), "track", self.context,
                               request=QgsFeatureRequest().setFilterFid(f.id()))
                lines.append(f'file = "inputs/{name}"')
            lines.append(f"speed_mps = {num(d_speed if speed is None else float(speed))}")
            lines.append(f"altitude_m = {num(d_alt if alt is None else float(alt))}")
            lines.append(f"altitude_reference = {q(d_ref if ref is None else str(ref).strip().lower())}")
            lines.append(f"target_class = {q(d_class if cls is None else str(cls).strip())}")
            self.tracks.append(lines)
            ids.append(tid)
        if not ids:
            raise QgsProcessingException("skycover: the track layer has no features")
        return ids

    # text ---------------------------------------------------------------------
    def text(self, commands):
        out = ["# Written by the skycover QGIS plugin (" + self.alg.id() + "). Repeat this run on the",
               "# command line, from this folder:"]
        out += ["#   " + c for c in commands]
        out += ["# Relative paths are relative to this file's folder (inputs/ holds the layers as exported).", ""]
        sections = [self.terrain, self.area] + list(self.systems.values()) + self.deployments + [self.analysis]
        sections += self.tracks + self.extra
        sections.append(["[output]", f"dir = {q(self.output_dir)}   # relative to the working directory; the commands above name --out"])
        for s in sections:
            if s:
                out += s + [""]
        return "\n".join(out)

    def write(self, commands):
        path = self.folder.join("scenario.toml")
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(self.text(commands))
        return path


def dem_source(layer):
    """The DEM layer's data source for GDAL; a file path made absolute (the scenario's own folder and
    the CLI's working directory are not QGIS's)."""
    src = layer.source()
    return os.path.abspath(src) if os.path.exists(src) else src


def _value(feature, field):
    if not field:
        return None
    if feature.fields().indexFromName(field) < 0:
        raise QgsProcessingException(f"skycover: the layer has no field '{field}'")
    v = feature[field]
    if v is None:
        return None
    try:  # QVariant NULL
        from qgis.PyQt.QtCore import QVariant
        if isinstance(v, QVariant) and v.isNull():
            return None
    except ImportError:
        pass
    if hasattr(v, "isNull") and v.isNull():
        return None
    return v


def write_features(source, path, layer_name, context, request=None):
    """Write a feature source as it is (its own CRS) to a GeoPackage layer."""
    options = QgsVectorFileWriter.SaveVectorOptions()
    options.driverName = "GPKG"
    options.layerName = layer_name
    options.fileEncoding = "UTF-8"
    writer = QgsVectorFileWriter.create(path, source.fields(), source.wkbType(), source.sourceCrs(),
                                        context.transformContext(), options)
    if writer.hasError() != QgsVectorFileWriter.NoError:
        raise QgsProcessingException(f"skycover: cannot write {path}: {writer.errorMessage()}")
    for f in source.getFeatures(request or QgsFeatureRequest()):
        writer.addFeature(f)
    del writer
