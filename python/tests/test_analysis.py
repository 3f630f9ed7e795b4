"""The Scenario object: every analysis from Python, compared with the CLI's files for the same
scenario; progress callbacks; cancelling from a callback; reproducibility from the seed."""
import json
import threading

import numpy as np
import pytest

import skycover


@pytest.fixture(scope="module")
def tracks(source_dir):
    return skycover.Scenario(source_dir / "examples" / "tracks.toml")


@pytest.fixture(scope="module")
def basic(source_dir):
    return skycover.Scenario(source_dir / "examples" / "basic.toml")


def test_scenario_loads_validates_and_lists_its_sites(basic, source_dir):
    assert skycover.Scenario.validate(source_dir / "examples" / "basic.toml") == []
    assert basic.system_names == ["igla-s"]
    sites = basic.prepare().sites
    assert len(sites) == 40
    assert {"id", "x_m", "y_m", "ground_msl_m", "height_agl_m", "system"} <= set(sites[0])
    with pytest.raises(OSError, match="does not exist"):
        skycover.Scenario(source_dir / "examples" / "missing.toml")


def test_coverage_arrays_match_the_cli_summary(basic, cli, tmp_path):
    calls = []
    lock = threading.Lock()

    def progress(stage, done, total):
        with lock:
            calls.append((stage, done, total))

    c = basic.coverage(progress=progress)
    assert calls and calls[-1][1] == calls[-1][2], calls[-3:]
    assert all(stage == "coverage" for stage, _, _ in calls)
    assert c["altitude_m"].tolist() == [50, 150, 500, 1500, 3000]
    assert isinstance(c["fraction"], np.ndarray) and c["fraction"].shape == (5,)
    cli("coverage", basic.path, "--summary-only", "--out", tmp_path / "cov")
    summary = json.loads((tmp_path / "cov" / "summary.json").read_text())
    assert [b["fraction"] for b in summary["bands"]] == pytest.approx(c["fraction"].tolist(), abs=1e-12)


def test_write_coverage_writes_the_cli_folder(basic, cli, tmp_path):
    out = basic.write_coverage(out=tmp_path / "py")
    cli("coverage", basic.path, "--out", tmp_path / "cli")
    assert out["out_dir"] == tmp_path / "py"
    for name in ("summary.json", "summary.csv", "multiplicity_agl_50m.tif", "coverage_agl_50m.geojson"):
        assert (tmp_path / "py" / name).read_bytes() == (tmp_path / "cli" / name).read_bytes(), name
    assert (tmp_path / "py" / "report.html").exists()


def test_exposure_windows_and_shots_match_the_cli(tracks, cli, tmp_path):
    stages = set()
    ex = tracks.exposure(progress=lambda stage, done, total: stages.add(stage))
    assert stages == {"lines of sight"}
    cli("exposure", tracks.path, "--out", tmp_path / "ex")
    summary = {t["track"]: t for t in json.loads((tmp_path / "ex" / "summary.json").read_text())}
    assert [t["id"] for t in ex["tracks"]] == list(summary)
    for t in ex["tracks"]:
        s = summary[t["id"]]
        assert t["survival_probability"] == pytest.approx(s["survival_probability"], abs=1e-9)
        assert t["expected_shots"] == pytest.approx(s["expected_shots"], abs=1e-9)
        assert t["sites_engaging"] == s["sites_engaging"]
        shots = t["shots"]
        assert len(shots["site"]) == len(shots["launch_s"]) == len(shots["pk"])
        assert np.all(shots["intercept_s"] >= shots["launch_s"])
        assert np.all(np.diff(t["samples"]["t_s"]) > 0)
        for w in t["windows"]:
            assert w["end_s"] >= w["start_s"] and len(w["intercept_s"]) == w["launches"]
    assert sum(len(t["shots"]["pk"]) for t in ex["tracks"]) > 0


