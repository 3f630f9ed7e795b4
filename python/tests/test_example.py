import os
import subprocess
import sys


def test_quickstart_example_runs(source_dir):
    # The README points at this script: keep it working.
    done = subprocess.run([sys.executable, str(source_dir / "examples" / "python_quickstart.py")],
                          capture_output=True, text=True, env=dict(os.environ))
    assert done.returncode == 0, done.stderr
    assert "viewshed from" in done.stdout
    assert "50 m AGL:    48.5 of 59.0 km2 covered (82.3%)" in done.stdout  # = skycover coverage


def test_full_analysis_example_runs_and_plots(source_dir, tmp_path):
    # examples/python_analysis.py: coverage, exposure, raid and the CLI's folders from Python, with
    # matplotlib plots drawn from the returned arrays.
    done = subprocess.run([sys.executable, str(source_dir / "examples" / "python_analysis.py"), str(tmp_path / "out")],
                          capture_output=True, text=True, env=dict(os.environ))
    assert done.returncode == 0, done.stderr
    assert "50 m AGL:  54.6 % covered" in done.stdout, done.stdout
    assert "mean survivors" in done.stdout
    for png in ("coverage_vs_altitude.png", "raid_survivors.png"):
        data = (tmp_path / "out" / png).read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) > 10_000, png
    assert (tmp_path / "out" / "coverage" / "report.html").exists()
    assert (tmp_path / "out" / "exposure" / "report.html").exists()
