#!/usr/bin/python3
"""Country-scale coverage benchmark: a synthetic DEM of (4000 N)^2 cells of 30 m (by default a VRT
mosaic of distinct 4096^2 ZSTD GeoTIFF tiles written by `terrain synth`; --copies: N x N copies of
one 4000^2 DEM, the earlier setup),
uniform Igla-S sites at the claim's density (5,000 over 916,000 km^2), 5 AGL bands, summary only
(--products: every product).

Prints, side by side in one run: one GDAL read pass over the mosaic (the same windows a reader
needs, GDAL_NUM_THREADS as skycover sets it), and `skycover coverage --summary-only` wall time and
peak RSS, with their ratio. Not a test; results go to bench/RESULTS.md by hand.

    /usr/bin/python3 bench/tiled_scale.py --side 3            # 1.44e8 cells
    /usr/bin/python3 bench/tiled_scale.py --side 8 --memory-mb 2048   # 1.02e9 cells
"""
import argparse
import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
CELL_M, TILE = 30, 4000
CLAIM_SITES, CLAIM_KM2 = 5000, 916_000


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def make_synthetic_country(work, side, cli):
    """`terrain synth` straight to a VRT mosaic of distinct tiles (seed 3, 1500 m relief)."""
    mosaic = work / f"country_{side}.vrt"
    if not mosaic.exists():
        t = time.time()
        # Centred on UTM 19N's central meridian: the grid's distance error stays under 0.3 % at
        # 960 km wide, so it is analysed in its own CRS (a wider error would reproject it).
        run([cli, "terrain", "synth", "--width", str(side * TILE), "--height", str(side * TILE), "--cell-m",
             str(CELL_M), "--relief-m", "1500", "--seed", "3", "--compress", "zstd",
             "--origin-x-m", str(500000 - side * TILE * CELL_M // 2), "--out", str(mosaic)])
        cells = (side * TILE) ** 2
        wall = time.time() - t
        print(f"terrain synth --compress zstd --out {mosaic.name}: {wall:.1f} s, {cells / wall / 1e6:.1f} M cells/s")
    return mosaic


def make_mosaic(work, side, cli):
    base = work / "t.tif"
    if not base.exists():
        run([cli, "terrain", "synth", "--width", str(TILE), "--height", str(TILE), "--cell-m", str(CELL_M),
             "--relief-m", "1500", "--seed", "3", "--out", str(base)])
    parts = []
    for i in range(side):
        for j in range(side):
            x0, y0 = 500000 + i * TILE * CELL_M, 1200000 - j * TILE * CELL_M
            p = work / f"t_{side}_{i}_{j}.vrt"
            run(["gdal_translate", "-q", "-of", "VRT", "-a_ullr", str(x0), str(y0), str(x0 + TILE * CELL_M),
                 str(y0 - TILE * CELL_M), str(base), str(p)])
            parts.append(str(p))
    mosaic = work / f"mosaic_{side}.vrt"
    run(["gdalbuildvrt", "-q", str(mosaic)] + parts)
    return mosaic


def write_claim_scenario(work, name, mosaic, side):
    """The claim at equal density on the mosaic: uniform Igla-S, 5,000 per 916,000 km^2, 5 AGL bands.
    Returns (cells, sites, scenario path)."""
    cells = (side * TILE) ** 2
    sites = round(CLAIM_SITES * cells * CELL_M * CELL_M / 1e6 / CLAIM_KM2)
    scenario = work / name
    scenario.write_text(f"""[terrain]
dem = "{mosaic}"
[[systems]]
name = "igla-s"
preset = "igla-s"
[[deployments]]
system = "igla-s"
hypothesis = "uniform"
count = {sites}
seed = 1
[analysis]
bands_agl_m = [50, 150, 500, 1500, 3000]
""")
    return cells, sites, scenario


def cpu_model():
    return re.search(r"model name\s*:\s*(.*)", pathlib.Path("/proc/cpuinfo").read_text()).group(1)


def gdal_read_pass(mosaic, threads):
    env = dict(os.environ, GDAL_NUM_THREADS=str(threads))
    code = ("import sys,time\nfrom osgeo import gdal\nds=gdal.Open(sys.argv[1]);b=ds.GetRasterBand(1)\n"
            "t=time.time()\nfor y in range(0,ds.RasterYSize,2048):\n"
            " a=b.ReadAsArray(0,y,ds.RasterXSize,min(2048,ds.RasterYSize-y))\nprint(time.time()-t)\n")
    return float(run(["/usr/bin/python3", "-c", code, str(mosaic)], env=env).stdout.strip())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--side", type=int, default=3, help="copies per side of the 4000^2 DEM")
    ap.add_argument("--memory-mb", type=int, default=2048)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--products", action="store_true", help="all products (rasters, maps, report), not --summary-only")
    ap.add_argument("--copies", action="store_true", help="N x N copies of one 4000^2 DEM instead of a synthetic country")
    ap.add_argument("--cli", default=str(ROOT / "build/release/skycover"))
    ap.add_argument("--work", default=str(pathlib.Path(tempfile.gettempdir()) / "skycover-tiled-bench"))
    a = ap.parse_args()
    work = pathlib.Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    mosaic = make_mosaic(work, a.side, a.cli) if a.copies else make_synthetic_country(work, a.side, a.cli)
    cells, sites, scenario = write_claim_scenario(work, f"claim_{a.side}.toml", mosaic, a.side)
    km2 = cells * CELL_M * CELL_M / 1e6
    print(f"CPU: {cpu_model()}, {os.cpu_count()} cores; {cells:.3g} cells ({km2:,.0f} km^2), {sites} sites, 5 bands")
    read_s = gdal_read_pass(mosaic, a.threads)
    out = work / f"out_{a.side}"
    t = time.time()
    cmd = ["/usr/bin/time", "-v", a.cli, "coverage", str(scenario), "--out", str(out), "--memory-mb", str(a.memory_mb),
           "--threads", str(a.threads)] + ([] if a.products else ["--summary-only"])
    r = subprocess.run(cmd,
                       capture_output=True, text=True)
    wall = time.time() - t
    if r.returncode != 0:
        sys.exit(f"skycover failed ({r.returncode}):\n{r.stderr}")
    rss_mb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr).group(1)) / 1024
    tiling = json.loads((out / "manifest.json").read_text()).get("tiling", {})
    print(f"GDAL read pass          {read_s:8.1f} s")
    print(f"skycover coverage{' (all products)' if a.products else ''}       {wall:8.1f} s   peak RSS {rss_mb:,.0f} MB (budget {a.memory_mb} MB)")
    print(f"ratio skycover / read   {wall / read_s:8.2f}x")
    print(f"tiling: {json.dumps(tiling)}")


if __name__ == "__main__":
    main()
