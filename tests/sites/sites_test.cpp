#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <memory>

#include <fmt/format.h>
#include <ogr_spatialref.h>

#include "skycover/sites/site.hpp"
#include "skycover/terrain/gdal_support.hpp"
#include "skycover/terrain/synthetic.hpp"
#include "test_support.hpp"

namespace skycover {
namespace {
namespace fs = std::filesystem;

// 128 x 128 cells of 30 m on UTM 19N, north-west corner at (499000, 1200000).
Terrain test_terrain() {
  SyntheticTerrainParams p;
  p.width = 128;
  p.height = 128;
  p.cell_size_m = 30;
  p.relief_m = 500;
  p.seed = 5;
  p.origin_x_m = 499000;
  p.origin_y_m = 1200000;
  return make_synthetic_terrain(p);
}

DeploymentSpec spec(Hypothesis h, int count, std::uint64_t seed = 1) {
  DeploymentSpec d;
  d.system = "sys";
  d.hypothesis = h;
  d.count = count;
  d.seed = seed;
  d.source = "test";
  return d;
}

AreaMask whole(const Terrain& t) { return make_area_mask(t, std::nullopt).value(); }

bool same_positions(const std::vector<Site>& a, const std::vector<Site>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].x_m != b[i].x_m || a[i].y_m != b[i].y_m) return false;
  return true;
}

std::pair<double, double> utm_to_lonlat(double x, double y) {
  OGRSpatialReference utm, geo;
  utm.importFromEPSG(32619);
  geo.importFromEPSG(4326);
  utm.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  geo.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  std::unique_ptr<OGRCoordinateTransformation> ct(OGRCreateCoordinateTransformation(&utm, &geo));
  ct->Transform(1, &x, &y);
  return {x, y};
}

// Triangle in UTM metres, vertices off the cell-centre lattice.
constexpr double kTri[3][2] = {{499407, 1199613}, {502311, 1199211}, {500517, 1196583}};

bool in_triangle(double x, double y) {
  auto side = [&](int i, int j) {
    return (kTri[j][0] - kTri[i][0]) * (y - kTri[i][1]) - (kTri[j][1] - kTri[i][1]) * (x - kTri[i][0]);
  };
  const double a = side(0, 1), b = side(1, 2), c = side(2, 0);
  return (a >= 0 && b >= 0 && c >= 0) || (a <= 0 && b <= 0 && c <= 0);
}

fs::path write_triangle(const fs::path& dir, bool lonlat) {
  std::string coords;
  for (int i = 0; i <= 3; ++i) {
    double x = kTri[i % 3][0], y = kTri[i % 3][1];
    if (lonlat) std::tie(x, y) = utm_to_lonlat(x, y);
    coords += fmt::format("{}[{:.10f}, {:.10f}]", i ? ", " : "", x, y);
  }
  const std::string crs =
      lonlat ? "" : R"("crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32619"}},)";
  const fs::path path = dir / (lonlat ? "tri_ll.geojson" : "tri_utm.geojson");
  std::ofstream(path) << R"({"type": "FeatureCollection", )" << crs
                      << R"("features": [{"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", )"
                      << R"("coordinates": [[)" << coords << "]]}}]}";
  return path;
}

TEST(AreaMask, WholeDemIsEveryValidCell) {
  auto t = test_terrain();
  const auto m = whole(t);
  EXPECT_EQ(m.inside_count(), 128 * 128);
  EXPECT_NEAR(m.area_km2(), 128 * 128 * 900e-6, 1e-9);
}

// Cells whose centres the independent point-in-triangle test puts inside, and how many of
// them the mask disagrees with.
std::pair<std::int64_t, std::int64_t> compare_with_triangle(const Terrain& t, const AreaMask& m) {
  std::int64_t expected = 0, mismatches = 0;
  const auto& g = t.geometry();
  for (int r = 0; r < g.height; ++r)
    for (int c = 0; c < g.width; ++c) {
      const bool in = in_triangle(g.cell_center_x_m(c), g.cell_center_y_m(r));
      expected += in;
      mismatches += in != m.contains(c, r);
    }
  return {expected, mismatches};
}

