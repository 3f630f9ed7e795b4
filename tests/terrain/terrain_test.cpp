#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include <gdal_priv.h>
#include <gdal_utils.h>

#include "skycover/terrain/gdal_support.hpp"
#include "skycover/terrain/synthetic.hpp"
#include "skycover/terrain/terrain.hpp"
#include "skycover/visibility/engagement_union.hpp"
#include "test_support.hpp"

namespace skycover {
namespace {
namespace fs = std::filesystem;

TEST(SyntheticTerrain, SameSeedSameBytesDifferentSeedDifferent) {
  SyntheticTerrainParams p;
  p.width = 64;
  p.height = 48;
  p.seed = 42;
  const auto a = make_synthetic_terrain(p);
  const auto b = make_synthetic_terrain(p);
  EXPECT_EQ(a.elevations_m(), b.elevations_m());
  p.seed = 43;
  EXPECT_NE(a.elevations_m(), make_synthetic_terrain(p).elevations_m());
}

TEST(SyntheticTerrain, ReliefSpansRequestedRange) {
  SyntheticTerrainParams p;
  p.width = 128;
  p.height = 128;
  p.relief_m = 700;
  p.base_elevation_m = 100;
  const auto t = make_synthetic_terrain(p);
  const auto [lo, hi] = std::minmax_element(t.elevations_m().begin(), t.elevations_m().end());
  EXPECT_NEAR(*lo, 100.0, 1e-3);
  EXPECT_NEAR(*hi, 800.0, 1e-3);
}

TEST(Terrain, GeoTiffRoundTripKeepsGeometryAndValues) {
  test::TempDir dir;
  SyntheticTerrainParams p;
  p.width = 40;
  p.height = 30;
  p.cell_size_m = 25;
  const auto t = make_synthetic_terrain(p);
  ASSERT_TRUE(write_terrain(dir.path() / "dem.tif", t).ok());
  auto loaded = load_terrain(dir.path() / "dem.tif");
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_EQ(loaded->width(), 40);
  EXPECT_EQ(loaded->height(), 30);
  EXPECT_DOUBLE_EQ(loaded->cell_size_m(), 25);
  EXPECT_EQ(loaded->elevations_m(), t.elevations_m());
}

TEST(Terrain, NodataBecomesNaN) {
  test::TempDir dir;
  const auto path = dir.path() / "nodata.asc";
  // AAIGrid with an explicit NODATA_value; a projected .prj is not needed for a local grid.
  std::ofstream(path) << "ncols 3\nnrows 2\nxllcorner 1000\nyllcorner 2000\ncellsize 10\nNODATA_value -9999\n"
                         "1 2 -9999\n4 5 6\n";
  auto t = load_terrain(path);
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_TRUE(std::isnan(t->elevation_m(2, 0)));
  EXPECT_FLOAT_EQ(t->elevation_m(0, 0), 1.0f);
  EXPECT_FLOAT_EQ(t->elevation_m(2, 1), 6.0f);
  EXPECT_EQ(t->valid_cell_count(), 5);
  EXPECT_FALSE(t->is_valid(2, 0));
}

TEST(Terrain, FeetAreConvertedToMetres) {
  test::TempDir dir;
  const auto path = dir.path() / "feet.asc";
  std::ofstream(path) << "ncols 2\nnrows 1\nxllcorner 0\nyllcorner 0\ncellsize 10\nNODATA_value -9999\n1000 -9999\n";
  TerrainLoadOptions o;
  o.unit = ElevationUnit::kFeet;
  auto t = load_terrain(path, o);
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_NEAR(t->elevation_m(0, 0), 304.8, 1e-3);
  EXPECT_TRUE(std::isnan(t->elevation_m(1, 0)));  // nodata is not scaled
}

TEST(Terrain, MissingFileIsAClearIoError) {
  auto t = load_terrain("/nonexistent/dem.tif");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kIoError);
  EXPECT_NE(t.status().message().find("/nonexistent/dem.tif"), std::string::npos);
}

TEST(Terrain, UtmZoneForLonLat) {
  EXPECT_EQ(utm_epsg_for(-66.9, 10.5), 32619);  // Caracas
  EXPECT_EQ(utm_epsg_for(-105.0, 37.5), 32613);  // Trinidad, Colorado
  EXPECT_EQ(utm_epsg_for(151.2, -33.9), 32756);  // Sydney
}

// The same surface delivered in UTM and in lon/lat must give the same metric terrain and the
// same answers: warp a UTM DEM to EPSG:4326 with GDAL, load it back (reprojected to the local UTM
// zone), and compare (1) where a landmark lands, to well under a cell, (2) elevations, and
// (3) the area one site covers per altitude band, terrain masking included.
Terrain cone_on_fbm(int n, double cell, double x0, double y0) {
  SyntheticTerrainParams p;
  p.width = n;
  p.height = n;
  p.cell_size_m = cell;
  p.relief_m = 300;
  p.roughness = 0.35;  // smooth enough that two bilinear resamplings stay within a few metres
  p.epsg = 32619;
  p.origin_x_m = x0;
  p.origin_y_m = y0;
  Terrain base = make_synthetic_terrain(p);
  // A 900 m cone of 3 km radius centred on a known point: the landmark.
  const double cx = x0 + n * cell * 0.4, cy = y0 - n * cell * 0.45;
  std::vector<float> z = base.elevations_m();
  for (int r = 0; r < n; ++r)
    for (int c = 0; c < n; ++c) {
      const double d = std::hypot(base.geometry().cell_center_x_m(c) - cx, base.geometry().cell_center_y_m(r) - cy);
      z[static_cast<std::size_t>(r) * n + c] += static_cast<float>(std::max(0.0, 900.0 * (1 - d / 3000.0)));
    }
  return Terrain(base.geometry(), std::move(z));
}

// Elevation-weighted centroid of the cone above `threshold_m` (sub-cell landmark position).
std::pair<double, double> cone_centroid(const Terrain& t, double threshold_m) {
  double sx = 0, sy = 0, sw = 0;
  for (int r = 0; r < t.height(); ++r)
    for (int c = 0; c < t.width(); ++c) {
      const double z = t.elevation_m(c, r);
      if (std::isnan(z) || z < threshold_m) continue;
      const double w = z - threshold_m;
      sx += w * t.geometry().cell_center_x_m(c);
      sy += w * t.geometry().cell_center_y_m(r);
      sw += w;
    }
  return {sx / sw, sy / sw};
}

TEST(Terrain, GeographicDemLoadsToSameMetricTerrainAsUtm) {
  test::TempDir dir;
  const double x0 = 400000, y0 = 1150000, cell = 90;
  const auto utm = cone_on_fbm(200, cell, x0, y0);
  const auto utm_path = dir.path() / "utm.tif";
  ASSERT_TRUE(write_terrain(utm_path, utm).ok());

  ensure_gdal();
  const auto geo_path = dir.path() / "geo.tif";
  {
    GDALDatasetUniquePtr src(GDALDataset::Open(utm_path.c_str(), GDAL_OF_RASTER));
    ASSERT_TRUE(src);
    const char* argv[] = {"-t_srs", "EPSG:4326", "-r", "bilinear", "-dstnodata", "nan", nullptr};
    auto* opts = GDALWarpAppOptionsNew(const_cast<char**>(argv), nullptr);
    GDALDatasetH h = src.get();
    GDALDatasetH out = GDALWarp(geo_path.c_str(), nullptr, 1, &h, opts, nullptr);
    GDALWarpAppOptionsFree(opts);
    ASSERT_NE(out, nullptr);
    GDALClose(out);
  }
  auto geo = load_terrain(geo_path);
  ASSERT_TRUE(geo.ok()) << geo.status().message();
  EXPECT_NE(geo->geometry().crs_wkt.find("UTM zone 19N"), std::string::npos);
  EXPECT_NEAR(geo->cell_size_m(), cell, 5.0);

  // (1) Georeferencing: the landmark lands where it was, to a small fraction of a cell
  // (a one-cell shift would be 90 m).
  const double threshold = 900;  // well above the fBm relief, inside the cone
  const auto [ux, uy] = cone_centroid(utm, threshold);
  const auto [gx, gy] = cone_centroid(*geo, threshold);
  EXPECT_NEAR(gx, ux, 10.0);
  EXPECT_NEAR(gy, uy, 10.0);

  // (2) Elevations at interior points agree within the smoothing of two bilinear resamplings.
  int compared = 0;
  double max_err = 0;
  for (int row = 20; row < 180; row += 7) {
    for (int col = 20; col < 180; col += 7) {
      const double x = utm.geometry().cell_center_x_m(col), y = utm.geometry().cell_center_y_m(row);
      const double z_geo = geo->elevation_bilinear_m(x, y);
      if (std::isnan(z_geo)) continue;
      max_err = std::max(max_err, std::abs(z_geo - utm.elevation_bilinear_m(x, y)));
      ++compared;
    }
  }
  EXPECT_GT(compared, 400);
  EXPECT_LT(max_err, 25.0);

  // (3) Same answers: one site on the cone's flank, covered area per band on both grids.
  SystemSpec sys;
  sys.name = "test";
  sys.max_range_m = 6000;
  sys.max_altitude_m = 3500;
  sys.min_altitude_m = 10;
  const std::vector<AltitudeBand> bands = {{HeightReference::kAgl, 30}, {HeightReference::kAgl, 150},
                                           {HeightReference::kAgl, 1000}};
  auto covered_km2 = [&](const Terrain& t) {
    Site s;
    s.id = "flank";
    s.x_m = ux + 1500;
    s.y_m = uy - 800;
    const auto cell_of_site = t.cell_of(s.x_m, s.y_m);
    s.ground_msl_m = t.elevation_m(cell_of_site->first, cell_of_site->second);
    s.height_agl_m = 2;
    auto u = engagement_union(t, {s}, {sys}, bands, VisibilityModel{});
    EXPECT_TRUE(u.ok()) << u.status().message();
    std::vector<double> km2;
    for (const auto& counts : u->site_count)
      km2.push_back(static_cast<double>(std::count_if(counts.begin(), counts.end(), [](auto n) { return n > 0; })) *
                    t.geometry().cell_area_km2());
    return km2;
  };
  const auto a = covered_km2(utm), b = covered_km2(*geo);
  for (std::size_t i = 0; i < bands.size(); ++i) {
    EXPECT_GT(a[i], 5.0) << "band " << bands[i].altitude_m;
    EXPECT_NEAR(b[i], a[i], 0.03 * a[i]) << "band " << bands[i].altitude_m << " m AGL";
  }
}

TEST(Terrain, BundledUsgsSampleLoadsInFeet) {
  const fs::path sample = fs::path(SKYCOVER_SOURCE_DIR) / "data" / "trinidad_sample.tif";
  TerrainLoadOptions o;
  o.unit = ElevationUnit::kFeet;
  auto t = load_terrain(sample, o);
  ASSERT_TRUE(t.ok()) << t.status().message();
  // Trinidad, Colorado area: the Raton basin to the Spanish Peaks, ~1,800-4,200 m.
  const auto [lo, hi] = std::minmax_element(t->elevations_m().begin(), t->elevations_m().end(),
                                            [](float a, float b) { return (std::isnan(a) ? 1e9f : a) < (std::isnan(b) ? 1e9f : b); });
  EXPECT_GT(*lo, 1000.0f);
  EXPECT_LT(*lo, 4500.0f);
  EXPECT_NE(t->geometry().crs_wkt.find("UTM zone 13N"), std::string::npos);
}

}  // namespace
}  // namespace skycover

