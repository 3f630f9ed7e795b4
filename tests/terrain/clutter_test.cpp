// [terrain] clutter reader: heights and land-cover classes warped onto the terrain grid; window
// reads equal the whole grid's cells; clear errors for a DEM given as clutter, a raster elsewhere
// and a missing file.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "skycover/terrain/clutter.hpp"
#include "skycover/terrain/synthetic.hpp"
#include "test_support.hpp"

namespace skycover {
namespace {
namespace fs = std::filesystem;

SyntheticTerrainParams params() {
  SyntheticTerrainParams p;
  p.width = 96;
  p.height = 80;
  p.cell_size_m = 30;
  p.relief_m = 300;
  p.seed = 3;
  return p;
}

TEST(ClutterReader, HeightsOnTheTerrainsGridAreReadAsTheyAre) {
  test::TempDir dir;
  const SyntheticTerrainParams p = params();
  const GridGeometry g = synthetic_geometry(p);
  std::vector<float> h(static_cast<std::size_t>(g.cell_count()));
  for (std::size_t i = 0; i < h.size(); ++i) h[i] = static_cast<float>(i % 37) * 0.75f;
  h[5] = -2.5f;                                    // nDSM noise below the ground: no clutter
  h[6] = std::numeric_limits<float>::quiet_NaN();  // nodata: no clutter
  ASSERT_TRUE(write_float_raster(dir.path() / "h.tif", g, h).ok());
  auto t = with_clutter(make_synthetic_terrain(p), ClutterSpec{dir.path() / "h.tif", {}});
  ASSERT_TRUE(t.ok()) << t.status().message();
  ASSERT_TRUE(t->has_clutter());
  for (std::size_t i = 0; i < h.size(); ++i) {
    const float want = i == 5 || i == 6 ? 0.f : h[i];
    ASSERT_EQ(t->clutter_m()[i], want) << i;
  }
  EXPECT_EQ(t->elevations_m(), make_synthetic_terrain(p).elevations_m()) << "clutter is not ground";
}

TEST(ClutterReader, LandCoverClassesMapToTheStatedHeights) {
  test::TempDir dir;
  const SyntheticTerrainParams p = params();
  const GridGeometry g = synthetic_geometry(p);
  std::vector<float> cls(static_cast<std::size_t>(g.cell_count()));
  const float codes[] = {10, 50, 80, 30};  // WorldCover: trees, built-up, water, grassland
  for (std::size_t i = 0; i < cls.size(); ++i) cls[i] = codes[(i / 7) % 4];
  ASSERT_TRUE(write_float_raster(dir.path() / "lc.tif", g, cls).ok());
  auto t = with_clutter(make_synthetic_terrain(p), ClutterSpec{dir.path() / "lc.tif", {{50, 12.0}, {10, 15.0}}});
  ASSERT_TRUE(t.ok()) << t.status().message();
  for (std::size_t i = 0; i < cls.size(); ++i) {
    const float want = cls[i] == 10 ? 15.f : cls[i] == 50 ? 12.f : 0.f;  // unlisted classes: none
    ASSERT_EQ(t->clutter_m()[i], want) << i << " class " << cls[i];
  }
}

// A coarser raster (60 m pixels, shifted by half a terrain cell, covering only part of the grid):
// every window of the source equals the same cells of the whole grid, bit for bit, so tiled runs
// keep the whole-grid bytes; cells it does not cover have no clutter.
TEST(ClutterReader, WindowsOfACoarserRasterEqualTheWholeGrid) {
  test::TempDir dir;
  const SyntheticTerrainParams p = params();
  GridGeometry coarse = synthetic_geometry(p);
  coarse.cell_size_m = 60;
  coarse.width = 30;
  coarse.height = 25;
  coarse.origin_x_m += 15 + 600;
  coarse.origin_y_m -= 15 + 300;
  std::vector<float> h(static_cast<std::size_t>(coarse.cell_count()));
  for (std::size_t i = 0; i < h.size(); ++i) h[i] = static_cast<float>((i * 7919) % 29);
  ASSERT_TRUE(write_float_raster(dir.path() / "c.tif", coarse, h).ok());
  auto src = with_clutter(make_synthetic_source(p), ClutterSpec{dir.path() / "c.tif", {}});
  ASSERT_TRUE(src.ok()) << src.status().message();
  EXPECT_TRUE((*src)->has_clutter());
  auto whole = (*src)->read((*src)->geometry().full_rect());
  ASSERT_TRUE(whole.ok()) << whole.status().message();
  for (const TileRect r : {TileRect{0, 0, 40, 40}, TileRect{37, 11, 50, 33}, TileRect{90, 70, 6, 10}}) {
    auto w = (*src)->read(r);
    ASSERT_TRUE(w.ok());
    const Terrain want = whole->crop(r);
    EXPECT_EQ(std::memcmp(w->clutter_m().data(), want.clutter_m().data(), want.clutter_m().size() * sizeof(float)), 0)
        << r.col0 << "," << r.row0;
    EXPECT_EQ(w->elevations_m(), want.elevations_m());
  }
  double sum = 0;
  for (float v : whole->clutter_m()) sum += v;
  EXPECT_GT(sum, 0);
  EXPECT_EQ(whole->clutter_m(0, 0), 0.f) << "north-west of the raster: not covered";
  EXPECT_EQ(whole->clutter_m(95, 79), 0.f) << "south-east of the raster: not covered";
}

TEST(ClutterReader, ErrorsNameTheFileAndTheFix) {
  test::TempDir dir;
  const SyntheticTerrainParams p = params();
  const GridGeometry g = synthetic_geometry(p);
  // A DEM given as clutter.
  ASSERT_TRUE(write_terrain(dir.path() / "dem.tif", make_synthetic_terrain([] {
                              SyntheticTerrainParams q = params();
                              q.base_elevation_m = 1500;
                              return q;
                            }()))
                  .ok());
  auto dem = with_clutter(make_synthetic_terrain(p), ClutterSpec{dir.path() / "dem.tif", {}});
  ASSERT_FALSE(dem.ok());
  EXPECT_EQ(dem.status().code(), StatusCode::kInvalidInput);
  EXPECT_NE(dem.status().message().find("dem.tif"), std::string::npos) << dem.status().message();
  EXPECT_NE(dem.status().message().find("not an elevation"), std::string::npos) << dem.status().message();
  // A raster 100 km away.
  GridGeometry far = g;
  far.origin_x_m += 100000;
  ASSERT_TRUE(write_float_raster(dir.path() / "far.tif", far, std::vector<float>(g.cell_count(), 5.f)).ok());
  auto elsewhere = with_clutter(make_synthetic_terrain(p), ClutterSpec{dir.path() / "far.tif", {}});
  ASSERT_FALSE(elsewhere.ok());
  EXPECT_NE(elsewhere.status().message().find("does not overlap the terrain"), std::string::npos)
      << elsewhere.status().message();
  // No file.
  auto missing = with_clutter(make_synthetic_terrain(p), ClutterSpec{dir.path() / "nope.tif", {}});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("nope.tif"), std::string::npos) << missing.status().message();
}

}  // namespace
}  // namespace skycover
