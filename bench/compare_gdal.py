#!/usr/bin/python3
"""Side-by-side: skycover's viewshed kernel vs GDAL's gdal_viewshed (-om GROUND).

Runs both on the same metric DEM and the same sites and prints, per tool, the time per site and
per in-range site-cell, their ratio, and how well the outputs agree (share of in-range cells within
1 m, and agreement of the visible-at-ground class).

  GDAL in-process: osgeo.gdal.ViewshedGenerate (the C API GDALViewshedGenerate) into a MEM dataset,
                   heightMode = GVOT_MIN_TARGET_HEIGHT_FROM_GROUND (what `-om GROUND` selects).
  skycover in-process: `skycover viewshed --timing` with all sites in one process (kernel time
                   only, excluding DEM loading and GeoTIFF writing).
  CLI loops: one process per site for both tools (`gdal_viewshed -om GROUND ...` and
             `skycover viewshed ...`), wall time including DEM loading and writing; then one
             skycover process for all those sites, and gdal_translate of the same windows (the
             start-up, read and write floor any GDAL command line pays).

Both use the same curvature: GDAL's -cc (curvature coefficient) = 1 - k.

Usage (Debian's python3 with python3-gdal):
  /usr/bin/python3 bench/compare_gdal.py --skycover build-bench/skycover            # synthetic DEM
  /usr/bin/python3 bench/compare_gdal.py --skycover build-bench/skycover --dem my_utm_dem.tif
"""
import argparse
import math
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
from osgeo import gdal

gdal.UseExceptions()


def scatter_sites(ds, n, radius_cells):
    """Deterministic Weyl scatter of n valid cell centres at least radius_cells from every edge."""
    band = ds.GetRasterBand(1)
    z = band.ReadAsArray().astype(np.float64)
    nodata = band.GetNoDataValue()
    gt = ds.GetGeoTransform()
    w, h = ds.RasterXSize, ds.RasterYSize
    if w <= 2 * radius_cells + 1 or h <= 2 * radius_cells + 1:
        sys.exit(f"DEM {w}x{h} is too small for windows of radius {radius_cells} cells")
    sites = []
    i = 0
    while len(sites) < n and i < 100 * n:
        fc = (0.5 + i * 0.618033988749895) % 1.0
        fr = (0.5 + i * 0.754877666246693) % 1.0
        i += 1
        c = radius_cells + int(fc * (w - 2 * radius_cells - 1))
        r = radius_cells + int(fr * (h - 2 * radius_cells - 1))
        v = z[r, c]
        if np.isnan(v) or (nodata is not None and v == nodata):
            continue
        sites.append((c, r, gt[0] + (c + 0.5) * gt[1], gt[3] + (r + 0.5) * gt[5]))
    return sites