def test_raid_is_reproducible_and_matches_the_cli(tracks, cli, tmp_path):
    r1 = tracks.raid(trials=3000, seed=7)
    r2 = tracks.raid(trials=3000, seed=7)
    assert np.array_equal(r1["survivors_histogram"], r2["survivors_histogram"])
    assert r1["survivors_histogram"].sum() == 3000
    lo, hi = r1["mean_survivors_ci95"]
    assert lo <= r1["mean_survivors"] <= hi
    cli("raid", tracks.path, "--trials", 3000, "--seed", 7, "--out", tmp_path / "raid")
    raid = json.loads((tmp_path / "raid" / "raid.json").read_text())
    assert raid["survivors"]["mean"] == pytest.approx(r1["mean_survivors"], abs=1e-12)
    assert raid["survivors"]["histogram"] == r1["survivors_histogram"].tolist()
    assert raid["survivors"]["mean_ci95"] == pytest.approx(list(r1["mean_survivors_ci95"]), abs=1e-12)
    assert 0 <= min(t["survival"] for t in r1["per_target"]) <= 1


def test_sweep_rows_and_exposure_and_raid_folders(basic, tracks, tmp_path):
    sw = basic.write_sweep([5, 20], ["uniform", "high_ground"], out=tmp_path / "sweep")
    assert [(r["hypothesis"], r["count"]) for r in sw["rows"]] == [("uniform", 5), ("uniform", 20),
                                                                  ("high_ground", 5), ("high_ground", 20)]
    assert sw["rows"][1]["fraction"][0] > sw["rows"][0]["fraction"][0]  # more sites, more coverage
    assert (tmp_path / "sweep" / "sweep.json").exists()
    ex = tracks.write_exposure(out=tmp_path / "ex")
    assert "survival" in ex["summary"] and (tmp_path / "ex" / "report.html").exists()
    rd = tracks.write_raid(out=tmp_path / "raid", trials=200, seed=1)
    assert (tmp_path / "raid" / "survivors.csv").exists() and "200 trials" in rd["summary"]


def test_sweep_draws_and_readings(basic, tmp_path):
    sw = basic.write_sweep([5, 20], ["uniform"], out=tmp_path / "sweep", draws=4, claimed_count=10,
                           reach=["50%@agl_50m"])
    band = sw["rows"][0]["draws"][0]
    assert len(band["fractions"]) == 4
    assert band["fractions"][0] == sw["rows"][0]["fraction"][0]  # draw 0 is the run as written
    assert band["ci95"][0] <= band["mean"] <= band["ci95"][1]
    assert any("at 10 sites (claimed count" in line for line in sw["readings"])
    assert any("50% of the area covered at 50 m AGL" in line for line in sw["readings"])
    with pytest.raises(ValueError, match="SHARE@BAND"):
        basic.write_sweep([5], reach=["lots"])


def test_a_raising_callback_stops_the_run_and_the_next_run_works(basic, tmp_path):
    def stop(stage, done, total):
        raise KeyboardInterrupt("enough")

    with pytest.raises(KeyboardInterrupt, match="enough"):
        basic.write_coverage(out=tmp_path / "stopped", progress=stop)
    assert not (tmp_path / "stopped").exists()  # nothing half-written
    assert basic.coverage()["fraction"][0] == pytest.approx(0.8228912353515625)


def test_the_gil_is_released_while_it_runs(basic):
    # Another Python thread keeps running while coverage computes.
    ticks = []
    stop = threading.Event()

    def tick():
        while not stop.is_set():
            ticks.append(1)
            stop.wait(0.001)

    t = threading.Thread(target=tick)
    t.start()
    try:
        basic.coverage(split_masking=True)
    finally:
        stop.set()
        t.join()
    assert len(ticks) > 5


def test_bad_input_raises_with_the_librarys_message(source_dir, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text((source_dir / "examples" / "basic.toml").read_text().replace("count = 40", "count = -3"))
    with pytest.raises(ValueError, match="deployments\\[0\\].count"):
        skycover.Scenario(bad)
    with pytest.raises(ValueError, match="no \\[\\[tracks\\]\\]"):
        skycover.Scenario(source_dir / "examples" / "basic.toml").exposure()


def test_placement_draws_from_python(basic, tmp_path):
    out = basic.write_coverage(out=tmp_path / "draws", summary_only=True, draws=5)
    d = out["draws"]
    assert d["count"] == 5 and d["fraction"].shape == (5, 5)  # draws x bands
    assert d["fraction"][0, 0] == pytest.approx(out["fraction"][0])  # draw 0 is the scenario as written
    lo, hi = d["bands"][0]["ci95"]
    assert lo <= d["bands"][0]["mean"] <= hi
    assert (tmp_path / "draws" / "draws.csv").exists()
