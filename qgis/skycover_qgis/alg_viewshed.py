"""skycover:viewshed: minimum visible height above ground around observers (`skycover viewshed`)."""
import csv
import os

from qgis.core import (
    QgsFeatureRequest,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputFile,
    QgsProcessingOutputMultipleLayers,
    QgsProcessingOutputRasterLayer,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterLayer,
    QgsWkbTypes,
)

from . import layers, runner, scenario
from .base import SkycoverAlgorithm
from .staging import StagedFolder


class ViewshedAlgorithm(SkycoverAlgorithm):
    NAME = "viewshed"
    DISPLAY = "Minimum visible height"
    HELP = ("<p>For every observer point, the minimum height above ground at which a target is visible from "
            "the observer's eye, within a range, with Earth curvature and refraction "
            "(<code>skycover viewshed</code>, gdal_viewshed GROUND-mode semantics; docs/visibility.md). "
            "0 = the ground itself is visible; nodata = out of range. One GeoTIFF per observer, "
            "<code>viewshed_N.tif</code> (N = the observer's row in observers.csv), each loaded as a layer.</p>"
            "<p>skycover's viewshed takes options rather than a scenario, so the run is recorded as "
            "<b>command.sh</b>.</p>")

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterRasterLayer("DEM", "DEM (elevation raster layer)"))
        self.addParameter(QgsProcessingParameterEnum("DEM_UNIT", "DEM elevation unit", options=["metres", "feet"],
                                                     defaultValue=0))
        self.addParameter(QgsProcessingParameterFeatureSource("OBSERVERS", "Observer layer (points)",
                                                              [QgsProcessing.TypeVectorPoint]))
        self.addParameter(QgsProcessingParameterField("OBSERVER_ID_FIELD", "Observer id field (empty: feature id)",
                                                      parentLayerParameterName="OBSERVERS", optional=True))
        self.addParameter(QgsProcessingParameterNumber(
            "HEIGHT_AGL_M", "Eye height above ground (m)", QgsProcessingParameterNumber.Double, defaultValue=2.0,
            minValue=0.0))
        self.addParameter(QgsProcessingParameterNumber(
            "MAX_RANGE_M", "Range (m)", QgsProcessingParameterNumber.Double, defaultValue=6000.0, minValue=0.0))
        self.addParameter(QgsProcessingParameterNumber(
            "REFRACTION_K", "Refraction coefficient k", QgsProcessingParameterNumber.Double, defaultValue=0.13))
        self.add_output_folder()
        self.addOutput(QgsProcessingOutputMultipleLayers("VIEWSHEDS", "Minimum visible height rasters"))
        self.addOutput(QgsProcessingOutputRasterLayer("FIRST", "Minimum visible height (first observer)"))
        self.addOutput(QgsProcessingOutputFile("COMMAND", "Command line (command.sh)"))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        dem = self.parameterAsRasterLayer(parameters, "DEM", context)
        if dem is None or dem.providerType() != "gdal":
            raise QgsProcessingException("skycover: the DEM must be a GDAL raster layer (a file)")
        source = self.parameterAsSource(parameters, "OBSERVERS", context)
        id_field = self.parameterAsString(parameters, "OBSERVER_ID_FIELD", context) or None
        observers = []
        for f in source.getFeatures(QgsFeatureRequest()):
            g = f.geometry()
            if g is None or g.isEmpty():
                raise QgsProcessingException(f"skycover: observer layer: feature {f.id()} has no geometry")
            pts = g.asMultiPoint() if QgsWkbTypes.isMultiType(g.wkbType()) else [g.asPoint()]
            if len(pts) != 1:
                raise QgsProcessingException(f"skycover: observer layer: feature {f.id()} is a multipoint of "
                                             f"{len(pts)} points; one observer is one point")
            oid = scenario._value(f, id_field)
            observers.append((str(f.id()) if oid is None else str(oid), pts[0].x(), pts[0].y()))
        if not observers:
            raise QgsProcessingException("skycover: the observer layer has no features")
        args = ["viewshed", "--dem", scenario.dem_source(dem)]
        if scenario.UNITS[self.parameterAsEnum(parameters, "DEM_UNIT", context)] == "ft":
            args.append("--feet")
        for _, x, y in observers:
            args += ["--site", f"{x!r},{y!r}"]
        crs = scenario.crs_text(source.sourceCrs())
        if crs:
            args += ["--site-crs", crs]
        args += ["--height-agl-m", repr(self.parameterAsDouble(parameters, "HEIGHT_AGL_M", context)),
                 "--max-range-m", repr(self.parameterAsDouble(parameters, "MAX_RANGE_M", context)),
                 "--refraction-k", repr(self.parameterAsDouble(parameters, "REFRACTION_K", context)),
                 "--out", "viewshed_{}.tif" if len(observers) > 1 else "viewshed_0.tif"]
        out = self.parameterAsString(parameters, "OUTPUT", context)
        with StagedFolder(out, self.id()) as folder:
            with open(folder.join("command.sh"), "w", encoding="utf-8") as fh:
                fh.write("#!/bin/sh\n# Written by the skycover QGIS plugin (skycover:viewshed): this run on the "
                         "command line.\ncd \"$(dirname \"$0\")\" && " + runner.shell_command(["skycover"] + args) + "\n")
            os.chmod(folder.join("command.sh"), 0o755)
            with open(folder.join("observers.csv"), "w", newline="", encoding="utf-8") as fh:
                w = csv.writer(fh, lineterminator="\n")
                w.writerow(["n", "id", "x", "y", "file"])
                for i, (oid, x, y) in enumerate(observers):
                    w.writerow([i, oid, repr(x), repr(y), f"viewshed_{i}.tif"])
            done = [0]

            def progress(line):
                if line.startswith("wrote "):
                    done[0] += 1
                    feedback.setProgress(100.0 * done[0] / len(observers))

            feedback.setProgressText(f"viewsheds of {len(observers)} observer(s)")
            runner.run_cli(args, feedback, cwd=folder.path, on_stdout_line=progress)
            files = [folder.final_join(f"viewshed_{i}.tif") for i in range(len(observers))]
            for (oid, _, _), path in zip(observers, files):
                layers.load_on_completion(context, path, f"minimum visible height, observer {oid}", "VIEWSHEDS",
                                          [("minimum visible height", "min_visible_height")])
            if feedback.isCanceled():
                raise runner.Cancelled("skycover: cancelled; nothing was written")
            folder.commit()
        return {"OUTPUT": folder.final, "VIEWSHEDS": files, "FIRST": files[0],
                "COMMAND": folder.final_join("command.sh")}