namespace skycover {
namespace {

// SRTM .hgt tiles (1201 x 1201, 3 arc-seconds, big-endian Int16, -32768 void) are a GDAL
// driver of their own; the tile name carries the georeferencing.
TEST(Terrain, SrtmHgtTileLoadsWithVoidsAsNaN) {
  test::TempDir dir;
  ensure_gdal();
  GDALDriver* mem = GetGDALDriverManager()->GetDriverByName("MEM");
  std::unique_ptr<GDALDataset> src(mem->Create("", 1201, 1201, 1, GDT_Int16, nullptr));
  const double gt[6] = {-105.0 - 1.0 / 2400, 1.0 / 1200, 0, 38.0 + 1.0 / 2400, 0, -1.0 / 1200};
  src->SetGeoTransform(const_cast<double*>(gt));
  OGRSpatialReference wgs84;
  wgs84.importFromEPSG(4326);
  src->SetSpatialRef(&wgs84);
  std::vector<std::int16_t> z(1201 * 1201);
  for (int r = 0; r < 1201; ++r)
    for (int c = 0; c < 1201; ++c) z[r * 1201 + c] = static_cast<std::int16_t>(1500 + c);  // rises eastward
  z[600 * 1201 + 600] = -32768;  // a void
  ASSERT_EQ(src->GetRasterBand(1)->RasterIO(GF_Write, 0, 0, 1201, 1201, z.data(), 1201, 1201, GDT_Int16, 0, 0), CE_None);
  src->GetRasterBand(1)->SetNoDataValue(-32768);
  const auto hgt = dir.path() / "N37W105.hgt";
  GDALDriver* drv = GetGDALDriverManager()->GetDriverByName("SRTMHGT");
  ASSERT_NE(drv, nullptr);
  GDALDatasetUniquePtr out(drv->CreateCopy(hgt.c_str(), src.get(), FALSE, nullptr, nullptr, nullptr));
  ASSERT_TRUE(out);
  out.reset();

  auto t = load_terrain(hgt);
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_NE(t->geometry().crs_wkt.find("UTM zone 13N"), std::string::npos);
  // One degree of latitude (~111 km) by ~88 km of longitude at 37.5 N, in ~80-90 m cells.
  EXPECT_NEAR(t->height() * t->cell_size_m(), 111e3, 3e3);
  EXPECT_NEAR(t->width() * t->cell_size_m(), 88.5e3, 3e3);
  // Elevation rises eastward by ~1 m per 3" column: check mid-row values increase.
  const int row = t->height() / 2;
  float west = NAN, east = NAN;
  for (int c = 0; c < t->width() && std::isnan(west); ++c) west = t->elevation_m(c, row);
  for (int c = t->width() - 1; c >= 0 && std::isnan(east); --c) east = t->elevation_m(c, row);
  EXPECT_GT(east - west, 1000.0f);
  EXPECT_LT(east - west, 1300.0f);
  // The void (at 104.5 W, 37.5 N) propagates as NaN through the bilinear warp.
  OGRSpatialReference utm13;
  utm13.importFromEPSG(32613);
  utm13.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  wgs84.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  std::unique_ptr<OGRCoordinateTransformation> ct(OGRCreateCoordinateTransformation(&wgs84, &utm13));
  double x = -104.5, y = 37.5;
  ASSERT_TRUE(ct->Transform(1, &x, &y));
  const auto cell = t->cell_of(x, y);
  ASSERT_TRUE(cell.has_value());
  EXPECT_TRUE(std::isnan(t->elevation_m(cell->first, cell->second)));
  EXPECT_FALSE(std::isnan(t->elevation_m(cell->first + 3, cell->second)));
}

}  // namespace
}  // namespace skycover