TEST(AreaMask, PolygonCellCentresInsideMatchIndependentTest) {
  test::TempDir dir;
  auto t = test_terrain();
  auto m = make_area_mask(t, write_triangle(dir.path(), false));
  ASSERT_TRUE(m.ok()) << m.status().message();
  const auto [expected, mismatches] = compare_with_triangle(t, *m);
  EXPECT_GT(expected, 3000);
  EXPECT_EQ(mismatches, 0);
  EXPECT_EQ(m->inside_count(), expected);
}

TEST(AreaMask, PolygonInLonLatIsReprojected) {
  test::TempDir dir;
  auto t = test_terrain();
  auto m = make_area_mask(t, write_triangle(dir.path(), true));
  ASSERT_TRUE(m.ok()) << m.status().message();
  const auto [expected, mismatches] = compare_with_triangle(t, *m);
  // Straight edges in lon/lat bow by well under a metre at this size: at most a few edge cells differ.
  EXPECT_LE(mismatches, 3);
  EXPECT_NEAR(static_cast<double>(m->inside_count()), static_cast<double>(expected), 3.0);
}

TEST(AreaMask, NodataCellsAreOutside) {
  auto t = test_terrain();
  std::vector<float> z = t.elevations_m();
  for (int r = 0; r < 10; ++r)
    for (int c = 0; c < 128; ++c) z[t.index(c, r)] = std::numeric_limits<float>::quiet_NaN();
  Terrain holed(t.geometry(), z);
  EXPECT_EQ(whole(holed).inside_count(), 118 * 128);
}

TEST(AreaMask, NonPolygonFileIsAnError) {
  test::TempDir dir;
  const auto p = dir.path() / "pt.geojson";
  std::ofstream(p) << R"({"type":"FeatureCollection","features":[{"type":"Feature","properties":{},)"
                      R"("geometry":{"type":"Point","coordinates":[-69,10.8]}}]})";
  auto m = make_area_mask(test_terrain(), p);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("no Polygon"), std::string::npos);
}

TEST(Sites, UniformIsReproducibleAndSeedDependent) {
  auto t = test_terrain();
  const auto m = whole(t);
  auto a = make_sites(spec(Hypothesis::kUniform, 50, 7), t, m, 2).value();
  auto b = make_sites(spec(Hypothesis::kUniform, 50, 7), t, m, 2).value();
  auto c = make_sites(spec(Hypothesis::kUniform, 50, 8), t, m, 2).value();
  ASSERT_EQ(a.size(), 50u);
  EXPECT_TRUE(same_positions(a, b));
  EXPECT_FALSE(same_positions(a, c));
  for (const auto& s : a) {
    EXPECT_EQ(s.missiles, 2);
    EXPECT_DOUBLE_EQ(s.height_agl_m, 2);
    const auto cell = t.cell_of(s.x_m, s.y_m);
    ASSERT_TRUE(cell);
    EXPECT_EQ(s.ground_msl_m, t.elevation_m(cell->first, cell->second));
  }
  // A prefix property: the first sites do not depend on how many are asked for.
  auto d = make_sites(spec(Hypothesis::kUniform, 10, 7), t, m, 2).value();
  EXPECT_TRUE(same_positions(d, std::vector<Site>(a.begin(), a.begin() + 10)));
}

TEST(Sites, UniformStaysInsideThePolygonAndFillsIt) {
  test::TempDir dir;
  auto t = test_terrain();
  auto m = make_area_mask(t, write_triangle(dir.path(), false)).value();
  auto s = make_sites(spec(Hypothesis::kUniform, 2000, 3), t, m, 1).value();
  double mx = 0, my = 0;
  for (const auto& site : s) {
    const auto cell = t.cell_of(site.x_m, site.y_m);
    EXPECT_TRUE(m.contains(cell->first, cell->second));
    mx += site.x_m;
    my += site.y_m;
  }
  // Uniform over a triangle: the mean is its centroid (to within sampling and boundary-cell error).
  const double cx = (kTri[0][0] + kTri[1][0] + kTri[2][0]) / 3, cy = (kTri[0][1] + kTri[1][1] + kTri[2][1]) / 3;
  EXPECT_NEAR(mx / s.size(), cx, 40);
  EXPECT_NEAR(my / s.size(), cy, 40);
}

