// `skycover viewshed` end to end: output raster equals the library's window, georeferenced.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>

#include <gdal_priv.h>

#include "skycover/terrain/gdal_support.hpp"
#include "skycover/terrain/synthetic.hpp"
#include "skycover/visibility/viewshed.hpp"
#include "test_support.hpp"

namespace skycover {
namespace {

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

}  // namespace
}  // namespace skycover