def window(arr_gt, arr, c, r, radius, dem_gt):
    """Extract the (2R+1)^2 window centred on DEM cell (c, r) from a raster with geotransform arr_gt."""
    off_c = int(round((dem_gt[0] - arr_gt[0]) / dem_gt[1]))
    off_r = int(round((dem_gt[3] - arr_gt[3]) / dem_gt[5]))
    c0, r0 = c - radius + off_c, r - radius + off_r
    return arr[r0:r0 + 2 * radius + 1, c0:c0 + 2 * radius + 1]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--skycover", required=True, help="path to the skycover CLI (bench flavour)")
    ap.add_argument("--dem", help="metric (projected) DEM in metres; default: a synthetic rugged DEM")
    ap.add_argument("--sites", type=int, default=50, help="sites for the in-process comparison")
    ap.add_argument("--cli-sites", type=int, default=5, help="sites for the one-process-per-site loops")
    ap.add_argument("--range-m", type=float, default=6000)
    ap.add_argument("--height-agl-m", type=float, default=2)
    ap.add_argument("--k", type=float, default=1 / 7, help="refraction coefficient (GDAL's default cc = 1 - 1/7)")
    ap.add_argument("--reference-sites", type=int, default=3,
                    help="sites for which both tools are also scored against skycover's exact reference kernel")
    ap.add_argument("--workdir", help="keep intermediate files here")
    args = ap.parse_args()

    tmp = args.workdir or tempfile.mkdtemp(prefix="skycover-vs-gdal-")
    os.makedirs(tmp, exist_ok=True)
    dem = args.dem
    if not dem:
        dem = os.path.join(tmp, "dem.tif")
        subprocess.run([args.skycover, "terrain", "synth", "--width", "1000", "--height", "1000", "--cell-m", "30",
                        "--relief-m", "1000", "--roughness", "0.6", "--seed", "2026", "--out", dem],
                       check=True, stdout=subprocess.DEVNULL)
    ds = gdal.Open(dem)
    gt = ds.GetGeoTransform()
    cell = gt[1]
    if abs(abs(gt[5]) - cell) > 1e-6 * cell or not ds.GetSpatialRef() or not ds.GetSpatialRef().IsProjected():
        sys.exit("--dem must be a north-up projected DEM with square cells in metres (warp it first)")
    radius = int(math.floor(args.range_m / cell))
    sites = scatter_sites(ds, args.sites, radius)
    band = ds.GetRasterBand(1)
    cc = 1.0 - args.k
    # In-range mask of a window (the same circle both tools use: centre-to-centre distance).
    yy, xx = np.mgrid[-radius:radius + 1, -radius:radius + 1]
    in_range = cell * np.sqrt(xx * xx + yy * yy) <= args.range_m
    cells_per_site = int(in_range.sum())

    print(f"DEM {dem}: {ds.RasterXSize}x{ds.RasterYSize} cells of {cell:g} m; {len(sites)} sites; range "
          f"{args.range_m:g} m (window {2 * radius + 1}^2, {cells_per_site} in-range cells); eye "
          f"{args.height_agl_m:g} m AGL; k = {args.k:.4f} (GDAL cc = {cc:.4f})")

    # --- GDAL in-process ---
    gdal_windows = []
    t_gdal = t_gdal_cpu = 0.0
    for (c, r, x, y) in sites:
        t0 = time.perf_counter()
        c0 = time.process_time()
        out = gdal.ViewshedGenerate(band, "MEM", "", [], x, y, args.height_agl_m, 0.0, 1.0, 0.0, -1.0, -2.0, cc,
                                    gdal.GVM_Edge, args.range_m, heightMode=gdal.GVOT_MIN_TARGET_HEIGHT_FROM_GROUND)
        t_gdal += time.perf_counter() - t0
        t_gdal_cpu += time.process_time() - c0
        arr = out.GetRasterBand(1).ReadAsArray().astype(np.float64)
        gdal_windows.append(window(out.GetGeoTransform(), arr, c, r, radius, gt))
        out = None

    # --- skycover in-process (one process, kernel time) ---
    pattern = os.path.join(tmp, "sky_{}.tif")
    cmd = [args.skycover, "viewshed", "--dem", dem, "--height-agl-m", str(args.height_agl_m), "--max-range-m",
           str(args.range_m), "--refraction-k", repr(args.k), "--out", pattern, "--timing"]
    for (_, _, x, y) in sites:
        cmd += ["--site", f"{x!r},{y!r}"]
    res = subprocess.run(cmd, check=True, capture_output=True, text=True)
    timing = [line for line in res.stdout.splitlines() if line.startswith("timing:")][0]
    t_sky = float(timing.split("kernel ")[1].split(" s")[0])
    t_sky_cpu = float(timing.split("cpu ")[1].split(" s")[0])

    # --- agreement ---
    within_1m = 0
    class_agree = 0
    total = 0
    for i, (c, r, _, _) in enumerate(sites):
        sds = gdal.Open(pattern.replace("{}", str(i)))
        sky = window(sds.GetGeoTransform(), sds.GetRasterBand(1).ReadAsArray().astype(np.float64), c, r, radius, gt)
        g = gdal_windows[i]
        ok = in_range & ~np.isnan(sky) & (g >= 0)
        total += int(ok.sum())
        within_1m += int((np.abs(sky[ok] - g[ok]) <= 1.0).sum())
        class_agree += int(((sky[ok] <= 0.01) == (g[ok] <= 0.01)).sum())

    n = len(sites)
    site_cells = n * cells_per_site
    print()
    print(f"{'in-process':<28}{'wall s/site':>12}{'ns/site-cell':>14}{'CPU s/site':>12}{'ns/site-cell':>14}")
    print(f"{'GDAL ViewshedGenerate':<28}{t_gdal / n:>12.5f}{t_gdal * 1e9 / site_cells:>14.2f}"
          f"{t_gdal_cpu / n:>12.5f}{t_gdal_cpu * 1e9 / site_cells:>14.2f}")
    print(f"{'skycover fast kernel':<28}{t_sky / n:>12.5f}{t_sky * 1e9 / site_cells:>14.2f}"
          f"{t_sky_cpu / n:>12.5f}{t_sky_cpu * 1e9 / site_cells:>14.2f}")
    print(f"speed ratio (GDAL time / skycover time): wall {t_gdal / t_sky:.2f}x, CPU {t_gdal_cpu / t_sky_cpu:.2f}x")

    # --- CLI loops (one process per site, both tools) ---
    m = min(args.cli_sites, n)
    if m > 0:
        t_gcli = t_scli = 0.0
        for i, (_, _, x, y) in enumerate(sites[:m]):
            t0 = time.perf_counter()
            subprocess.run(["gdal_viewshed", "-q", "-om", "GROUND", "-ox", repr(x), "-oy", repr(y), "-oz",
                            str(args.height_agl_m), "-tz", "0", "-md", str(args.range_m), "-cc", repr(cc),
                            dem, os.path.join(tmp, f"gdal_cli_{i}.tif")], check=True, stdout=subprocess.DEVNULL)
            t_gcli += time.perf_counter() - t0
            t0 = time.perf_counter()
            subprocess.run([args.skycover, "viewshed", "--dem", dem, "--site", f"{x!r},{y!r}", "--height-agl-m",
                            str(args.height_agl_m), "--max-range-m", str(args.range_m), "--refraction-k", repr(args.k),
                            "--out", os.path.join(tmp, f"sky_cli_{i}.tif")], check=True, stdout=subprocess.DEVNULL)
            t_scli += time.perf_counter() - t0
        # The floor of any GDAL command line that reads and writes this window: start-up (loading
        # libgdal and its ~130 libraries), PROJ's database for the CRS, and a DEFLATE GeoTIFF.
        t_floor = 0.0
        for i, (c, r, _, _) in enumerate(sites[:m]):
            t0 = time.perf_counter()
            subprocess.run(["gdal_translate", "-q", "-srcwin", str(max(0, c - radius)), str(max(0, r - radius)),
                            str(2 * radius + 1), str(2 * radius + 1), "-co", "COMPRESS=DEFLATE", dem,
                            os.path.join(tmp, f"floor_{i}.tif")], check=True, stdout=subprocess.DEVNULL)
            t_floor += time.perf_counter() - t0
        # What a user with many sites runs: one skycover process for all of them (gdal_viewshed
        # takes one observer per process).
        cmd = [args.skycover, "viewshed", "--dem", dem, "--height-agl-m", str(args.height_agl_m), "--max-range-m",
               str(args.range_m), "--refraction-k", repr(args.k), "--out", os.path.join(tmp, "sky_batch_{}.tif")]
        for (_, _, x, y) in sites[:m]:
            cmd += ["--site", f"{x!r},{y!r}"]
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        t_batch = time.perf_counter() - t0
        print()
        print(f"CLI ({m} sites, wall incl. start-up, DEM load and GeoTIFF write):")
        print(f"  gdal_viewshed -om GROUND, one process per site : {t_gcli / m:.4f} s/site")
        print(f"  skycover viewshed, one process per site        : {t_scli / m:.4f} s/site   ratio {t_gcli / t_scli:.2f}x")
        print(f"  skycover viewshed, one process for all sites   : {t_batch / m:.4f} s/site   ratio {t_gcli / t_batch:.2f}x")
        print(f"  floor: gdal_translate of the same window       : {t_floor / m:.4f} s/site "
              f"(no viewshed: what any GDAL command line pays)")

    print()
    print(f"agreement over {total} in-range cells valid in both: within 1 m {100.0 * within_1m / max(total, 1):.2f} %, "
          f"visible-at-ground class {100.0 * class_agree / max(total, 1):.2f} %")
    score_against_reference(args, dem, sites, gdal_windows, pattern, tmp, radius, gt, in_range)


