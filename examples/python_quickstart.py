#!/usr/bin/python3
"""skycover from Python: load a DEM, one viewshed, coverage of a scenario.

Build first (scripts/build release), then, from the repository root:
    PYTHONPATH=build/release/python /usr/bin/python3 examples/python_quickstart.py
"""
import pathlib

import numpy as np

import skycover

ROOT = pathlib.Path(__file__).resolve().parents[1]

# 1. Terrain: the bundled USGS sample (heights in feet, lon/lat; reprojected to local UTM on load).
dem = skycover.load_terrain(ROOT / "data" / "trinidad_sample.tif", unit="ft")
z = dem.elevation_m
print(f"DEM: {dem.width} x {dem.height} cells of {dem.cell_size_m:.1f} m, "
      f"{np.nanmin(z):.0f} .. {np.nanmax(z):.0f} m")

# 2. One site on the highest cell: where can it see, and how high must a target be elsewhere?
row, col = np.unravel_index(np.nanargmax(z), z.shape)
x_m, y_m = dem.cell_center_m(int(col), int(row))
v = skycover.viewshed(dem, x_m, y_m, height_agl_m=2, max_range_m=6000)
h = v.min_visible_agl_m
in_range = np.isfinite(h)
print(f"viewshed from ({x_m:.0f}, {y_m:.0f}): ground visible in {np.mean(h[in_range] == 0):.1%} "
      f"of {in_range.sum()} cells within 6 km; median hidden height {np.median(h[in_range]):.0f} m")

# 3. Coverage of a scenario, per altitude band (same numbers as `skycover coverage`).
for band in skycover.coverage(ROOT / "examples" / "basic.toml"):
    print(f"{band['altitude_m']:6.0f} m {band['reference'].upper()}: "
          f"{band['covered_km2']:7.1f} of {band['area_km2']:.1f} km2 covered ({band['fraction']:.1%})")
