// Window reads of a DEM equal the same cells of a whole read, bit for bit, also through a
// reprojection (warped VRT with an exact transformer): what makes tiled runs equal whole ones.
#include <gtest/gtest.h>

#include <cstring>

#include "skycover/grid/tiling.hpp"
#include "skycover/terrain/terrain_source.hpp"
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
