#!/usr/bin/python3
"""Write examples/landcover_synthetic.tif: an invented land-cover raster for examples/clutter.toml.

It is *not* real land cover. It lies over the synthetic terrain of examples/basic.toml (256 x 256
cells of 30 m, EPSG:32619, north-west corner 500000, 1200000) at 20 m pixels, with the class codes
of ESA WorldCover (10 tree cover, 30 grassland, 40 cropland, 50 built-up) so that a real WorldCover
tile can replace it without changing the scenario. Deterministic: the same bytes every run.
Run: /usr/bin/python3 examples/make_landcover.py [OUT.tif]
"""
import sys

import numpy as np
from osgeo import gdal, osr

PIXEL_M = 20
SIDE = 256 * 30 // PIXEL_M  # 384 pixels: the same 7.68 km square as the terrain


def classes():
    y, x = np.mgrid[0:SIDE, 0:SIDE].astype(np.float64) * PIXEL_M
    rng = np.random.default_rng(7)
    # Woods: where a smooth random field (a few long waves) is high.
    field = np.zeros_like(x)
    for _ in range(6):
        kx, ky = rng.uniform(-1, 1, 2) * 2 * np.pi / 2500
        field += np.sin(kx * x + ky * y + rng.uniform(0, 2 * np.pi))
    out = np.where(field > 1.2, 10, np.where(field < -1.5, 40, 30)).astype(np.uint8)
    # Three towns: built-up discs of 400-900 m radius.
    for cx, cy, r in ((2000, 2500, 900), (5600, 1800, 600), (4300, 6000, 400)):
        out[(x - cx) ** 2 + (y - cy) ** 2 < r * r] = 50
    return out


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "examples/landcover_synthetic.tif"
    ds = gdal.GetDriverByName("GTiff").Create(path, SIDE, SIDE, 1, gdal.GDT_Byte, ["COMPRESS=DEFLATE", "PREDICTOR=2"])
    ds.SetGeoTransform((500000, PIXEL_M, 0, 1200000, 0, -PIXEL_M))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32619)
    ds.SetProjection(srs.ExportToWkt())
    band = ds.GetRasterBand(1)
    band.WriteArray(classes())
    band.SetDescription("synthetic land cover (ESA WorldCover codes): NOT real data")
    ds = None


if __name__ == "__main__":
    main()
