#include <gtest/gtest.h>

#include <limits>

#include <cmath>
#include <fstream>

#include <ogr_spatialref.h>

#include "exposure/exposure_fixtures.hpp"
#include "skycover/exposure/track.hpp"
#include "test_support.hpp"

namespace skycover {
namespace {
using test::flat_terrain;
using test::straight_track;

TEST(Track, SamplesEveryHalfCellAtConstantSpeedAndHeight) {
  const Terrain t = flat_terrain(200, 50, 20, 100.0f);
  auto tr = load_track(straight_track("a", 100, 500, 3100, 500, 200, 50), t);
  ASSERT_TRUE(tr.ok()) << tr.status().message();
  // 3000 m at <= 10 m steps: 300 segments, 301 samples, 15 s.
  ASSERT_EQ(tr->samples.size(), 301u);
  EXPECT_DOUBLE_EQ(tr->duration_s(), 15.0);
  EXPECT_NEAR(tr->length_m(), 3000.0, 1e-9);
  for (const auto& s : tr->samples) {
    EXPECT_NEAR(s.t_s, (s.x_m - 100) / 200, 1e-9);
    EXPECT_NEAR(s.z_msl_m, 150.0, 1e-9);
    EXPECT_NEAR(s.agl_m(), 50.0, 1e-9);
  }
}

TEST(Track, TerrainFollowingVersusMsl) {
  // Ramp: elevation = 2 * column (40 m per km at 20 m cells).
  Terrain flat = flat_terrain(100, 10, 20);
  std::vector<float> e(flat.elevations_m());
  for (int r = 0; r < 10; ++r)
    for (int c = 0; c < 100; ++c) e[flat.index(c, r)] = static_cast<float>(2 * c);
  const Terrain ramp(flat.geometry(), e);
  auto agl = load_track(straight_track("agl", 100, 100, 1900, 100, 100, 30), ramp);
  auto msl = load_track(straight_track("msl", 100, 100, 1900, 100, 100, 300, AltitudeReference::kMsl), ramp);
  ASSERT_TRUE(agl.ok() && msl.ok());
  for (const auto& s : agl->samples) EXPECT_NEAR(s.agl_m(), 30.0, 1e-9);
  for (const auto& s : msl->samples) EXPECT_NEAR(s.z_msl_m, 300.0, 1e-9);
  // Ground under the target follows the ramp (bilinear between centres): 2 * (x/20 - 0.5).
  EXPECT_NEAR(agl->samples[90].ground_msl_m, 2 * (agl->samples[90].x_m / 20 - 0.5), 1e-4);
  // An MSL track below the ground is an error naming the fix.
  auto low = load_track(straight_track("low", 100, 100, 1900, 100, 100, 50, AltitudeReference::kMsl), ramp);
  ASSERT_FALSE(low.ok());
  EXPECT_NE(low.status().message().find("below the ground"), std::string::npos) << low.status().message();
}

TEST(Track, ClearErrors) {
  const Terrain t = flat_terrain(50, 50, 20);
  auto zero = load_track(straight_track("z", 100, 100, 500, 100, 0, 50), t);
  ASSERT_FALSE(zero.ok());
  EXPECT_NE(zero.status().message().find("speed_mps > 0"), std::string::npos) << zero.status().message();
  auto off = load_track(straight_track("off", 100, 100, 5000, 100, 100, 50), t);
  ASSERT_FALSE(off.ok());
  EXPECT_NE(off.status().message().find("waypoint 2 (5000, 100) is not a point on the terrain"), std::string::npos)
      << off.status().message();
  EXPECT_NE(off.status().message().find("'off'"), std::string::npos);
  // Issue 9 item 12: NaN and 1e300 waypoints are named, with short numbers (no float-to-int UB).
  for (const double bad : {std::numeric_limits<double>::quiet_NaN(), 1e300, -1e300}) {
    auto r = load_track(straight_track("bad", 100, 100, bad, 100, 100, 50), t);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("waypoint 2"), std::string::npos) << r.status().message();
    EXPECT_LT(r.status().message().size(), 300u) << r.status().message();
  }
  auto same = load_track(straight_track("p", 100, 100, 100, 100, 100, 50), t);
  ASSERT_FALSE(same.ok());
  EXPECT_NE(same.status().message().find("2 distinct"), std::string::npos);
}

TEST(Track, CsvWaypointsWithPerLegSpeedAndAltitude) {
  test::TempDir dir;
  const auto path = dir.path() / "track.csv";
  std::ofstream(path) << "# comment\nx,y,altitude_m,speed_mps,name\n100,100,50,100,a\n1100,100,150,200,b\n"
                         "1100,600,,,c\n";
  const Terrain t = flat_terrain(100, 100, 20);
  TrackSpec spec = straight_track("csv", 0, 0, 0, 0, 50, 20);
  spec.waypoints.clear();
  spec.file = path;
  auto tr = load_track(spec, t);
  ASSERT_TRUE(tr.ok()) << tr.status().message();
  // Leg 1: 1000 m at 100 m/s (10 s), altitude 50 -> 150; leg 2: 500 m at 200 m/s (2.5 s), 150 -> 20 (track default).
  EXPECT_NEAR(tr->duration_s(), 12.5, 1e-9);
  const auto mid1 = position_at(*tr, 5.0);
  EXPECT_NEAR(mid1.x_m, 600, 1e-6);
  EXPECT_NEAR(mid1.agl_m(), 100, 1e-6);
  EXPECT_NEAR(tr->samples.back().agl_m(), 20, 1e-9);

  std::ofstream(path) << "x,y\n100,100\n1100,abc\n";
  auto bad = load_track(spec, t);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("track.csv:3: column 'y': 'abc' is not a number"), std::string::npos)
      << bad.status().message();
  std::ofstream(path) << "east,north\n100,100\n";
  bad = load_track(spec, t);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("header must name columns x and y"), std::string::npos);
}

