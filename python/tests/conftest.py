"""Shared fixtures. ctest sets PYTHONPATH (the built module), SKYCOVER_CLI and SKYCOVER_SOURCE_DIR."""
import os
import pathlib
import subprocess

import pytest

SOURCE_DIR = pathlib.Path(os.environ.get("SKYCOVER_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))


@pytest.fixture(scope="session")
def source_dir():
    return SOURCE_DIR


@pytest.fixture(scope="session")
def cli():
    """Run the `skycover` command-line program built alongside the module; returns its stdout."""
    exe = os.environ.get("SKYCOVER_CLI")
    if not exe:
        pytest.skip("SKYCOVER_CLI is not set (run the tests through ctest)")

    def run(*args):
        done = subprocess.run([exe, *map(str, args)], capture_output=True, text=True)
        assert done.returncode == 0, f"skycover {' '.join(map(str, args))} failed:\n{done.stderr}"
        return done.stdout

    return run
