#!/usr/bin/python3
"""The screenshots of docs/qgis.md, taken under Xvfb on the bundled Trinidad sample:

    SKYCOVER_CLI=build/release/skycover xvfb-run -a -s "-screen 0 1400x900x24" /usr/bin/python3 qgis/screenshots.py

Writes docs/img/qgis_coverage_dialog.png (the algorithm's dialog, filled in as in the worked
example), docs/img/qgis_coverage_map.png and docs/img/qgis_exposure_map.png (the result layers, as
loaded and styled by the plugin, over a hillshade of the DEM).
"""
import os
import pathlib
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "qgis"))
sys.path.append("/usr/share/qgis/python/plugins")
os.environ["GDAL_PAM_ENABLED"] = "NO"

from qgis.core import (  # noqa: E402
    QgsApplication,
    QgsFeature,
    QgsGeometry,
    QgsHillshadeRenderer,
    QgsMapRendererParallelJob,
    QgsMapSettings,
    QgsPointXY,
    QgsProcessingContext,
    QgsProcessingFeedback,
    QgsProject,
    QgsRasterLayer,
    QgsRectangle,
    QgsVectorLayer,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
)
from qgis.PyQt.QtCore import QSize, QEventLoop, QTimer  # noqa: E402
from qgis.PyQt.QtGui import QColor  # noqa: E402

IMG = ROOT / "docs" / "img"


def wait(ms):
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec_()


def render(layers, extent, crs, path, size=(1000, 760)):
    settings = QgsMapSettings()
    settings.setLayers(layers)
    settings.setDestinationCrs(crs)
    settings.setExtent(extent)
    settings.setOutputSize(QSize(*size))
    settings.setBackgroundColor(QColor("white"))
    job = QgsMapRendererParallelJob(settings)
    job.start()
    job.waitForFinished()
    job.renderedImage().save(str(path))
    print("wrote", path)


