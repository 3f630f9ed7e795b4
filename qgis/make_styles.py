#!/usr/bin/python3
"""Regenerate the plugin's QML styles (qgis/skycover_qgis/styles/*.qml) with PyQGIS.

The colours are the report's (src/products/coverage_products.cpp multiplicity_legend(),
src/products/report_map.cpp "covered or not" and track layers); the QML files are committed, so
this only needs running when a colour changes:

    QT_QPA_PLATFORM=offscreen /usr/bin/python3 qgis/make_styles.py
"""
import os
import sys
import tempfile

from osgeo import gdal
from qgis.core import (
    QgsApplication,
    QgsColorRampShader,
    QgsFillSymbol,
    QgsLineSymbol,
    QgsMarkerSymbol,
    QgsPalLayerSettings,
    QgsRasterLayer,
    QgsRasterShader,
    QgsSingleBandPseudoColorRenderer,
    QgsSingleSymbolRenderer,
    QgsTextBufferSettings,
    QgsTextFormat,
    QgsVectorLayer,
    QgsVectorLayerSimpleLabeling,
)
from qgis.PyQt.QtGui import QColor

STYLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "skycover_qgis", "styles")

# Sites able to engage (uint16, 65535 = outside the area = nodata): the report's legend; "not reached"
# is tinted at alpha 0.35 as on the report's interactive map.
MULTIPLICITY = [(0, "#d9d9d95a", "not reached"), (1, "#fecc5c", "1 site"), (2, "#fd8d3c", "2 sites"),
                (3, "#f03b20", "3 sites"), (5, "#bd0026", "4-5 sites"), (65534, "#67001f", "6+ sites")]
# The report's "covered or not" overlay.
COVERED = [(0, "#d7301f", "not covered"), (65534, "#2c7fb8", "covered (1+ sites)")]
# Lowest engageable height above ground (m), classes at the default bands, darker = lower.
LOWEST = [(50, "#67001f", "<= 50 m"), (150, "#bd0026", "50-150 m"), (500, "#f03b20", "150-500 m"),
          (1500, "#fd8d3c", "500-1500 m"), (3000, "#fecc5c", "1500-3000 m"), (1e9, "#ffffb2", "> 3000 m")]
# Minimum visible height above ground (m): green = seen low.
MIN_VISIBLE = [(0, "#1a9850", "ground visible"), (50, "#91cf60", "0-50 m"), (150, "#d9ef8b", "50-150 m"),
               (500, "#fee08b", "150-500 m"), (1500, "#fc8d59", "500-1500 m"), (1e9, "#d73027", "> 1500 m")]


def raster_style(name, classes, opacity, tif):
    layer = QgsRasterLayer(tif, name)
    assert layer.isValid(), tif
    ramp = QgsColorRampShader()
    ramp.setColorRampType(QgsColorRampShader.Discrete)
    items = []
    for v, c, label in classes:
        color = QColor(c[:7])
        if len(c) == 9:  # #rrggbbaa
            color.setAlpha(int(c[7:], 16))
        items.append(QgsColorRampShader.ColorRampItem(v, color, label))
    ramp.setColorRampItemList(items)
    shader = QgsRasterShader()
    shader.setRasterShaderFunction(ramp)
    renderer = QgsSingleBandPseudoColorRenderer(layer.dataProvider(), 1, shader)
    renderer.setClassificationMin(classes[0][0])
    renderer.setClassificationMax(classes[-1][0])
    renderer.setOpacity(opacity)
    layer.setRenderer(renderer)
    save(layer, name)


def vector_style(name, geometry, symbol, label=None):
    layer = QgsVectorLayer(geometry + "?crs=EPSG:4326&field=track:string&field=survival_probability:double", name,
                           "memory")
    layer.setRenderer(QgsSingleSymbolRenderer(symbol))
    if label:
        s = QgsPalLayerSettings()
        s.fieldName = label
        s.isExpression = True
        s.placement = QgsPalLayerSettings.Line
        fmt = QgsTextFormat()
        fmt.setSize(9)
        buf = QgsTextBufferSettings()
        buf.setEnabled(True)
        buf.setColor(QColor("#ffffff"))
        fmt.setBuffer(buf)
        s.setFormat(fmt)
        layer.setLabeling(QgsVectorLayerSimpleLabeling(s))
        layer.setLabelsEnabled(True)
    save(layer, name)


def save(layer, name):
    path = os.path.join(STYLES, name + ".qml")
    msg, ok = layer.saveNamedStyle(path)
    if not ok:
        sys.exit(f"{path}: {msg}")
    print("wrote", path)


def main():
    app = QgsApplication([], False)
    app.initQgis()
    os.makedirs(STYLES, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        u16 = os.path.join(tmp, "u16.tif")
        ds = gdal.GetDriverByName("GTiff").Create(u16, 4, 4, 1, gdal.GDT_UInt16)
        ds.SetGeoTransform([0, 1, 0, 4, 0, -1])
        ds.GetRasterBand(1).SetNoDataValue(65535)
        ds = None
        f32 = os.path.join(tmp, "f32.tif")
        ds = gdal.GetDriverByName("GTiff").Create(f32, 4, 4, 1, gdal.GDT_Float32)
        ds.SetGeoTransform([0, 1, 0, 4, 0, -1])
        ds = None
        raster_style("multiplicity", MULTIPLICITY, 0.75, u16)
        raster_style("covered", COVERED, 0.55, u16)
        raster_style("lowest_engageable", LOWEST, 0.75, f32)
        raster_style("min_visible_height", MIN_VISIBLE, 0.75, f32)
    vector_style("coverage_polygons", "Polygon", QgsFillSymbol.createSimple(
        {"color": "44,127,184,140", "outline_color": "#1f5a85", "outline_width": "0.2"}))
    vector_style("windows", "LineString", QgsLineSymbol.createSimple(
        {"line_color": "27,158,119,200", "line_width": "1.6", "capstyle": "round"}))
    vector_style("intercepts", "Point", QgsMarkerSymbol.createSimple(
        {"name": "circle", "color": "#ffffff", "outline_color": "#000000", "outline_width": "0.4", "size": "2.6"}))
    vector_style("survival", "LineString", QgsLineSymbol.createSimple(
        {"line_color": "#222222", "line_width": "0.6"}),
        label="\"track\" || '  survival ' || format_number(\"survival_probability\", 3)")
    app.exitQgis()


if __name__ == "__main__":
    main()