TEST(Sites, UniformAvoidsNodata) {
  auto t = test_terrain();
  std::vector<float> z = t.elevations_m();
  for (int r = 0; r < 128; ++r)
    for (int c = 0; c < 64; ++c) z[t.index(c, r)] = std::numeric_limits<float>::quiet_NaN();
  Terrain holed(t.geometry(), z);
  auto s = make_sites(spec(Hypothesis::kUniform, 500, 1), holed, whole(holed), 1);
  ASSERT_TRUE(s.ok()) << s.status().message();
  for (const auto& site : *s) EXPECT_GE(site.x_m, 499000 + 64 * 30);
}

TEST(Sites, ClusteredMeanAndSpreadMatchTheCentre) {
  auto t = test_terrain();
  auto d = spec(Hypothesis::kClustered, 4000, 11);
  d.centres = {{499000 + 1920, 1200000 - 1920, 1}};
  d.sigma_m = 300;
  auto s = make_sites(d, t, whole(t), 1).value();
  ASSERT_EQ(s.size(), 4000u);
  EXPECT_TRUE(same_positions(s, make_sites(d, t, whole(t), 1).value()));
  auto d2 = d;
  d2.seed = 12;
  EXPECT_FALSE(same_positions(s, make_sites(d2, t, whole(t), 1).value()));
  double mx = 0, my = 0, vx = 0, vy = 0;
  for (const auto& site : s) mx += site.x_m, my += site.y_m;
  mx /= s.size();
  my /= s.size();
  for (const auto& site : s) vx += (site.x_m - mx) * (site.x_m - mx), vy += (site.y_m - my) * (site.y_m - my);
  // Standard error of the mean: 300 / sqrt(4000) = 4.7 m; allow 4 standard errors.
  EXPECT_NEAR(mx, 499000 + 1920, 19);
  EXPECT_NEAR(my, 1200000 - 1920, 19);
  EXPECT_NEAR(std::sqrt(vx / s.size()), 300, 15);
  EXPECT_NEAR(std::sqrt(vy / s.size()), 300, 15);
}

TEST(Sites, ClusteredWeightsSplitTheSites) {
  auto t = test_terrain();
  auto d = spec(Hypothesis::kClustered, 2000, 4);
  d.centres = {{499600, 1199400, 3}, {502400, 1196600, 1}};
  d.sigma_m = 150;
  auto s = make_sites(d, t, whole(t), 1).value();
  int near_first = 0;
  for (const auto& site : s) near_first += std::hypot(site.x_m - 499600, site.y_m - 1199400) < 1500;
  EXPECT_NEAR(near_first / 2000.0, 0.75, 0.04);  // binomial sd 0.0097
}

TEST(Sites, ClusteredCentresInAnotherCrs) {
  auto t = test_terrain();
  auto d = spec(Hypothesis::kClustered, 500, 4);
  const auto [lon, lat] = utm_to_lonlat(500920, 1198080);
  d.centres = {{lon, lat, 1}};
  d.crs = "EPSG:4326";
  d.sigma_m = 100;
  auto s = make_sites(d, t, whole(t), 1);
  ASSERT_TRUE(s.ok()) << s.status().message();
  double mx = 0;
  for (const auto& site : *s) mx += site.x_m;
  EXPECT_NEAR(mx / s->size(), 500920, 20);
}

TEST(Sites, ClusteredFarOutsideTheAreaIsAClearError) {
  auto t = test_terrain();
  auto d = spec(Hypothesis::kClustered, 5, 4);
  d.centres = {{600000, 1100000, 1}};
  d.sigma_m = 100;
  auto s = make_sites(d, t, whole(t), 1);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("could not place site 1 of 5"), std::string::npos) << s.status().message();
}

