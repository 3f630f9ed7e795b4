// Window reads of a DEM equal the same cells of a whole read, bit for bit, also through a
// reprojection (warped VRT with an exact transformer): what makes tiled runs equal whole ones.
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <thread>
#include <vector>

#include "skycover/grid/tiling.hpp"
#include "skycover/terrain/projection.hpp"
#include "skycover/terrain/terrain_source.hpp"

#include <cpl_conv.h>
#include <ogr_spatialref.h>
#include <fmt/format.h>
#include "test_support.hpp"

namespace skycover {
namespace {

void expect_windows_equal_whole(const TerrainSource& source, int tile) {
  const auto whole = source.read(source.geometry().full_rect());
  ASSERT_TRUE(whole.ok()) << whole.status().message();
  const TilePlan plan = make_tile_plan(source.geometry().width, source.geometry().height, tile, 13);
  for (int t = 0; t < plan.tile_count(); ++t) {
    const TileRect w = plan.window(t);
    const auto part = source.read(w);
    ASSERT_TRUE(part.ok()) << part.status().message();
    EXPECT_DOUBLE_EQ(part->geometry().origin_x_m, source.geometry().window(w).origin_x_m);
    for (int r = 0; r < w.height; ++r)
      for (int c = 0; c < w.width; ++c) {
        const float a = part->elevation_m(c, r), b = whole->elevation_m(w.col0 + c, w.row0 + r);
        ASSERT_EQ(std::memcmp(&a, &b, sizeof a), 0) << "window " << t << " cell " << c << "," << r << ": " << a << " vs " << b;
      }
  }
}

// Many threads reading single cells at once (as placement does) get the whole read's values,
// bit for bit: each read leases a GDAL handle of its own (a reopened file or warped VRT).
void expect_concurrent_cells_equal_whole(const TerrainSource& source) {
  const auto whole = source.read(source.geometry().full_rect());
  ASSERT_TRUE(whole.ok()) << whole.status().message();
  const int w = source.geometry().width, h = source.geometry().height;
  std::atomic<int> mismatches{0}, failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int k = t; k < 2000; k += 4) {
        const int c = (k * 7919) % w, r = (k * 104729) % h;
        const auto cell = source.read({c, r, 1, 1});
        if (!cell.ok()) { ++failures; continue; }
        const float a = cell->elevations_m()[0], b = whole->elevation_m(c, r);
        if (std::memcmp(&a, &b, sizeof a) != 0) ++mismatches;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(mismatches.load(), 0);
}

TEST(TerrainSource, ConcurrentReadsEqualTheWholeRead) {
  TerrainLoadOptions o;
  o.unit = ElevationUnit::kFeet;
  auto warped = open_terrain_source(SKYCOVER_SOURCE_DIR "/data/trinidad_sample.tif", o);
  ASSERT_TRUE(warped.ok()) << warped.status().message();
  expect_concurrent_cells_equal_whole(**warped);
  test::TempDir dir;
  SyntheticTerrainParams p;
  p.width = 300, p.height = 220;
  ASSERT_TRUE(write_terrain(dir.path() / "dem.tif", make_synthetic_terrain(p)).ok());
  auto plain = open_terrain_source(dir.path() / "dem.tif");
  ASSERT_TRUE(plain.ok()) << plain.status().message();
  expect_concurrent_cells_equal_whole(**plain);
}

TEST(TerrainSource, WarpedGeographicDemWindowsEqualTheWholeRead) {
  TerrainLoadOptions o;
  o.unit = ElevationUnit::kFeet;
  auto source = open_terrain_source(SKYCOVER_SOURCE_DIR "/data/trinidad_sample.tif", o);
  ASSERT_TRUE(source.ok()) << source.status().message();
  EXPECT_GT((*source)->geometry().width, 400);  // reprojected to UTM: not the 480 x 480 lon/lat grid
  expect_windows_equal_whole(**source, 97);
  // load_terrain is the whole read of the same source.
  const auto loaded = load_terrain(SKYCOVER_SOURCE_DIR "/data/trinidad_sample.tif", o);
  ASSERT_TRUE(loaded.ok());
  const auto whole = (*source)->read((*source)->geometry().full_rect());
  ASSERT_EQ(loaded->elevations_m().size(), whole->elevations_m().size());
  EXPECT_EQ(std::memcmp(loaded->elevations_m().data(), whole->elevations_m().data(), whole->elevations_m().size() * 4), 0);
}

TEST(TerrainSource, ProjectedGeoTiffWindowsEqualTheWholeRead) {
  test::TempDir dir;
  SyntheticTerrainParams p;
  p.width = 300, p.height = 220;
  const Terrain t = make_synthetic_terrain(p);
  ASSERT_TRUE(write_terrain(dir.path() / "dem.tif", t).ok());
  auto source = open_terrain_source(dir.path() / "dem.tif");
  ASSERT_TRUE(source.ok()) << source.status().message();
  EXPECT_EQ((*source)->geometry().width, 300);
  expect_windows_equal_whole(**source, 64);
  const auto w = (*source)->read({10, 20, 5, 5});
  EXPECT_EQ(w->elevation_m(0, 0), t.elevation_m(10, 20));
  EXPECT_FALSE((*source)->read({290, 0, 20, 5}).ok());  // past the grid: an error, not a crash
}

}  // namespace
}  // namespace skycover

