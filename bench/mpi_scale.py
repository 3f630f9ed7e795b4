#!/usr/bin/python3
"""MPI benchmark: the same tiled coverage run (a mosaic of N x N copies of a 4000^2 synthetic DEM,
30 m cells, uniform Igla-S sites at the claim's density, 5 AGL bands, summary only) as

  1. one process, 1 thread        (feeds the scaling model below)
  2. one process, 2 threads       (the reference for the 2-rank run)
  3. mpirun -np 2, 1 thread each
  4. mpirun -np 4 --oversubscribe, 1 thread each (more ranks than cores: completes, same bytes)

side by side in one run, with the same --tile-cells, checking that summary.json is the same bytes
in every run, and printing the ratios. The scaling model of docs/distributed.md predicts the
2-rank time from run 1's phases (manifest.json); the script prints prediction and measurement.

    /usr/bin/python3 bench/mpi_scale.py --side 3      # 1.44e8 cells

Not a test; results go to bench/RESULTS.md by hand. As root, OpenMPI's run-as-root settings are
passed to mpirun here.
"""
import argparse
import json
import math
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from tiled_scale import CELL_M, TILE, cpu_model, make_mosaic, write_claim_scenario  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
MPI_ENV = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
           "OMPI_MCA_btl_vader_single_copy_mechanism": "none"}


def make_distinct_mosaic(work, side, cli):
    """N x N distinct files (byte copies of one 4000^2 deflate GeoTIFF, each georeferenced at its
    place), as a real mosaic of DEM tiles is: each process then decodes only the files its tiles
    touch. (tiled_scale.py's mosaic points N^2 times at one file, which GDAL's block cache of a
    single process decodes once: a cache effect real mosaics do not have.)"""
    from osgeo import gdal
    make_mosaic(work, 1, cli)  # the base file t.tif
    base = work / "t.tif"
    parts = []
    for i in range(side):
        for j in range(side):
            p = work / f"d_{i}_{j}.tif"
            if not p.exists():
                shutil.copyfile(base, p)
                ds = gdal.Open(str(p), gdal.GA_Update)
                ds.SetGeoTransform((500000 + i * TILE * CELL_M, CELL_M, 0, 1200000 - j * TILE * CELL_M, 0, -CELL_M))
                ds = None
            parts.append(str(p))
    mosaic = work / f"distinct_{side}.vrt"
    subprocess.run(["gdalbuildvrt", "-q", str(mosaic)] + parts, check=True)
    return mosaic


def timed(cmd, env=None):
    t = time.time()
    r = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, **(env or {})))
    if r.returncode != 0:
        sys.exit(f"failed ({r.returncode}): {' '.join(cmd)}\n{r.stderr[-3000:]}")
    return time.time() - t


def model(phases, wall_1, tiles, ranks, cores):
    """docs/distributed.md: T(N) = fixed + (survey + placement + tile work) / N x imbalance + exchange.

    fixed = what every rank does whole (start, plan, writing the summary); the survey, the sites'
    ground reads and the tile work (reads and unions) divide over ranks, but over no more than the
    cores there are (ranks beyond them share a core); imbalance = the busiest rank's tiles over the
    mean (round robin); exchange ~ 0.3 s for MPI start-up and reductions."""
    split = (phases["survey"] + phases["placement"] + phases["tile_reads"] + phases["masked_union"] +
             phases["clear_union"] + phases["flat_union"])
    fixed = wall_1 - split
    imbalance = math.ceil(tiles / ranks) / (tiles / ranks)
    return fixed + split / min(ranks, cores) * imbalance + 0.3


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--side", type=int, default=3, help="copies per side of the 4000^2 DEM")
    ap.add_argument("--tile-cells", type=int, default=2048)
    ap.add_argument("--cli", default=str(ROOT / "build/release/skycover"))
    ap.add_argument("--mpirun", default="mpirun")
    ap.add_argument("--work", default=str(pathlib.Path(tempfile.gettempdir()) / "skycover-tiled-bench"))
    a = ap.parse_args()
    work = pathlib.Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    mosaic = make_distinct_mosaic(work, a.side, a.cli)
    cells, sites, scenario = write_claim_scenario(work, f"claim_distinct_{a.side}.toml", mosaic, a.side)
    print(f"CPU: {cpu_model()}, {os.cpu_count()} cores; {cells:.3g} cells, {sites} sites, 5 bands, tiles of {a.tile_cells}")
    base = ["coverage", str(scenario), "--summary-only", "--tile-cells", str(a.tile_cells)]
    runs = {}
    for name, prefix, threads, env in [
            ("1 process, 1 thread", [], 1, None),
            ("1 process, 2 threads", [], 2, None),
            ("mpirun -np 2, 1 thread each", [a.mpirun, "-np", "2"], 1, MPI_ENV),
            ("mpirun -np 4 (oversubscribed), 1 thread each", [a.mpirun, "-np", "4", "--oversubscribe"], 1, MPI_ENV)]:
        out = work / f"mpi_{len(runs)}"
        wall = timed(prefix + [a.cli] + base + ["--threads", str(threads), "--out", str(out)], env)
        runs[name] = (wall, out)
        print(f"{name:48s} {wall:7.1f} s", flush=True)
    ref = (runs["1 process, 1 thread"][1] / "summary.json").read_bytes()
    same = all((out / "summary.json").read_bytes() == ref for _, out in runs.values())
    print(f"summary.json identical in all runs: {same}")
    two_threads = runs["1 process, 2 threads"][0]
    two_ranks = runs["mpirun -np 2, 1 thread each"][0]
    print(f"ratio 2 ranks / 2 threads   {two_ranks / two_threads:6.2f}x  (target within 10 %)")
    manifest = json.loads((runs["1 process, 1 thread"][1] / "manifest.json").read_text())["tiling"]
    for ranks, name in [(2, "mpirun -np 2, 1 thread each"), (4, "mpirun -np 4 (oversubscribed), 1 thread each")]:
        predicted = model(manifest["phase_seconds"], runs["1 process, 1 thread"][0], manifest["tiles"], ranks,
                          os.cpu_count())
        measured = runs[name][0]
        print(f"model, {ranks} ranks on {os.cpu_count()} cores: predicted {predicted:.1f} s, measured {measured:.1f} s "
              f"({(measured - predicted) / predicted * 100:+.0f} %{', target within 20 %' if ranks == 2 else ''})")
    print(f"1-thread phases: {json.dumps(manifest['phase_seconds'])}, tiles {manifest['tiles']}")
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
