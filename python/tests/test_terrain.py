import numpy as np
import pytest

import skycover


def test_synthetic_terrain_is_seeded_and_spans_the_relief():
    a = skycover.synthetic_terrain(64, 48, cell_size_m=25, relief_m=300, seed=5, base_elevation_m=100)
    b = skycover.synthetic_terrain(64, 48, cell_size_m=25, relief_m=300, seed=5, base_elevation_m=100)
    c = skycover.synthetic_terrain(64, 48, cell_size_m=25, relief_m=300, seed=6, base_elevation_m=100)
    z = a.elevation_m
    assert z.shape == (48, 64) and z.dtype == np.float32
    assert (a.width, a.height, a.cell_size_m) == (64, 48, 25)
    assert np.array_equal(z, b.elevation_m)
    assert not np.array_equal(z, c.elevation_m)
    # The library scales the fBm surface to [base, base + relief].
    assert float(z.min()) == pytest.approx(100, abs=1e-3)
    assert float(z.max()) == pytest.approx(400, abs=1e-3)
    assert "UTM zone 19N" in a.crs_wkt


def test_elevation_is_a_read_only_view_owned_by_the_terrain():
    t = skycover.synthetic_terrain(16, 16, relief_m=50)
    z = t.elevation_m
    assert not z.flags.writeable
    with pytest.raises(ValueError):
        z[0, 0] = 1
    del t  # the array keeps the Terrain alive
    assert np.isfinite(z).all()


def test_terrain_from_numpy_round_trips_through_geotiff(tmp_path):
    z = np.arange(12 * 10, dtype=np.float32).reshape(10, 12) * 0.5
    z[3, 4] = np.nan
    t = skycover.Terrain(z, cell_size_m=20, origin_x_m=1000, origin_y_m=5000, crs_wkt="")
    assert t.cell_center_m(0, 0) == (1010, 4990)
    path = tmp_path / "dem.tif"
    t.save(path)
    back = skycover.load_terrain(path)
    assert (back.origin_x_m, back.origin_y_m, back.cell_size_m) == (1000, 5000, 20)
    assert np.array_equal(back.elevation_m, z, equal_nan=True)
    assert back.valid_cell_count == z.size - 1
    feet = skycover.load_terrain(path, unit="ft")
    np.testing.assert_allclose(feet.elevation_m, z * 0.3048, rtol=1e-6)


def test_terrain_errors_become_python_exceptions(tmp_path):
    with pytest.raises(OSError, match="no-such-dem.tif"):
        skycover.load_terrain(tmp_path / "no-such-dem.tif")
    with pytest.raises(ValueError, match="unit='yards'"):
        skycover.load_terrain(tmp_path / "x.tif", unit="yards")
    with pytest.raises(ValueError, match="2-D"):
        skycover.Terrain(np.zeros(5, dtype=np.float32), cell_size_m=1)
    with pytest.raises(ValueError, match="cell_size_m"):
        skycover.Terrain(np.zeros((2, 2), dtype=np.float32), cell_size_m=-1)
    # A synthetic grid too large to hold is refused up front, not a MemoryError half-way.
    with pytest.raises(ValueError, match="width x height"):
        skycover.synthetic_terrain(100000, 100000)