TEST(Sites, GridLatticeInsideTheArea) {
  auto t = test_terrain();
  auto d = spec(Hypothesis::kGrid, 0);
  d.spacing_m = 480;  // 3840 m / 480 = 8 per row
  auto s = make_sites(d, t, whole(t), 1).value();
  ASSERT_EQ(s.size(), 64u);
  EXPECT_DOUBLE_EQ(s[0].x_m, 499240);
  EXPECT_DOUBLE_EQ(s[0].y_m, 1199760);
  EXPECT_DOUBLE_EQ(s[1].x_m - s[0].x_m, 480);
  d.count = 16;  // capped: an even thinning
  auto c = make_sites(d, t, whole(t), 1).value();
  ASSERT_EQ(c.size(), 16u);
  EXPECT_DOUBLE_EQ(c[15].x_m, s[60].x_m);
}

TEST(Sites, HighGroundTakesTheHighestCellsWithSeparation) {
  auto t = test_terrain();
  auto d = spec(Hypothesis::kHighGround, 6);
  d.min_separation_m = 600;
  auto s = make_sites(d, t, whole(t), 1).value();
  ASSERT_EQ(s.size(), 6u);
  const float top = *std::max_element(t.elevations_m().begin(), t.elevations_m().end());
  EXPECT_EQ(s[0].ground_msl_m, top);
  for (std::size_t i = 0; i < s.size(); ++i)
    for (std::size_t j = i + 1; j < s.size(); ++j) EXPECT_GE(std::hypot(s[i].x_m - s[j].x_m, s[i].y_m - s[j].y_m), 600);
  for (std::size_t i = 1; i < s.size(); ++i) EXPECT_LE(s[i].ground_msl_m, s[i - 1].ground_msl_m);
  // Independent check of the rule: no skipped cell is higher than the last site and clear of all sites.
  const auto& g = t.geometry();
  for (int r = 0; r < g.height; ++r)
    for (int c = 0; c < g.width; ++c) {
      if (t.elevation_m(c, r) <= s.back().ground_msl_m) continue;
      double nearest = 1e30;
      for (const auto& site : s)
        nearest = std::min(nearest, std::hypot(site.x_m - g.cell_center_x_m(c), site.y_m - g.cell_center_y_m(r)));
      EXPECT_TRUE(nearest < 600 || nearest == 0) << c << "," << r;
    }
}

// Reference for the high-ground rule: sort every cell, greedy with a brute-force distance check.
std::vector<std::pair<double, double>> naive_high_ground(const Terrain& t, int count, double sep) {
  std::vector<std::int64_t> cells(static_cast<std::size_t>(t.geometry().cell_count()));
  for (std::size_t i = 0; i < cells.size(); ++i) cells[i] = static_cast<std::int64_t>(i);
  const auto& z = t.elevations_m();
  std::stable_sort(cells.begin(), cells.end(), [&](std::int64_t a, std::int64_t b) { return z[a] > z[b]; });
  std::vector<std::pair<double, double>> out;
  const auto& g = t.geometry();
  for (auto c : cells) {
    if (static_cast<int>(out.size()) == count) break;
    const double x = g.cell_center_x_m(static_cast<int>(c % g.width)), y = g.cell_center_y_m(static_cast<int>(c / g.width));
    bool ok = true;
    for (const auto& p : out) ok = ok && std::hypot(p.first - x, p.second - y) >= sep;
    if (ok) out.emplace_back(x, y);
  }
  return out;
}

TEST(Sites, HighGroundMatchesAFullSortReference) {
  auto t = test_terrain();
  std::vector<float> sorted = t.elevations_m();
  std::sort(sorted.begin(), sorted.end(), std::greater<>());
  // The second case reaches below the 4096 highest cells, so the banded walk needs several
  // elevation groups (each >= 4096 cells); the reference sorts everything at once.
  for (auto [count, sep] : {std::pair{6, 600.0}, std::pair{40, 450.0}}) {
    auto d = spec(Hypothesis::kHighGround, count);
    d.min_separation_m = sep;
    auto s = make_sites(d, t, whole(t), 1);
    ASSERT_TRUE(s.ok()) << s.status().message();
    const auto ref = naive_high_ground(t, count, sep);
    ASSERT_EQ(s->size(), ref.size());
    for (std::size_t i = 0; i < ref.size(); ++i) {
      EXPECT_EQ((*s)[i].x_m, ref[i].first) << i;
      EXPECT_EQ((*s)[i].y_m, ref[i].second) << i;
    }
    if (count == 40) {
      EXPECT_LT(s->back().ground_msl_m, sorted[4096]);
    }
  }
}

