import numpy as np
import pytest

import skycover

EARTH_RADIUS_M = 6371000.0


def flat_terrain(n, cell_m, z_m=100.0):
    return skycover.Terrain(np.full((n, n), z_m, dtype=np.float32), cell_size_m=cell_m,
                            origin_x_m=0.0, origin_y_m=n * cell_m)


def test_flat_ground_hidden_height_is_the_curvature_closed_form():
    # Eye H above flat ground on a sphere of effective radius Re = R / (1 - k): the ground is hidden
    # up to the horizon d_h = sqrt(2 H Re); beyond it the lowest visible height is (d - d_h)^2 / (2 Re)
    # (tangent from the eye to the parabola -d^2 / (2 Re), the model's curvature drop).
    n, cell, eye_agl, k, max_range = 1001, 30.0, 2.0, 0.13, 15000.0
    t = flat_terrain(n, cell)
    centre = n // 2
    x, y = t.cell_center_m(centre, centre)
    v = skycover.viewshed(t, x, y, height_agl_m=eye_agl, max_range_m=max_range, refraction_k=k)
    assert v.eye_msl_m == pytest.approx(102.0)
    h = v.min_visible_agl_m.astype(np.float64)
    rows, cols = np.indices(h.shape)
    d = np.hypot(cols + v.col0 - centre, rows + v.row0 - centre) * cell
    in_range = d <= max_range
    assert np.array_equal(np.isfinite(h), in_range)

    re = EARTH_RADIUS_M / (1 - k)
    d_h = np.sqrt(2 * eye_agl * re)
    expected = np.where(d > d_h, (d - d_h) ** 2 / (2 * re), 0.0)
    assert expected[in_range].max() == pytest.approx(6.277, abs=1e-3)  # at 15 km
    np.testing.assert_allclose(h[in_range], expected[in_range], rtol=0, atol=2e-3)


def test_reference_kernel_agrees_on_flat_ground():
    t = flat_terrain(201, 30.0)
    x, y = t.cell_center_m(100, 100)
    fast = skycover.viewshed(t, x, y, height_agl_m=1.0, max_range_m=3000, refraction_k=0.0)
    ref = skycover.viewshed(t, x, y, height_agl_m=1.0, max_range_m=3000, refraction_k=0.0, reference=True)
    assert (fast.col0, fast.row0, fast.width, fast.height) == (ref.col0, ref.row0, ref.width, ref.height)
    np.testing.assert_allclose(fast.min_visible_agl_m, ref.min_visible_agl_m, atol=1e-3)


def test_python_viewshed_equals_the_cli_geotiff_bit_for_bit(tmp_path, cli):
    gdal = pytest.importorskip("osgeo.gdal")
    t = skycover.synthetic_terrain(200, 180, cell_size_m=30, relief_m=400, seed=3)
    dem = tmp_path / "dem.tif"
    t.save(dem)
    x, y = t.cell_center_m(90, 70)
    x += 7.0  # not on a cell centre: both front ends snap the eye the same way
    out = tmp_path / "vs.tif"
    cli("viewshed", "--dem", dem, "--site", f"{x!r},{y!r}", "--height-agl-m", 5, "--max-range-m", 2500,
        "--out", out)
    v = skycover.viewshed(skycover.load_terrain(dem), x, y, height_agl_m=5, max_range_m=2500)

    ds = gdal.Open(str(out))
    from_cli = ds.GetRasterBand(1).ReadAsArray()
    gt = ds.GetGeoTransform()
    assert from_cli.dtype == np.float32
    assert gt[0] == t.origin_x_m + v.col0 * t.cell_size_m
    assert gt[3] == t.origin_y_m - v.row0 * t.cell_size_m
    mine = v.min_visible_agl_m
    assert mine.shape == from_cli.shape
    assert mine.tobytes() == from_cli.tobytes()  # NaN payloads included
    visible = np.count_nonzero(mine == 0)
    hidden = np.count_nonzero(mine > 0)
    assert visible > 100 and hidden > 100  # the relief really hides something


def test_site_off_the_terrain_is_a_value_error():
    t = flat_terrain(50, 30.0)
    with pytest.raises(ValueError):
        skycover.viewshed(t, -5000.0, -5000.0)
