"""Headless QGIS for the plugin's tests: QgsApplication([], False), Processing, the skycover provider.

ctest (python/CMakeLists.txt, test `qgis_tests`) sets SKYCOVER_CLI and SKYCOVER_SOURCE_DIR. Without
python3-qgis the whole module is skipped with a message saying so.
"""
import os
import pathlib
import subprocess
import sys

import pytest

SOURCE_DIR = pathlib.Path(os.environ.get("SKYCOVER_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["GDAL_PAM_ENABLED"] = "NO"  # QGIS would leave data/trinidad_sample.tif.aux.xml (statistics) behind
os.environ.setdefault("XDG_RUNTIME_DIR", f"/tmp/runtime-{os.getuid()}")
os.makedirs(os.environ["XDG_RUNTIME_DIR"], mode=0o700, exist_ok=True)

sys.path.insert(0, str(SOURCE_DIR / "qgis"))
sys.path.append("/usr/share/qgis/python/plugins")  # Processing's own Python plugin


@pytest.fixture(scope="session")
def qgis_app():
    from qgis.core import QgsApplication
    app = QgsApplication([], False)
    app.initQgis()
    from processing.core.Processing import Processing
    Processing.initialize()
    from skycover_qgis.provider import SkycoverProvider
    provider = SkycoverProvider()
    assert QgsApplication.processingRegistry().addProvider(provider)
    yield app
    QgsApplication.processingRegistry().removeProvider(provider)


@pytest.fixture(scope="session")
def cli():
    exe = os.environ.get("SKYCOVER_CLI") or str(SOURCE_DIR / "build" / "release" / "skycover")
    if not os.path.exists(exe):
        pytest.skip(f"no skycover program at {exe} (set SKYCOVER_CLI)")
    os.environ["SKYCOVER_CLI"] = exe  # the plugin finds it there too

    def run(*args, cwd=None, check=True):
        done = subprocess.run([exe, *map(str, args)], capture_output=True, text=True, cwd=cwd)
        if check:
            assert done.returncode == 0, f"skycover {' '.join(map(str, args))} failed:\n{done.stderr}"
        return done

    return run


@pytest.fixture(scope="session")
def trinidad(qgis_app, cli):
    """The bundled Trinidad sample as QGIS layers (heights in feet, lon/lat)."""
    from qgis.core import QgsRasterLayer, QgsVectorLayer
    dem = QgsRasterLayer(str(SOURCE_DIR / "data" / "trinidad_sample.tif"), "dem")
    area = QgsVectorLayer(str(SOURCE_DIR / "examples" / "trinidad_area.geojson"), "area", "ogr")
    uri = (pathlib.Path(SOURCE_DIR / "examples" / "trinidad_sites.csv").as_uri()
           + "?type=csv&xField=x&yField=y&crs=EPSG:4326&detectTypes=yes")
    sites = QgsVectorLayer(uri, "sites", "delimitedtext")
    assert dem.isValid() and area.isValid() and sites.isValid() and sites.featureCount() == 3
    return {"dem": dem, "area": area, "sites": sites, "dem_path": str(SOURCE_DIR / "data" / "trinidad_sample.tif"),
            "area_path": str(SOURCE_DIR / "examples" / "trinidad_area.geojson"),
            "sites_path": str(SOURCE_DIR / "examples" / "trinidad_sites.csv")}
