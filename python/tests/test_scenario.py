import json

import pytest

import skycover


def test_example_scenario_is_valid(source_dir):
    assert skycover.validate(source_dir / "examples" / "basic.toml") == []
    s = skycover.load_scenario(source_dir / "examples" / "basic.toml")
    assert s.system_names == ["igla-s"]
    assert s.bands_agl_m == [50, 150, 500, 1500, 3000]


def bad_scenario(tmp_path, source_dir):
    text = (source_dir / "examples" / "basic.toml").read_text()
    assert "count = 40" in text
    path = tmp_path / "bad-count.toml"
    path.write_text(text.replace("count = 40", "count = -3"))
    return path


def test_bad_scenario_diagnostics_name_file_line_and_field(tmp_path, source_dir):
    path = bad_scenario(tmp_path, source_dir)
    diags = skycover.validate(path)
    assert len(diags) == 1
    d = diags[0]
    assert d.field == "deployments[0].count"
    assert d.file.endswith("bad-count.toml")
    lines = path.read_text().splitlines()
    assert "count = -3" in lines[d.line - 1]
    assert d.kind == "range"
    assert d.message
    assert "deployments[0].count" in str(d)


def test_bad_scenario_raises_value_error_naming_file_and_field(tmp_path, source_dir):
    path = bad_scenario(tmp_path, source_dir)
    with pytest.raises(ValueError, match=r"bad-count\.toml.*deployments\[0\]\.count"):
        skycover.load_scenario(path)
    with pytest.raises(ValueError, match=r"deployments\[0\]\.count"):
        skycover.coverage(path)


def test_prepare_places_the_sites(source_dir):
    p = skycover.prepare(source_dir / "examples" / "basic.toml")
    assert len(p.sites) == 40
    assert p.terrain.elevation_m.shape == (256, 256)
    assert p.area_km2 == pytest.approx(256 * 256 * 0.03 * 0.03)
    for site in p.sites:
        assert site["system"] == "igla-s" and site["height_agl_m"] == 2


def test_coverage_equals_the_cli_summary(tmp_path, source_dir, cli):
    scenario = source_dir / "examples" / "basic.toml"
    out = tmp_path / "cov"
    cli("coverage", scenario, "--out", out, "--summary-only", "--threads", 2)
    summary = json.loads((out / "summary.json").read_text())
    bands = skycover.coverage(scenario, threads=1)
    assert [(b["reference"], b["altitude_m"]) for b in bands] == [("agl", h) for h in (50, 150, 500, 1500, 3000)]
    assert len(summary["bands"]) == len(bands)
    for mine, theirs in zip(bands, summary["bands"]):
        for key in ("reference", "altitude_m", "area_km2", "covered_km2", "fraction"):
            assert mine[key] == theirs[key], key
        assert sum(mine["multiplicity"]) == mine["area_cells"]
        assert mine["covered_cells"] == mine["area_cells"] - mine["multiplicity"][0]
        assert mine["fraction"] == mine["covered_cells"] / mine["area_cells"]
    # 40 sites of 6 km range over 59 km^2 of 600 m relief: hills hide part of the area at 50 m AGL,
    # less at 150 m, and (without masking) the envelopes reach everywhere.
    assert 0.5 < bands[0]["fraction"] < bands[1]["fraction"] < 1.0
    assert bands[0]["fraction_without_masking"] == 1.0
    assert bands[0]["masking_loss_fraction"] == 1.0 - bands[0]["fraction"]
    for b, theirs in zip(bands, summary["bands"]):
        for key in ("flat_expected_fraction", "flat_same_sites_fraction", "placement_loss_fraction",
                    "relief_envelope_loss_fraction", "masking_loss_fraction"):
            assert b[key] == theirs[key], key
        # The three losses add up to the gap between the Poisson formula and the result.
        gap = b["placement_loss_fraction"] + b["relief_envelope_loss_fraction"] + b["masking_loss_fraction"]
        assert abs(gap - (b["flat_expected_fraction"] - b["fraction"])) < 1e-12


def test_coverage_does_not_depend_on_thread_count(source_dir):
    p = skycover.prepare(source_dir / "examples" / "basic.toml")
    assert skycover.coverage(p, threads=1) == skycover.coverage(p, threads=2)


def test_clutter_splits_the_masking_loss_as_the_cli_does(tmp_path, source_dir, cli):
    """[terrain] clutter: a woods-and-towns raster (land-cover classes) on basic.toml's grid."""
    import numpy as np
    from osgeo import gdal, osr

    # basic.toml's synthetic grid: 256 x 256 cells of 30 m, EPSG:32619, north-west corner (500000, 1200000).
    ds = gdal.GetDriverByName("GTiff").Create(str(tmp_path / "landcover.tif"), 128, 128, 1, gdal.GDT_Byte)
    ds.SetGeoTransform((500000, 60, 0, 1200000, 0, -60))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32619)
    ds.SetProjection(srs.ExportToWkt())
    y, x = np.mgrid[0:128, 0:128]
    classes = np.where(np.sin(x / 6.0) + np.cos(y / 5.0) > 0.9, 10, np.where((x // 16 + y // 16) % 5 == 0, 50, 30))
    ds.GetRasterBand(1).WriteArray(classes.astype(np.uint8))
    ds = None
    text = (source_dir / "examples" / "basic.toml").read_text()
    text = text.replace("[terrain]\n", '[terrain]\nclutter = { raster = "landcover.tif", '
                        'class_heights_m = { "10" = 18, "50" = 12 } }\n')
    scenario = tmp_path / "clutter.toml"
    scenario.write_text(text)
    out = tmp_path / "cov"
    cli("coverage", scenario, "--out", out, "--summary-only")
    summary = json.loads((out / "summary.json").read_text())
    assert summary["clutter"] is True
    bands = skycover.coverage(scenario)
    for mine, theirs in zip(bands, summary["bands"]):
        for key in ("fraction", "fraction_without_clutter", "clutter_loss_fraction", "masking_loss_fraction"):
            assert mine[key] == theirs[key], key
        assert mine["clutter_loss_fraction"] == mine["fraction_without_clutter"] - mine["fraction"]
    assert bands[0]["clutter_loss_fraction"] > 0.005  # 50 m targets: some hide behind 18 m woods
    plain = skycover.coverage(source_dir / "examples" / "basic.toml")
    assert plain[0]["clutter_loss_fraction"] is None
    assert bands[0]["fraction_without_clutter"] == plain[0]["fraction"]
