// `skycover viewshed` end to end: output raster equals the library's window, georeferenced.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iterator>

#include <gdal_priv.h>

#include "skycover/terrain/gdal_support.hpp"
#include "skycover/terrain/synthetic.hpp"
#include "skycover/visibility/viewshed.hpp"
#include "test_support.hpp"

namespace skycover {
namespace {

std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(ViewshedCli, WritesTheWindowAsGeoTiffAndRejectsOffDemSites) {
  test::TempDir dir;
  SyntheticTerrainParams p;
  p.width = 120;
  p.height = 100;
  p.relief_m = 500;
  const Terrain t = make_synthetic_terrain(p);
  const auto dem = dir.path() / "dem.tif";
  ASSERT_TRUE(write_terrain(dem, t).ok());
  const double x = t.geometry().cell_center_x_m(30), y = t.geometry().cell_center_y_m(40);
  const auto out = dir.path() / "vs.tif";
  const std::string cmd = fmt::format("{} viewshed --dem {} --site {},{} --height-agl-m 3 --max-range-m 1500 --out {} > {}",
                                      SKYCOVER_CLI_PATH, dem.string(), x, y, out.string(), (dir.path() / "log").string());
  ASSERT_EQ(std::system(cmd.c_str()), 0);

  Observer o;
  o.x_m = x;
  o.y_m = y;
  o.height_agl_m = 3;
  o.max_range_m = 1500;
  auto w = viewshed(t, o, VisibilityModel{});
  ASSERT_TRUE(w.ok());
  ensure_gdal();
  std::unique_ptr<GDALDataset> ds(GDALDataset::Open(out.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY));
  ASSERT_TRUE(ds);
  ASSERT_EQ(ds->GetRasterXSize(), w->width);
  ASSERT_EQ(ds->GetRasterYSize(), w->height);
  double gt[6];
  ASSERT_EQ(ds->GetGeoTransform(gt), CE_None);
  EXPECT_DOUBLE_EQ(gt[0], t.geometry().origin_x_m + w->col0 * 30.0);
  EXPECT_DOUBLE_EQ(gt[3], t.geometry().origin_y_m - w->row0 * 30.0);
  std::vector<float> v(static_cast<std::size_t>(w->width) * w->height);
  ASSERT_EQ(ds->GetRasterBand(1)->RasterIO(GF_Read, 0, 0, w->width, w->height, v.data(), w->width, w->height,
                                           GDT_Float32, 0, 0),
            CE_None);
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (std::isnan(w->min_visible_agl_m[i])) {
      EXPECT_TRUE(std::isnan(v[i]));
    } else {
      ASSERT_EQ(v[i], w->min_visible_agl_m[i]);
    }
  }

  const std::string bad = fmt::format("{} viewshed --dem {} --site 1,2 --out {} 2> {}", SKYCOVER_CLI_PATH, dem.string(),
                                      (dir.path() / "bad.tif").string(), (dir.path() / "err").string());
  const int rc = std::system(bad.c_str());
  EXPECT_EQ(WEXITSTATUS(rc), 2);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "bad.tif"));
}

// --clutter: the window written equals the library's viewshed over the terrain with that clutter.
TEST(ViewshedCli, ClutterRasterBlocksLinesOfSightAsInTheLibrary) {
  test::TempDir dir;
  SyntheticTerrainParams p;
  p.width = 90;
  p.height = 80;
  p.relief_m = 200;
  Terrain t = make_synthetic_terrain(p);
  ASSERT_TRUE(write_terrain(dir.path() / "dem.tif", t).ok());
  std::vector<float> c(static_cast<std::size_t>(t.geometry().cell_count()));
  for (std::size_t i = 0; i < c.size(); ++i) c[i] = (i / 5) % 3 == 0 ? 18.f : 0.f;
  ASSERT_TRUE(write_float_raster(dir.path() / "clutter.tif", t.geometry(), c).ok());
  t.set_clutter(c);
  const double x = t.geometry().cell_center_x_m(45), y = t.geometry().cell_center_y_m(40);
  const auto out = dir.path() / "vs.tif";
  ASSERT_EQ(std::system(fmt::format("{} viewshed --dem {} --clutter {} --site {},{} --max-range-m 1200 --out {} > {}",
                                    SKYCOVER_CLI_PATH, (dir.path() / "dem.tif").string(),
                                    (dir.path() / "clutter.tif").string(), x, y, out.string(),
                                    (dir.path() / "log").string())
                            .c_str()),
            0);
  Observer o;
  o.x_m = x;
  o.y_m = y;
  o.max_range_m = 1200;
  auto w = viewshed(t, o, VisibilityModel{});
  ASSERT_TRUE(w.ok());
  ensure_gdal();
  std::unique_ptr<GDALDataset> ds(GDALDataset::Open(out.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY));
  ASSERT_TRUE(ds);
  std::vector<float> v(static_cast<std::size_t>(w->width) * w->height);
  ASSERT_EQ(ds->GetRasterBand(1)->RasterIO(GF_Read, 0, 0, w->width, w->height, v.data(), w->width, w->height,
                                           GDT_Float32, 0, 0),
            CE_None);
  int over_clutter = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (std::isnan(w->min_visible_agl_m[i])) continue;
    ASSERT_EQ(v[i], w->min_visible_agl_m[i]) << i;
    over_clutter += v[i] >= 18.f;
  }
  EXPECT_GT(over_clutter, 1000);
  const int rc = std::system(fmt::format("{} viewshed --dem {} --clutter {} --site {},{} --out {} 2> {}",
                                         SKYCOVER_CLI_PATH, (dir.path() / "dem.tif").string(),
                                         (dir.path() / "none.tif").string(), x, y, (dir.path() / "x.tif").string(),
                                         (dir.path() / "err").string())
                                 .c_str());
  EXPECT_NE(WEXITSTATUS(rc), 0);
  EXPECT_NE(read_text(dir.path() / "err").find("--clutter"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "x.tif"));
}

}  // namespace
}  // namespace skycover