def score_against_reference(args, dem, sites, gdal_windows, pattern, tmp, radius, gt, in_range):
    """Share of cells within max(1 m, 0.5 %) of the exact R3 reference, for GDAL and skycover."""
    m = min(args.reference_sites, len(sites))
    if m == 0:
        return
    ref_pattern = os.path.join(tmp, "ref_{}.tif")
    cmd = [args.skycover, "viewshed", "--reference", "--dem", dem, "--height-agl-m", str(args.height_agl_m),
           "--max-range-m", str(args.range_m), "--refraction-k", repr(args.k), "--out", ref_pattern]
    for (_, _, x, y) in sites[:m]:
        cmd += ["--site", f"{x!r},{y!r}"]
    if m == 1:
        cmd[cmd.index(ref_pattern)] = ref_pattern.replace("{}", "0")
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    ok_g = ok_s = total = 0
    for i, (c, r, _, _) in enumerate(sites[:m]):
        def load(path):
            d = gdal.Open(path)
            return window(d.GetGeoTransform(), d.GetRasterBand(1).ReadAsArray().astype(np.float64), c, r, radius, gt)
        ref = load(ref_pattern.replace("{}", str(i)))
        sky = load(pattern.replace("{}", str(i)))
        g = gdal_windows[i]
        ok = in_range & ~np.isnan(ref) & ~np.isnan(sky) & (g >= 0)
        tol = np.maximum(1.0, 0.005 * ref[ok])
        total += int(ok.sum())
        ok_g += int((np.abs(g[ok] - ref[ok]) <= tol).sum())
        ok_s += int((np.abs(sky[ok] - ref[ok]) <= tol).sum())
    print(f"against skycover's exact R3 reference ({m} sites, {total} cells), share within max(1 m, 0.5 %): "
          f"GDAL {100.0 * ok_g / max(total, 1):.2f} %, skycover fast {100.0 * ok_s / max(total, 1):.2f} %")


if __name__ == "__main__":
    main()