TEST(Sites, HighGroundThatCannotFitIsAnError) {
  auto t = test_terrain();
  auto d = spec(Hypothesis::kHighGround, 50);
  d.min_separation_m = 2000;  // a 3.84 km square holds at most a handful
  auto s = make_sites(d, t, whole(t), 1);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("of 50 high-ground sites fit"), std::string::npos) << s.status().message();
}

TEST(Sites, CsvInLonLatForAUtmDem) {
  test::TempDir dir;
  auto t = test_terrain();
  // On the zone's central meridian (69 W) UTM easting is exactly 500000 m.
  const auto [lon2, lat2] = utm_to_lonlat(501234.5, 1198765.5);
  std::ofstream(dir.path() / "s.csv") << "id,x,y,height_agl_m,missiles\n"
                                      << fmt::format("a,-69.0,{:.10f},5,4\n", utm_to_lonlat(500000, 1199000).second)
                                      << fmt::format("b,{:.10f},{:.10f},,\n", lon2, lat2);
  auto d = spec(Hypothesis::kFile, 0);
  d.file = dir.path() / "s.csv";
  d.crs = "EPSG:4326";
  auto s = make_sites(d, t, whole(t), 3);
  ASSERT_TRUE(s.ok()) << s.status().message();
  ASSERT_EQ(s->size(), 2u);
  EXPECT_EQ((*s)[0].id, "a");
  EXPECT_NEAR((*s)[0].x_m, 500000, 1e-3);
  EXPECT_NEAR((*s)[0].y_m, 1199000, 1e-3);
  EXPECT_DOUBLE_EQ((*s)[0].height_agl_m, 5);
  EXPECT_EQ((*s)[0].missiles, 4);
  EXPECT_NEAR((*s)[1].x_m, 501234.5, 1e-3);
  EXPECT_EQ((*s)[1].missiles, 3);        // default from the system
  EXPECT_DOUBLE_EQ((*s)[1].height_agl_m, 2);
}

TEST(Sites, GeoJsonPointsUseTheFilesOwnCrs) {
  test::TempDir dir;
  auto t = test_terrain();
  const auto [lon, lat] = utm_to_lonlat(500500, 1198500);
  std::ofstream(dir.path() / "p.geojson")
      << R"({"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"hill","height_agl_m":10},)"
      << fmt::format(R"("geometry":{{"type":"Point","coordinates":[{:.10f},{:.10f}]}}}}]}})", lon, lat);
  auto d = spec(Hypothesis::kFile, 0);
  d.file = dir.path() / "p.geojson";
  auto s = make_sites(d, t, whole(t), 1);
  ASSERT_TRUE(s.ok()) << s.status().message();
  ASSERT_EQ(s->size(), 1u);
  EXPECT_EQ((*s)[0].id, "hill");
  EXPECT_NEAR((*s)[0].x_m, 500500, 1e-3);
  EXPECT_NEAR((*s)[0].y_m, 1198500, 1e-3);
  EXPECT_DOUBLE_EQ((*s)[0].height_agl_m, 10);
}