TEST(Track, GeoJsonLonLatReprojectedToUtm) {
  // UTM 19N terrain around (500 km E, 1105 km N). Independent reference: on the zone's central
  // meridian (69 W) easting is exactly 500,000 m and northing is k0 * meridian arc; the WGS 84
  // meridian arc to 10 N is 1,105,854.83 m (Snyder 1987, eq. 3-21), so N = 0.9996 * that.
  OGRSpatialReference utm;
  utm.importFromEPSG(32619);
  char* wkt = nullptr;
  utm.exportToWkt(&wkt);
  GridGeometry g;
  g.width = 400;
  g.height = 400;
  g.cell_size_m = 100;
  g.origin_x_m = 480000;
  g.origin_y_m = 1120000;
  g.crs_wkt = wkt;
  CPLFree(wkt);
  const Terrain t(g, std::vector<float>(400 * 400, 10.0f));
  test::TempDir dir;
  const auto path = dir.path() / "track.geojson";
  std::ofstream(path) << R"({"type":"FeatureCollection","features":[{"type":"Feature","properties":{},)"
                         R"("geometry":{"type":"LineString","coordinates":[[-69.0,10.0],[-69.0,10.05]]}}]})";
  TrackSpec spec = straight_track("gj", 0, 0, 0, 0, 250, 100);
  spec.waypoints.clear();
  spec.file = path;
  auto wps = read_track_waypoints(spec, g.crs_wkt);
  ASSERT_TRUE(wps.ok()) << wps.status().message();
  ASSERT_EQ(wps->size(), 2u);
  EXPECT_NEAR((*wps)[0].x_m, 500000.0, 0.01);
  EXPECT_NEAR((*wps)[0].y_m, 0.9996 * 1105854.83, 1.0);
  auto tr = sample_track(spec, *wps, t);
  ASSERT_TRUE(tr.ok()) << tr.status().message();
  EXPECT_NEAR(tr->length_m(), (*wps)[1].y_m - (*wps)[0].y_m, 1e-6);

  // A point geometry is rejected with the file and the expected type named.
  std::ofstream(path) << R"({"type":"FeatureCollection","features":[{"type":"Feature","properties":{},)"
                         R"("geometry":{"type":"Point","coordinates":[-69.0,10.0]}}]})";
  auto bad = read_track_waypoints(spec, g.crs_wkt);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("expected LineString"), std::string::npos) << bad.status().message();
}