namespace skycover {
namespace {

// The WKT of an EPSG code.
std::string epsg_wkt(int code) {
  OGRSpatialReference srs;
  srs.importFromEPSG(code);
  char* wkt = nullptr;
  srs.exportToWkt(&wkt);
  std::string out = wkt ? wkt : "";
  CPLFree(wkt);
  return out;
}

// A lon/lat DEM from lon_min over lon_span degrees, latitudes 5..9, at 0.05 degree cells.
std::filesystem::path write_lonlat_dem(const std::filesystem::path& dir, double lon_min, double lon_span) {
  GridGeometry g;
  g.cell_size_m = 0.05;  // degrees here: write_float_raster only stores the geotransform
  g.width = static_cast<int>(lon_span / g.cell_size_m);
  g.height = 80;
  g.origin_x_m = lon_min;
  g.origin_y_m = 9.0;
  g.crs_wkt = epsg_wkt(4326);
  std::vector<float> z(static_cast<std::size_t>(g.cell_count()), 500.f);
  const auto path = dir / fmt::format("lonlat_{}_{}.tif", lon_min, lon_span);
  EXPECT_TRUE(write_float_raster(path, g, z).ok());
  return path;
}

TEST(AnalysisCrs, OneUtmZoneStaysUtmAWiderDemGetsAnEqualAreaProjection) {
  test::TempDir dir;
  auto narrow = open_terrain_source(write_lonlat_dem(dir.path(), -65.8, 1.6));  // inside UTM zone 20 (-66 .. -60)
  ASSERT_TRUE(narrow.ok()) << narrow.status().message();
  const auto pn = projection_error((*narrow)->geometry());
  ASSERT_TRUE(pn.ok()) << pn.status().message();
  ASSERT_TRUE(pn->has_value()) << (*narrow)->geometry().crs_wkt.size();
  EXPECT_NE((*pn)->crs_name.find("UTM zone 20N"), std::string::npos) << (*pn)->crs_name;
  auto wide = open_terrain_source(write_lonlat_dem(dir.path(), -73.0, 13.0));  // Venezuela's ~13 degrees
  ASSERT_TRUE(wide.ok()) << wide.status().message();
  const auto pw = projection_error((*wide)->geometry());
  ASSERT_TRUE(pw.ok() && pw->has_value()) << pw.status().message();
  EXPECT_NE((*pw)->crs_name.find("Lambert"), std::string::npos) << (*pw)->crs_name;
  EXPECT_LT((*pw)->max_area_error, 1e-6);       // equal-area
  EXPECT_LT((*pw)->max_distance_error, 0.003);  // k = sqrt(2 / (1 + cos c)) - 1 ~ 0.17 % at c ~ 6.9 degrees
  EXPECT_GT((*pw)->max_distance_error, 0.001);
  // A UTM zone at its central meridian: scale 0.9996, areas 0.9992.
  EXPECT_EQ(default_analysis_crs(-107, -103, 30, 31), "EPSG:32613");
  EXPECT_NE(default_analysis_crs(-73, -60, 1, 12).find("Lambert azimuthal equal-area"), std::string::npos);
  GridGeometry utm;
  utm.width = utm.height = 100;
  utm.cell_size_m = 100;
  utm.origin_x_m = 495000;
  utm.origin_y_m = 3500000;
  utm.crs_wkt = epsg_wkt(32613);
  const auto pu = projection_error(utm);
  ASSERT_TRUE(pu.ok() && pu->has_value());
  EXPECT_NEAR((*pu)->max_distance_error, 0.0004, 1e-5);
  EXPECT_NEAR((*pu)->max_area_error, 0.0008, 2e-5);
}

}  // namespace
}  // namespace skycover

namespace skycover {
namespace {

// Issue 9 item 7: a DEM in a metric CRS that is not true to scale (Web Mercator: 1 / cos(lat)) is
// reprojected to the default analysis CRS, as a lon/lat DEM is; a UTM DEM is used as it is.
TEST(AnalysisCrs, WebMercatorDemIsReprojectedToTrueMetres) {
  test::TempDir dir;
  SyntheticTerrainParams p;
  p.width = 200, p.height = 150;
  p.epsg = 3857;
  p.origin_x_m = -11680000;  // ~105 W, ~37 N: scale 1.25
  p.origin_y_m = 4440000;
  p.cell_size_m = 100;
  ASSERT_TRUE(write_terrain(dir.path() / "merc.tif", make_synthetic_terrain(p)).ok());
  auto source = open_terrain_source(dir.path() / "merc.tif");
  ASSERT_TRUE(source.ok()) << source.status().message();
  const auto pe = projection_error((*source)->geometry());
  ASSERT_TRUE(pe.ok() && *pe);
  EXPECT_NE((*pe)->crs_name.find("UTM zone 13N"), std::string::npos) << (*pe)->crs_name;
  EXPECT_LT((*pe)->max_distance_error, 0.001);
  // About 100 m / 1.25 on the ground.
  EXPECT_NEAR((*source)->geometry().cell_size_m, 80, 2);
  EXPECT_TRUE(check_metric_crs("EPSG:32613").ok());
  EXPECT_FALSE(check_metric_crs("EPSG:4326").ok());
}

}  // namespace
}  // namespace skycover