def main():
    app = QgsApplication([], True)
    app.initQgis()
    from processing.core.Processing import Processing
    Processing.initialize()
    import processing
    from skycover_qgis.provider import SkycoverProvider
    from skycover_qgis import layers as sl
    provider = SkycoverProvider()  # kept: the registry does not keep the Python object alive
    QgsApplication.processingRegistry().addProvider(provider)
    IMG.mkdir(parents=True, exist_ok=True)

    project = QgsProject.instance()
    dem = QgsRasterLayer(str(ROOT / "data" / "trinidad_sample.tif"), "trinidad_sample")
    area = QgsVectorLayer(str(ROOT / "examples" / "trinidad_area.geojson"), "trinidad_area", "ogr")
    sites = QgsVectorLayer((ROOT / "examples" / "trinidad_sites.csv").as_uri()
                           + "?type=csv&xField=x&yField=y&crs=EPSG:4326&detectTypes=yes", "trinidad_sites",
                           "delimitedtext")
    project.addMapLayers([dem, area, sites])
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="skycover-shots-"))
    params = {"DEM": dem.id(), "DEM_UNIT": 1, "AREA": area.id(), "SITES": sites.id(), "SITE_ID_FIELD": "id",
              "SITE_HEIGHT_FIELD": "height_agl_m", "SITE_MISSILES_FIELD": "missiles", "SYSTEM": 2,
              "HYPOTHESIS": 2, "COUNT": 8, "BANDS_AGL_M": "50,150,500,1500", "SEED": 2,
              "OUTPUT": str(tmp / "trinidad-coverage")}

    # processing.createAlgorithmDialog() needs QGIS's main window (iface); the same dialog, parentless:
    from processing.gui.AlgorithmDialog import AlgorithmDialog
    dialog = AlgorithmDialog(QgsApplication.processingRegistry().createAlgorithmById("skycover:coverage"))
    dialog.setParameters(params)
    dialog.resize(1100, 820)
    dialog.show()
    wait(1500)
    dialog.grab().save(str(IMG / "qgis_coverage_dialog.png"))
    print("wrote", IMG / "qgis_coverage_dialog.png")
    dialog.close()

    context = QgsProcessingContext()
    context.setProject(project)
    r = processing.run("skycover:coverage", params, context=context, feedback=QgsProcessingFeedback())
    utm = QgsCoordinateReferenceSystem("EPSG:32613")
    shade = QgsRasterLayer(str(ROOT / "data" / "trinidad_sample.tif"), "hillshade")
    hs = QgsHillshadeRenderer(shade.dataProvider(), 1, 315, 45)
    hs.setZFactor(1 / 364567.0)  # heights in feet over a grid in degrees (gdaldem's -s for feet)
    shade.setRenderer(hs)
    mult = QgsRasterLayer(r["MULTIPLICITY"][0], "sites able to engage, agl_50m")
    sl.apply_styles(mult, [("sites able to engage", sl.style_path("multiplicity"))])
    poly = QgsVectorLayer(r["POLYGONS"][0], "covered, agl_50m", "ogr")
    sl.apply_styles(poly, [("covered", sl.style_path("coverage_polygons"))])
    poly.setOpacity(0.35)
    outline = QgsVectorLayer(str(ROOT / "examples" / "trinidad_area.geojson"), "area", "ogr")
    outline.renderer().symbol().setColor(QColor(0, 0, 0, 0))
    outline.renderer().symbol().symbolLayer(0).setStrokeColor(QColor("#111111"))
    outline.renderer().symbol().symbolLayer(0).setStrokeWidth(0.5)
    sites.renderer().symbol().setColor(QColor("#000000"))
    extent = QgsCoordinateTransform(QgsCoordinateReferenceSystem("EPSG:4326"), utm, project).transformBoundingBox(
        QgsRectangle(-105.16, 37.28, -104.76, 37.64))
    render([sites, outline, poly, mult, shade], extent, utm, IMG / "qgis_coverage_map.png")

    tracks = QgsVectorLayer("LineString?crs=EPSG:4326&field=name:string", "tracks", "memory")
    f = QgsFeature(tracks.fields())
    f.setAttributes(["low-west-east"])
    f.setGeometry(QgsGeometry.fromPolylineXY([QgsPointXY(-105.15, 37.47), QgsPointXY(-104.78, 37.47)]))
    tracks.dataProvider().addFeature(f)
    project.addMapLayer(tracks)
    r = processing.run("skycover:exposure", {
        "DEM": dem.id(), "DEM_UNIT": 1, "SITES": sites.id(), "SITE_ID_FIELD": "id", "SITE_HEIGHT_FIELD": "height_agl_m",
        "SITE_MISSILES_FIELD": "missiles", "SYSTEM": 2, "TRACKS": tracks.id(), "TRACK_ID_FIELD": "name",
        "SPEED_MPS": 240, "ALTITUDE_M": 50, "ALTITUDE_REFERENCE": 0, "TARGET_CLASS": 0, "PK_CRUISE_MISSILE": 0.3,
        "OUTPUT": str(tmp / "trinidad-exposure")}, context=context, feedback=QgsProcessingFeedback())
    out = []
    for key, style in (("INTERCEPTS", "intercepts"), ("WINDOWS", "windows"), ("SURVIVAL", "survival")):
        lay = QgsVectorLayer(r[key], key.lower(), "ogr")
        sl.apply_styles(lay, [(style, sl.style_path(style))])
        out.append(lay)
    extent = QgsCoordinateTransform(QgsCoordinateReferenceSystem("EPSG:4326"), utm, project).transformBoundingBox(
        QgsRectangle(-105.17, 37.38, -104.76, 37.56))
    render([out[0], sites, out[2], out[1], shade], extent, utm, IMG / "qgis_exposure_map.png", size=(1000, 620))
    sys.stdout.flush()
    os._exit(0)  # QGIS 3.22 can crash in exitQgis() after a GUI dialog; the images are written


if __name__ == "__main__":
    main()