TEST(Track, ContiguousMultiLineStringPartsJoinAndCrsNeedsATerrainCrs) {
  const Terrain t = flat_terrain(100, 100, 20);  // local grid, no CRS
  test::TempDir dir;
  const auto path = dir.path() / "multi.geojson";
  std::ofstream(path) << R"({"type":"FeatureCollection","features":[{"type":"Feature","properties":{},)"
                         R"("geometry":{"type":"MultiLineString","coordinates":[[[100,100],[500,100]],)"
                         R"([[500,100],[500,400],[900,400]]]}}]})";
  TrackSpec spec = straight_track("multi", 0, 0, 0, 0, 100, 20);
  spec.waypoints.clear();
  spec.file = path;
  // GeoJSON defaults to WGS 84; over a terrain without a CRS that must be an explicit error.
  auto wps = read_track_waypoints(spec, "");
  ASSERT_FALSE(wps.ok());
  EXPECT_NE(wps.status().message().find("terrain has none"), std::string::npos) << wps.status().message();
  // The same coordinates stated in the terrain's own metric CRS work.
  OGRSpatialReference utm;
  utm.importFromEPSG(32619);
  char* wkt = nullptr;
  utm.exportToWkt(&wkt);
  spec.crs = "EPSG:32619";
  wps = read_track_waypoints(spec, wkt);
  CPLFree(wkt);
  ASSERT_TRUE(wps.ok()) << wps.status().message();
  ASSERT_EQ(wps->size(), 5u);  // the shared vertex twice; sample_track drops the repeat
  EXPECT_NEAR((*wps)[3].x_m, 500, 1e-9);
  EXPECT_NEAR((*wps)[3].y_m, 400, 1e-9);
  auto tr = sample_track(spec, *wps, t);
  ASSERT_TRUE(tr.ok());
  EXPECT_NEAR(tr->length_m(), 400 + 300 + 400, 1e-9);
  EXPECT_NEAR(tr->duration_s(), 11.0, 1e-9);
}

// Joining separate lines would invent a leg nobody flew: several features, or MultiLineString
// parts with a gap between them, are an error naming the file and the fix.
TEST(Track, SeveralLineFeaturesOrDisjointPartsAreAnError) {
  test::TempDir dir;
  TrackSpec spec = straight_track("two", 0, 0, 0, 0, 100, 20);
  spec.waypoints.clear();
  spec.crs = "EPSG:32619";
  OGRSpatialReference utm;
  utm.importFromEPSG(32619);
  char* wkt = nullptr;
  utm.exportToWkt(&wkt);
  const std::string terrain_wkt = wkt;
  CPLFree(wkt);

  spec.file = dir.path() / "two.geojson";
  std::ofstream(*spec.file) << R"({"type":"FeatureCollection","features":[)"
                               R"({"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":[[100,100],[500,100]]}},)"
                               R"({"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":[[500,400],[900,400]]}}]})";
  auto wps = read_track_waypoints(spec, terrain_wkt);
  ASSERT_FALSE(wps.ok());
  EXPECT_EQ(wps.status().code(), StatusCode::kInvalidInput);
  EXPECT_NE(wps.status().message().find("two.geojson"), std::string::npos) << wps.status().message();
  EXPECT_NE(wps.status().message().find("more than one line feature"), std::string::npos) << wps.status().message();
  EXPECT_NE(wps.status().message().find("[[tracks]]"), std::string::npos) << wps.status().message();

  spec.file = dir.path() / "gap.geojson";
  std::ofstream(*spec.file) << R"({"type":"FeatureCollection","features":[{"type":"Feature","properties":{},)"
                               R"("geometry":{"type":"MultiLineString","coordinates":[[[100,100],[500,100]],)"
                               R"([[500,400],[900,400]]]}}]})";
  wps = read_track_waypoints(spec, terrain_wkt);
  ASSERT_FALSE(wps.ok());
  EXPECT_EQ(wps.status().code(), StatusCode::kInvalidInput);
  EXPECT_NE(wps.status().message().find("part 2 starts at (500, 400) but part 1 ends at (500, 100)"),
            std::string::npos)
      << wps.status().message();
}

TEST(Track, CsvWithUtf8ByteOrderMarkReadsItsHeader) {
  test::TempDir dir;
  const auto path = dir.path() / "bom.csv";
  std::ofstream(path) << "\xEF\xBB\xBFx,y\n100,100\n1100,100\n";
  const Terrain t = flat_terrain(100, 100, 20);
  TrackSpec spec = straight_track("bom", 0, 0, 0, 0, 50, 20);
  spec.waypoints.clear();
  spec.file = path;
  auto tr = load_track(spec, t);
  ASSERT_TRUE(tr.ok()) << tr.status().message();
  EXPECT_NEAR(tr->length_m(), 1000, 1e-9);
}

}  // namespace
}  // namespace skycover
