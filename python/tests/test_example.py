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