TEST(Sites, OffDemAndNodataSitesAreListedOrDropped) {
  test::TempDir dir;
  auto t = test_terrain();
  std::vector<float> z = t.elevations_m();
  z[t.index(10, 10)] = std::numeric_limits<float>::quiet_NaN();
  Terrain holed(t.geometry(), z);
  const auto& g = holed.geometry();
  std::ofstream(dir.path() / "s.csv") << "id,x,y\n"
                                      << fmt::format("ok,{},{}\n", g.cell_center_x_m(3), g.cell_center_y_m(3))
                                      << fmt::format("wet,{},{}\n", g.cell_center_x_m(10), g.cell_center_y_m(10))
                                      << "far,0,0\n";
  auto d = spec(Hypothesis::kFile, 0);
  d.file = dir.path() / "s.csv";
  auto s = make_sites(d, holed, whole(holed), 1);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kOutOfRange);
  EXPECT_NE(s.status().message().find("2 site(s)"), std::string::npos) << s.status().message();
  EXPECT_NE(s.status().message().find("wet, far"), std::string::npos) << s.status().message();
  d.drop_invalid_sites = true;
  auto kept = make_sites(d, holed, whole(holed), 1);
  ASSERT_TRUE(kept.ok());
  ASSERT_EQ(kept->size(), 1u);
  EXPECT_EQ((*kept)[0].id, "ok");
  // Issue 9: every site invalid leaves none; that is an error, not a run with 0 sites.
  std::ofstream(dir.path() / "s.csv") << "id,x,y\nfar,0,0\n" << fmt::format("wet,{},{}\n", g.cell_center_x_m(10), g.cell_center_y_m(10));
  auto none = make_sites(d, holed, whole(holed), 1);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("none is left"), std::string::npos) << none.status().message();
}

// Issue 9 minor: quoted ids with commas are read whole; a header naming a column twice is refused.
TEST(Sites, CsvQuotedFieldsAndDuplicateColumns) {
  test::TempDir dir;
  auto t = test_terrain();
  const auto& g = t.geometry();
  std::ofstream(dir.path() / "s.csv") << "id,x,y\n"
                                      << fmt::format("\"hill, north\",{},{}\n", g.cell_center_x_m(3), g.cell_center_y_m(3));
  auto d = spec(Hypothesis::kFile, 0);
  d.file = dir.path() / "s.csv";
  auto s = make_sites(d, t, whole(t), 1);
  ASSERT_TRUE(s.ok()) << s.status().message();
  ASSERT_EQ(s->size(), 1u);
  EXPECT_EQ((*s)[0].id, "hill, north");
  std::ofstream(dir.path() / "s.csv") << "id,x,y,x\na,1,2,3\n";
  auto dup = make_sites(d, t, whole(t), 1);
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.status().message().find("names the column 'x' twice"), std::string::npos) << dup.status().message();
}

TEST(Sites, BadCsvIsAnError) {
  test::TempDir dir;
  std::ofstream(dir.path() / "s.csv") << "name,x,y\n";
  auto d = spec(Hypothesis::kFile, 0);
  d.file = dir.path() / "s.csv";
  auto t = test_terrain();
  auto s = make_sites(d, t, whole(t), 1);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("id, x, y"), std::string::npos);
  std::ofstream(dir.path() / "s.csv") << "id,x,y\na,1e3,oops\n";
  auto s2 = make_sites(d, t, whole(t), 1);
  ASSERT_FALSE(s2.ok());
  EXPECT_NE(s2.status().message().find(":2: column y is 'oops'"), std::string::npos) << s2.status().message();
}

// ---- Site-file values obey the scenario's own bounds (height_agl_m >= 0, missiles 1..1000).

Result<std::vector<Site>> csv_sites(const fs::path& dir, const std::string& text) {
  std::ofstream(dir / "s.csv") << text;
  auto t = test_terrain();
  auto d = spec(Hypothesis::kFile, 0);
  d.file = dir / "s.csv";
  return make_sites(d, t, whole(t), 1);
}

std::string centre_row(const char* id, const std::string& extra) {
  const auto g = test_terrain().geometry();
  return fmt::format("{},{},{}{}\n", id, g.cell_center_x_m(5), g.cell_center_y_m(5), extra);
}

TEST(SiteFiles, CsvRejectsNegativeHeightNamingFileAndLine) {
  test::TempDir dir;
  auto s = csv_sites(dir.path(), "id,x,y,height_agl_m\n" + centre_row("a", ",3") + centre_row("b", ",-20"));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kInvalidInput);
  const auto& m = s.status().message();
  EXPECT_NE(m.find("s.csv:3"), std::string::npos) << m;
  EXPECT_NE(m.find("height_agl_m is -20"), std::string::npos) << m;
}

