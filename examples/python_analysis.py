#!/usr/bin/python3
"""A full analysis from Python: coverage by altitude, track exposure, a raid, and the CLI's folders.

    PYTHONPATH=build/release/python /usr/bin/python3 examples/python_analysis.py [OUT_DIR]

Runs examples/tracks.toml (synthetic terrain, 20 Igla-S sites, three tracks; illustrative Pk),
prints the figures, and writes OUT_DIR (default skycover-python/): coverage_vs_altitude.png and
raid_survivors.png drawn with matplotlib from the arrays skycover returns, plus the same coverage
and exposure folders as `skycover coverage` and `skycover exposure` (report.html included).
"""
import pathlib
import sys

import matplotlib

matplotlib.use("Agg")  # files only, no display needed
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import skycover  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent
out = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "skycover-python")
out.mkdir(parents=True, exist_ok=True)


shown = {}


def show(stage, done, total):
    """Progress, called from the library's worker threads (at most every 0.5 %): a line per quarter."""
    quarter = 4 * done // max(total, 1)
    if quarter > shown.get(stage, 0):
        shown[stage] = quarter
        print(f"  {stage}: {25 * quarter} %", flush=True)


scenario = skycover.Scenario(HERE / "tracks.toml")
print(f"{scenario.path.name}: systems {scenario.system_names}, {len(scenario.prepare().sites)} sites")

# Coverage by altitude: numpy arrays, one entry per band.
cov = scenario.coverage(progress=show)
for h, f, clear, flat in zip(cov["altitude_m"], cov["fraction"], cov["fraction_without_masking"],
                             cov["flat_expected_fraction"]):
    print(f"{h:6.0f} m AGL: {100 * f:5.1f} % covered (line of sight clear {100 * clear:5.1f} %, "
          f"flat ground {100 * flat:5.1f} %)")
fig, ax = plt.subplots(figsize=(7, 4.2))
ax.plot(cov["altitude_m"], 100 * cov["fraction"], "o-", label="with terrain masking")
ax.plot(cov["altitude_m"], 100 * cov["fraction_without_masking"], "s--", label="line of sight clear")
ax.plot(cov["altitude_m"], 100 * cov["flat_expected_fraction"], ":", label="flat ground (Poisson)")
ax.set_xscale("log")
ax.set_xlabel("target height above ground (m)")
ax.set_ylabel("share of the area engaged (%)")
ax.set_ylim(0, 100)
ax.set_title(f"Coverage by altitude: {cov['site_count']} Igla-S sites over {cov['area_km2']:.0f} km2")
ax.grid(alpha=0.3)
ax.legend(loc="lower right")
fig.tight_layout()
fig.savefig(out / "coverage_vs_altitude.png", dpi=120)

# Exposure of each track: windows and shots.
exposure = scenario.exposure(progress=show)
for t in exposure["tracks"]:
    shots = t["shots"]
    print(f"track {t['id']} ({t['target_class']}): {t['sites_engaging']} sites can engage for "
          f"{t['exposed_time_s']:.0f} s; {len(shots['pk'])} shots, first launch at "
          f"{shots['launch_s'].min() if len(shots['pk']) else float('nan'):.1f} s; "
          f"survival {t['survival_probability']:.3f} with the stated Pk")

# A raid: the distribution of survivors over seeded trials.
raid = scenario.raid(trials=5000, seed=1, progress=show)
lo, hi = raid["mean_survivors_ci95"]
print(f"raid: {raid['targets']} targets, mean survivors {raid['mean_survivors']:.2f} (95 % CI {lo:.2f}-{hi:.2f})")
fig, ax = plt.subplots(figsize=(7, 4))
k = np.arange(len(raid["survivors_histogram"]))
ax.bar(k, raid["survivors_histogram"] / raid["trials"])
ax.set_xlabel("targets surviving")
ax.set_ylabel("share of trials")
ax.set_title(f"Raid: {raid['trials']} trials, seed {raid['seed']}")
fig.tight_layout()
fig.savefig(out / "raid_survivors.png", dpi=120)

# The same folders as the CLI writes (maps, GeoTIFFs, report.html, manifest).
written = scenario.write_coverage(out=out / "coverage", progress=show)
print(f"coverage products: {written['out_dir']}")
print(f"exposure products: {scenario.write_exposure(out=out / 'exposure')['out_dir']}")
print(f"plots: {out / 'coverage_vs_altitude.png'}, {out / 'raid_survivors.png'}")
