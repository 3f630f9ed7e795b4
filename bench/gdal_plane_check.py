#!/usr/bin/python3
"""GDAL's gdal_viewshed -om GROUND on a plane falling away from the observer.

Every cell of a plane is visible from an eye above it, so the minimum visible height above ground
should be 0 everywhere. Prints how many cells of the downhill half GDAL reports hidden.
skycover's regression test for the same case: Viewshed.PlaneSlopingAwayIsVisibleEverywhere.
"""
import numpy as np
from osgeo import gdal, osr

gdal.UseExceptions()
n, cs = 121, 30.0
ds = gdal.GetDriverByName("MEM").Create("", n, n, 1, gdal.GDT_Float32)
ds.SetGeoTransform((0, cs, 0, n * cs, 0, -cs))
srs = osr.SpatialReference()
srs.ImportFromEPSG(32619)
ds.SetProjection(srs.ExportToWkt())
x = (np.arange(n) + 0.5) * cs
ds.GetRasterBand(1).WriteArray(np.tile(1500 - 0.2 * x, (n, 1)).astype(np.float32))  # falls 0.2 m/m eastwards
ox, oy = 60.5 * cs, n * cs - 60.5 * cs  # centre cell, eye 2 m up, 1.8 km range
for cc in (0.0, 0.85714):
    out = gdal.ViewshedGenerate(ds.GetRasterBand(1), "MEM", "", [], ox, oy, 2, 0, 1, 0, -1, -2, cc, gdal.GVM_Edge,
                                1800, heightMode=gdal.GVOT_MIN_TARGET_HEIGHT_FROM_GROUND).ReadAsArray()
    valid = out >= 0
    east = valid.copy()
    east[:, : out.shape[1] // 2 + 1] = False
    print(f"GDAL {gdal.__version__}, cc={cc}: downhill-half cells reported hidden (> 0.01 m): "
          f"{int((out[east] > 0.01).sum())} of {int(east.sum())}; max {out[valid].max():.1f} m (expected 0)")