TEST(SiteFiles, CsvRejectsMissilesOutOfRangeOrFractional) {
  test::TempDir dir;
  // 1e12 used to pass ">= 1 and whole" and then overflow the int conversion (UB).
  for (const char* bad : {"1e12", "1001", "0", "2.5", "-3"}) {
    auto s = csv_sites(dir.path(), "id,x,y,missiles\n" + centre_row("a", std::string(",") + bad));
    ASSERT_FALSE(s.ok()) << bad;
    EXPECT_EQ(s.status().code(), StatusCode::kInvalidInput) << bad;
    EXPECT_NE(s.status().message().find("s.csv:2: missiles is"), std::string::npos) << s.status().message();
    EXPECT_NE(s.status().message().find("from 1 to 1000"), std::string::npos) << s.status().message();
  }
  auto ok = csv_sites(dir.path(), "id,x,y,missiles,height_agl_m\n" + centre_row("a", ",1000,0"));
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ((*ok)[0].missiles, 1000);
  EXPECT_DOUBLE_EQ((*ok)[0].height_agl_m, 0);
}

TEST(SiteFiles, CsvWithUtf8ByteOrderMarkReadsItsHeader) {
  test::TempDir dir;
  auto s = csv_sites(dir.path(), "\xEF\xBB\xBFid,x,y,missiles\n" + centre_row("a", ",4"));
  ASSERT_TRUE(s.ok()) << s.status().message();
  ASSERT_EQ(s->size(), 1u);
  EXPECT_EQ((*s)[0].id, "a");
  EXPECT_EQ((*s)[0].missiles, 4);
}

TEST(SiteFiles, GeoJsonRejectsNegativeHeightAndMissilesNamingTheFeature) {
  test::TempDir dir;
  auto t = test_terrain();
  const auto& g = t.geometry();
  auto feature = [&](const char* id, const char* props) {
    return fmt::format(R"({{"type":"Feature","properties":{{"id":"{}"{}}},"geometry":{{"type":"Point","coordinates":[{},{}]}}}})",
                       id, props, g.cell_center_x_m(5), g.cell_center_y_m(5));
  };
  for (const auto& [props, field] : {std::pair{R"(,"height_agl_m":-20)", "height_agl_m is -20"},
                                     std::pair{R"(,"missiles":-3)", "missiles is -3"},
                                     std::pair{R"(,"missiles":1e12)", "missiles is 1"}}) {
    std::ofstream(dir.path() / "p.geojson") << R"({"type":"FeatureCollection","features":[)" << feature("ok", "")
                                            << "," << feature("bad", props) << "]}";
    auto d = spec(Hypothesis::kFile, 0);
    d.file = dir.path() / "p.geojson";
    d.crs = "EPSG:32619";  // the coordinates are the terrain's UTM metres, not GeoJSON's default lon/lat
    auto s = make_sites(d, t, whole(t), 1);
    ASSERT_FALSE(s.ok()) << props;
    EXPECT_EQ(s.status().code(), StatusCode::kInvalidInput);
    const auto& m = s.status().message();
    EXPECT_NE(m.find("p.geojson: feature 1 (id 'bad')"), std::string::npos) << m;
    EXPECT_NE(m.find(field), std::string::npos) << m;
  }
}

TEST(SiteFiles, LauncherStandsOnItsCellCentre) {
  auto t = test_terrain();
  const auto& g = t.geometry();
  Site s;
  s.x_m = g.cell_center_x_m(7) + 0.4 * g.cell_size_m;
  s.y_m = g.cell_center_y_m(9) - 0.3 * g.cell_size_m;
  s.height_agl_m = 4;
  const auto p = launcher_position(s, t);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->col, 7);
  EXPECT_EQ(p->row, 9);
  EXPECT_DOUBLE_EQ(p->x_m, g.cell_center_x_m(7));
  EXPECT_DOUBLE_EQ(p->y_m, g.cell_center_y_m(9));
  EXPECT_DOUBLE_EQ(p->ground_msl_m, t.elevation_m(7, 9));
  EXPECT_DOUBLE_EQ(p->eye_msl_m, t.elevation_m(7, 9) + 4);
  s.x_m = g.origin_x_m - 1;
  EXPECT_FALSE(launcher_position(s, t).has_value());
}

}  // namespace
}  // namespace skycover
