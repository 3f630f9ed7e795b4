#include "skycover/render/gis.hpp"

#include <gdal_priv.h>
#include <ogrsf_frmts.h>
#include <gtest/gtest.h>

#include <memory>

#include "skycover/core/atomic_file.hpp"
#include "skycover/terrain/gdal_support.hpp"
#include "test_support.hpp"

namespace skycover {
namespace {

GridGeometry utm_grid(int w, int h, double cell) {
  GridGeometry g;
  g.width = w;
  g.height = h;
  g.cell_size_m = cell;
  g.origin_x_m = 500000;
  g.origin_y_m = 4150000;
  OGRSpatialReference srs;
  srs.importFromEPSG(32613);
  char* wkt = nullptr;
  srs.exportToWkt(&wkt);
  g.crs_wkt = wkt;
  CPLFree(wkt);
  return g;
}

TEST(Uint16Raster, CogRoundTripsValuesGeoreferenceAndNodata) {
  test::TempDir dir;
  const auto g = utm_grid(300, 200, 50);
  std::vector<std::uint16_t> v(g.cell_count());
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<std::uint16_t>(i % 7);
  v[5] = 65535;
  const auto path = dir.path() / "m.tif";
  ASSERT_TRUE(write_uint16_raster(path, g, v, true, "multiplicity").ok());
  ensure_gdal();
  std::unique_ptr<GDALDataset> ds(GDALDataset::Open(path.c_str(), GDAL_OF_RASTER));
  ASSERT_TRUE(ds);
  const char* layout = ds->GetMetadataItem("LAYOUT", "IMAGE_STRUCTURE");
  ASSERT_NE(layout, nullptr);
  EXPECT_STREQ(layout, "COG");
  double gt[6];
  ds->GetGeoTransform(gt);
  EXPECT_DOUBLE_EQ(gt[0], 500000);
  EXPECT_DOUBLE_EQ(gt[1], 50);
  std::vector<std::uint16_t> back(v.size());
  ASSERT_EQ(ds->GetRasterBand(1)->RasterIO(GF_Read, 0, 0, 300, 200, back.data(), 300, 200, GDT_UInt16, 0, 0), CE_None);
  EXPECT_EQ(back, v);
  int has = 0;
  EXPECT_EQ(ds->GetRasterBand(1)->GetNoDataValue(&has), 65535);
  EXPECT_TRUE(has);
}

TEST(MaskPolygons, GeoJsonAndKmlInLonLatWithTheRightArea) {
  test::TempDir dir;
  const auto g = utm_grid(100, 100, 100);
  std::vector<std::uint8_t> mask(g.cell_count(), 0);
  for (int r = 10; r < 30; ++r)
    for (int c = 10; c < 40; ++c) mask[r * 100 + c] = 1;  // 20 x 30 cells = 6 km^2
  for (int r = 60; r < 70; ++r)
    for (int c = 60; c < 70; ++c) mask[r * 100 + c] = 1;  // 1 km^2, separate
  const auto gj = dir.path() / "c.geojson", kml = dir.path() / "c.kml";
  ASSERT_TRUE(write_mask_polygons(g, mask, "covered 50 m AGL", {{"band", "agl_50m"}}, {gj, kml}).ok());
  for (const auto& p : {gj, kml}) {
    std::unique_ptr<GDALDataset> ds(GDALDataset::Open(p.c_str(), GDAL_OF_VECTOR));
    ASSERT_TRUE(ds) << p;
    OGRLayer* layer = ds->GetLayer(0);
    ASSERT_EQ(layer->GetFeatureCount(), 2) << p;
    OGRSpatialReference utm;
    utm.importFromEPSG(32613);
    utm.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    double area = 0;
    std::unique_ptr<OGRFeature> f;
    while (f.reset(layer->GetNextFeature()), f) {
      std::unique_ptr<OGRGeometry> geom(f->GetGeometryRef()->clone());
      // Stored in lon/lat (WGS 84): coordinates near -105, 37.5.
      OGREnvelope env;
      geom->getEnvelope(&env);
      EXPECT_GT(env.MinX, -106);
      EXPECT_LT(env.MaxX, -104);
      EXPECT_GT(env.MinY, 37);
      EXPECT_LT(env.MaxY, 38);
      ASSERT_EQ(geom->transformTo(&utm), OGRERR_NONE);
      area += geom->toPolygon()->get_Area();
      if (p == gj) {
        EXPECT_STREQ(f->GetFieldAsString("band"), "agl_50m");
        EXPECT_STREQ(f->GetFieldAsString("generalised_m"), "50");  // the stated tolerance: half a cell
      }
    }
    EXPECT_NEAR(area, 7e6, 7e6 * 0.01) << p;
  }
}

TEST(MaskPolygons, GeoPackageHoldsTheExactCellEdgesInTheGridsCrsAndIsReproducible) {
  test::TempDir dir;
  const auto g = utm_grid(100, 100, 100);
  std::vector<std::uint8_t> mask(g.cell_count(), 0);
  for (int r = 10; r < 30; ++r)
    for (int c = 10; c < 40; ++c) mask[r * 100 + c] = 1;  // 6 km^2
  mask[50 * 100 + 50] = 1;                                 // one cell: 0.01 km^2, kept (not generalised away)
  mask[51 * 100 + 51] = 1;                                 // its diagonal neighbour: the same polygon (8-connected)
  const auto a = dir.path() / "a.gpkg", b = dir.path() / "b.gpkg";
  ASSERT_TRUE(write_mask_polygons(g, mask, "covered at 50 m AGL", {{"band", "agl_50m"}}, {a}).ok());
  ASSERT_TRUE(write_mask_polygons(g, mask, "covered at 50 m AGL", {{"band", "agl_50m"}}, {b}).ok());
  EXPECT_EQ(read_file(a).value(), read_file(b).value()) << "a GeoPackage must be the same bytes for the same mask";
  std::unique_ptr<GDALDataset> ds(GDALDataset::Open(a.c_str(), GDAL_OF_VECTOR));
  ASSERT_TRUE(ds);
  OGRLayer* layer = ds->GetLayerByName("covered at 50 m AGL");
  ASSERT_NE(layer, nullptr);
  ASSERT_NE(layer->GetSpatialRef(), nullptr);
  EXPECT_STREQ(layer->GetSpatialRef()->GetAuthorityCode(nullptr), "32613");
  EXPECT_EQ(layer->GetFeatureCount(), 2);
  double area = 0;
  std::unique_ptr<OGRFeature> f;
  while (f.reset(layer->GetNextFeature()), f) {
    area += f->GetGeometryRef()->toPolygon()->get_Area();
    EXPECT_STREQ(f->GetFieldAsString("band"), "agl_50m");
  }
  EXPECT_DOUBLE_EQ(area, 6e6 + 2e4);  // exactly the cells' area: no generalisation, no reprojection
}

TEST(MaskPolygons, EmptyMaskWritesAnEmptyLayerAndBadExtensionFails) {
  test::TempDir dir;
  const auto g = utm_grid(10, 10, 100);
  const std::vector<std::uint8_t> mask(g.cell_count(), 0);
  ASSERT_TRUE(write_mask_polygons(g, mask, "none", {}, {dir.path() / "e.geojson"}).ok());
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "e.geojson"));
  auto bad = write_mask_polygons(g, mask, "none", {}, {dir.path() / "e.shp"});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("use .gpkg, .geojson or .kml"), std::string::npos) << bad.message();
}

}  // namespace
}  // namespace skycover
