#include "skycover/coverage/coverage.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <numbers>


namespace skycover {
namespace {

GridGeometry flat_grid(int n, double cell) {
  GridGeometry g;
  g.width = g.height = n;
  g.cell_size_m = cell;
  g.origin_x_m = 400000;
  g.origin_y_m = 4000000;
  return g;
}

AreaMask mask_with_margin(const GridGeometry& g, int margin) {
  AreaMask m;
  m.geometry = g;
  m.inside.assign(g.cell_count(), 0);
  for (int r = margin; r < g.height - margin; ++r)
    for (int c = margin; c < g.width - margin; ++c) m.inside[static_cast<std::size_t>(r) * g.width + c] = 1;
  return m;
}

SystemSpec test_system(double range_m, double ceiling_m) {
  SystemSpec s;
  s.name = "test";
  s.max_range_m = range_m;
  s.max_altitude_m = ceiling_m;
  return s;
}

// N uniform sites over the whole DEM from the sites stage (make_sites, hypothesis uniform).
std::vector<Site> uniform_sites_over(const Terrain& terrain, int n, std::uint64_t seed) {
  DeploymentSpec d;
  d.system = "test";
  d.hypothesis = Hypothesis::kUniform;
  d.count = n;
  d.seed = seed;
  d.height_agl_m = 2;
  d.source = "test deployment";
  auto sites = make_sites(d, terrain, mask_with_margin(terrain.geometry(), 0), 1);
  EXPECT_TRUE(sites.ok()) << sites.status().message();
  return sites.ok() ? sites.value() : std::vector<Site>{};
}

// Area of the intersection of two disks of radius r whose centres are s apart.
double lens_area(double r, double s) {
  if (s >= 2 * r) return 0;
  return 2 * r * r * std::acos(s / (2 * r)) - 0.5 * s * std::sqrt(4 * r * r - s * s);
}

TEST(FlatExpectation, ReproducesTheClaimsQuickCheck) {
  // claim.md: N = 5,000 Igla-S (6 km), A = 916,000 km^2: about 46 % near the ground and 34 % at 3,500 m.
  SystemSpec igla = test_system(6000, 3500);
  Site s;
  s.height_agl_m = 2;
  const std::vector<Site> sites(5000, s);
  EXPECT_NEAR(flat_expected_fraction(sites, {igla}, {HeightReference::kAgl, 2}, 916000), 0.4607, 0.0005);
  EXPECT_NEAR(flat_expected_fraction(sites, {igla}, {HeightReference::kAgl, 3500}, 916000), 0.3347, 0.0005);
  // Above the ceiling nothing is reached; MSL bands use each site's own ground.
  EXPECT_EQ(flat_expected_fraction(sites, {igla}, {HeightReference::kAgl, 3600}, 916000), 0.0);
  std::vector<Site> high(5000, s);
  for (auto& x : high) x.ground_msl_m = 1000;
  EXPECT_NEAR(flat_expected_fraction(high, {igla}, {HeightReference::kMsl, 4500}, 916000), 0.3347, 0.0005);
}

TEST(FlatExpectation, MinimumRangeCutsOutTheInnerDisk) {
  SystemSpec sys = test_system(5000, 3000);
  sys.min_range_m = 500;
  Site s;
  s.height_agl_m = 0;
  // At dz = 300 m: pi * ((25e6 - 9e4) - (25e4 - 9e4)) m^2.
  EXPECT_NEAR(flat_reach_area_km2(sys, s, 300), std::numbers::pi * (25e6 - 25e4) * 1e-6, 1e-9);
  sys.min_altitude_m = 400;
  EXPECT_EQ(flat_reach_area_km2(sys, s, 300), 0.0);
}

TEST(SummarizeBand, CountsOnlyCellsInsideTheAreaAndBuildsTheHistogram) {
  const GridGeometry g = flat_grid(4, 1000);  // 1 km^2 cells
  EngagementUnion u;
  u.geometry = g;
  u.bands = {{HeightReference::kAgl, 50}};
  u.site_count = {{0, 1, 2, 3, 0, 1, 1, 0, 9, 9, 9, 9, 9, 9, 9, 9}};
  AreaMask m;
  m.geometry = g;
  m.inside = {1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0};
  const BandCoverage b = summarize_band(u, 0, m);
  EXPECT_EQ(b.area_cells, 8);
  EXPECT_EQ(b.covered_cells, 5);
  EXPECT_DOUBLE_EQ(b.area_km2, 8.0);
  EXPECT_DOUBLE_EQ(b.covered_km2, 5.0);
  EXPECT_DOUBLE_EQ(b.fraction, 5.0 / 8.0);
  EXPECT_EQ(b.multiplicity, (std::vector<std::int64_t>{3, 3, 1, 1}));
}

// Validation against the Poisson/binomial coverage formula on flat ground. N sites uniform over the
// whole DEM; only cells at least one range from the DEM edge count, so every counted cell sees the
// same site density (no edge effect). For a fixed N the exact expectation is binomial:
//   E[F] = 1 - (1 - a/A)^N,   a = pi (R^2 - dz^2),   A = DEM area.
// Its standard deviation follows from the pair covariance of "cell uncovered" indicators:
//   Cov(i, j) = (1 - (2a - I(s))/A)^N - (1 - a/A)^(2N),  I(s) = lens area at cell distance s,
//   Var(F) ~= (1/M) sum over cell offsets s of Cov(s)   (M counted cells).
struct FlatCase {
  double expected;
  double sigma;
};
FlatCase flat_case(double a_m2, double area_m2, int n, double cell_m, double r_m, std::int64_t counted_cells) {
  const double p = std::pow(1 - a_m2 / area_m2, n);
  double cov_sum = 0;
  const int k = static_cast<int>(std::ceil(2 * r_m / cell_m));
  for (int dy = -k; dy <= k; ++dy)
    for (int dx = -k; dx <= k; ++dx) {
      const double lens = lens_area(r_m, std::hypot(dx, dy) * cell_m);
      cov_sum += std::pow(1 - (2 * a_m2 - lens) / area_m2, n) - p * p;
    }
  return {1 - p, std::sqrt(std::max(0.0, cov_sum) / static_cast<double>(counted_cells))};
}

TEST(CoverageValidation, FlatGroundMatchesThePoissonFormulaAtTwoAltitudes) {
  const GridGeometry g = flat_grid(1000, 100);  // 100 km x 100 km
  const Terrain terrain(g, std::vector<float>(g.cell_count(), 100.0f));
  const double range_m = 1000;
  const AreaMask inner = mask_with_margin(g, 11);  // > one range (10 cells) from every edge
  const std::vector<SystemSpec> systems = {test_system(range_m, 1000)};
  const double area_m2 = 1e10;
  const int n = 2234;  // a * N / A ~ 0.7 at 50 m: coverage near 50 %, where the test is most sensitive
  const auto sites = uniform_sites_over(terrain, n, 42);
  ASSERT_EQ(static_cast<int>(sites.size()), n);
  const std::vector<AltitudeBand> bands = {{HeightReference::kAgl, 50}, {HeightReference::kAgl, 700}};
  CoverageOptions opt;
  opt.split_masking = false;
  auto res = compute_coverage(CoverageInputs{terrain, inner, sites, systems, bands, VisibilityModel{}}, opt);
  ASSERT_TRUE(res.ok()) << res.status().message();
  for (std::size_t b = 0; b < bands.size(); ++b) {
    const double dz = bands[b].altitude_m - 2;
    const double r_h = std::sqrt(range_m * range_m - dz * dz);
    const FlatCase ref = flat_case(std::numbers::pi * r_h * r_h, area_m2, n, 100, r_h, res->bands[b].area_cells);
    ASSERT_LT(ref.sigma, 0.01);  // the test can resolve a 4 % error
    // 4 sigma of Monte Carlo noise + 0.004 for rasterising disks of 7-10 cells' radius.
    EXPECT_NEAR(res->bands[b].fraction, ref.expected, 4 * ref.sigma + 0.004)
        << "band " << bands[b].altitude_m << " m, sigma " << ref.sigma;
    // The library's own Poisson expectation agrees too. It counts the sites standing inside the area
    // mask over the mask's area (same density as n over the DEM, up to the binomial noise of the
    // count inside: ~0.5 % of N, ~0.002 in the fraction).
    std::int64_t n_inside = 0;
    for (const auto& st : sites)
      n_inside += inner.contains(static_cast<int>(std::floor(g.col_of(st.x_m))), static_cast<int>(std::floor(g.row_of(st.y_m))));
    ASSERT_EQ(res->sites_in_area, n_inside);
    const double inner_m2 = static_cast<double>(res->bands[b].area_cells) * 100 * 100;
    ASSERT_TRUE(res->bands[b].flat_expected_fraction.has_value());
    EXPECT_NEAR(*res->bands[b].flat_expected_fraction,
                1 - std::exp(-static_cast<double>(n_inside) * std::numbers::pi * r_h * r_h / inner_m2), 1e-12);
    EXPECT_NEAR(*res->bands[b].flat_expected_fraction, ref.expected, 0.008);
    // Multiplicity is Poisson too: P(exactly 1) = m e^-m, m = N a / A.
    const double m = n * std::numbers::pi * r_h * r_h / area_m2;
    const auto& hist = res->bands[b].multiplicity;
    ASSERT_GE(hist.size(), 3u);
    EXPECT_NEAR(static_cast<double>(hist[1]) / res->bands[b].area_cells, m * std::exp(-m), 4 * ref.sigma + 0.004);
  }
  EXPECT_GT(res->bands[0].fraction, res->bands[1].fraction + 0.1);
}

TEST(CoverageValidation, FlatGroundHasNoMaskingLossAndIsThreadIndependent) {
  const GridGeometry g = flat_grid(300, 100);
  const Terrain terrain(g, std::vector<float>(g.cell_count(), 100.0f));
  const AreaMask inner = mask_with_margin(g, 11);
  const std::vector<SystemSpec> systems = {test_system(1000, 1000)};
  const auto sites = uniform_sites_over(terrain, 200, 7);
  const std::vector<AltitudeBand> bands = {{HeightReference::kAgl, 50}, {HeightReference::kMsl, 700}};
  CoverageOptions one;
  one.threads = 1;
  one.keep_union = true;
  CoverageOptions many = one;
  many.threads = 4;
  auto a = compute_coverage(CoverageInputs{terrain, inner, sites, systems, bands, VisibilityModel{}}, one);
  auto b = compute_coverage(CoverageInputs{terrain, inner, sites, systems, bands, VisibilityModel{}}, many);
  ASSERT_TRUE(a.ok() && b.ok());
  for (std::size_t i = 0; i < bands.size(); ++i) {
    EXPECT_EQ(a->bands[i].multiplicity, b->bands[i].multiplicity);
    EXPECT_NEAR(*a->bands[i].masking_loss_fraction, 0.0, 0.002);
    ASSERT_TRUE(a->bands[i].flat_expected_fraction.has_value());
  }
  ASSERT_TRUE(a->engagement && b->engagement);
  EXPECT_EQ(a->engagement->site_count, b->engagement->site_count);
  // MSL 700 m over ground at 100 m is 600 m AGL.
  EXPECT_NEAR(*a->bands[1].flat_expected_fraction,
              flat_expected_fraction(sites_inside_area(sites, inner), systems, {HeightReference::kAgl, 600},
                                     a->bands[1].area_km2),
              1e-12);
}

// Sites at the centres of the given cells, on the terrain's ground.
std::vector<Site> sites_at_cells(const Terrain& t, const std::vector<std::pair<int, int>>& cells) {
  std::vector<Site> out;
  for (const auto& [c, r] : cells) {
    Site s;
    s.id = fmt::format("s{}", out.size());
    s.x_m = t.geometry().cell_center_x_m(c);
    s.y_m = t.geometry().cell_center_y_m(r);
    s.ground_msl_m = t.elevation_m(c, r);
    s.height_agl_m = 2;
    out.push_back(s);
  }
  return out;
}

TEST(FlatExpectation, CountsOnlySitesInsideTheArea) {
  // Area = the left half of a 10 km x 10 km DEM (50 km^2). 20 sites stand inside it, 30 outside
  // (as a site file may put them): N = 20 in 1 - exp(-N a / A), not 50.
  const GridGeometry g = flat_grid(100, 100);
  const Terrain terrain(g, std::vector<float>(g.cell_count(), 0.0f));
  AreaMask half;
  half.geometry = g;
  half.inside.assign(g.cell_count(), 0);
  for (int r = 0; r < 100; ++r)
    for (int c = 0; c < 50; ++c) half.inside[static_cast<std::size_t>(r) * 100 + c] = 1;
  std::vector<std::pair<int, int>> cells;
  for (int i = 0; i < 20; ++i) cells.emplace_back(5 + 2 * (i % 20), 10 + 4 * (i % 20));
  for (int i = 0; i < 30; ++i) cells.emplace_back(55 + i, 5 + 3 * i);
  const auto sites = sites_at_cells(terrain, cells);
  ASSERT_EQ(sites_inside_area(sites, half).size(), 20u);
  const std::vector<SystemSpec> systems = {test_system(1000, 1000)};
  CoverageOptions opt;
  opt.split_masking = false;
  auto res = compute_coverage(CoverageInputs{terrain, half, sites, systems, {{HeightReference::kAgl, 302}}, VisibilityModel{}}, opt);
  ASSERT_TRUE(res.ok()) << res.status().message();
  EXPECT_EQ(res->site_count, 50);
  EXPECT_EQ(res->sites_in_area, 20);
  // a = pi (1000^2 - 300^2) m^2, A = 50 km^2.
  const double a_km2 = std::numbers::pi * (1e6 - 9e4) * 1e-6;
  EXPECT_NEAR(*res->bands[0].flat_expected_fraction, 1 - std::exp(-20 * a_km2 / 50.0), 1e-12);
}

TEST(CoverageDecomposition, LossesAddUpAndFlatRunIsTheSameSitesOnLevelGround) {
  // A plateau at 1,000 m (columns 0-59) beside a valley at 0 m (60-119), 100 m cells, 12 km x 8 km;
  // Rmax 3 km, ceiling 1,500 m above the site's ground. Four plateau sites far west (column 10),
  // one at the cliff (54), four valley sites at the cliff's foot (66) and two far east (100).
  GridGeometry g = flat_grid(120, 100);
  g.height = 80;
  std::vector<float> z(g.cell_count());
  for (int r = 0; r < g.height; ++r)
    for (int c = 0; c < g.width; ++c) z[static_cast<std::size_t>(r) * g.width + c] = c < 60 ? 1000.0f : 0.0f;
  const Terrain terrain(g, z);
  const AreaMask all = mask_with_margin(g, 0);
  std::vector<std::pair<int, int>> cells;
  for (int row : {10, 30, 50, 70}) cells.emplace_back(10, row), cells.emplace_back(66, row);
  cells.insert(cells.end(), {{54, 40}, {100, 20}, {100, 60}});
  const auto sites = sites_at_cells(terrain, cells);
  const std::vector<SystemSpec> systems = {test_system(3000, 1500)};
  const std::vector<AltitudeBand> bands = {{HeightReference::kAgl, 100}, {HeightReference::kAgl, 1200},
                                           {HeightReference::kAgl, 2000}};
  auto res = compute_coverage(CoverageInputs{terrain, all, sites, systems, bands, VisibilityModel{}});
  ASSERT_TRUE(res.ok()) << res.status().message();
  ASSERT_TRUE(res->flat_ground_msl_m.has_value());
  EXPECT_DOUBLE_EQ(*res->flat_ground_msl_m, 500.0);  // mean of the area: half at 1,000, half at 0

  // Independent reference for the flat run: a separately built level terrain at 500 m with the
  // same sites standing on it, line of sight clear.
  const Terrain level(g, std::vector<float>(g.cell_count(), 500.0f));
  auto moved = sites;
  for (auto& s : moved) s.ground_msl_m = 500;
  auto ref = compute_coverage(CoverageInputs{level, all, moved, systems, bands, VisibilityModel{}});
  ASSERT_TRUE(ref.ok());
  for (std::size_t b = 0; b < bands.size(); ++b) {
    const BandCoverage& bc = res->bands[b];
    ASSERT_TRUE(bc.flat_same_sites_fraction && bc.placement_loss_fraction && bc.relief_envelope_loss_fraction &&
                bc.masking_loss_fraction && bc.fraction_without_masking && bc.flat_expected_fraction);
    EXPECT_EQ(*bc.flat_same_sites_fraction, *ref->bands[b].fraction_without_masking) << "band " << b;
    EXPECT_DOUBLE_EQ(*bc.placement_loss_fraction, *bc.flat_expected_fraction - *bc.flat_same_sites_fraction);
    EXPECT_DOUBLE_EQ(*bc.relief_envelope_loss_fraction, *bc.flat_same_sites_fraction - *bc.fraction_without_masking);
    EXPECT_DOUBLE_EQ(*bc.masking_loss_fraction, *bc.fraction_without_masking - bc.fraction);
    EXPECT_NEAR(*bc.placement_loss_fraction + *bc.relief_envelope_loss_fraction + *bc.masking_loss_fraction,
                *bc.flat_expected_fraction - bc.fraction, 1e-12);
    // On level ground the decomposition finds no relief and no masking.
    EXPECT_EQ(*ref->bands[b].relief_envelope_loss_fraction, 0.0);
    EXPECT_NEAR(*ref->bands[b].masking_loss_fraction, 0.0, 0.002);
  }
  // 1,200 m AGL: on level ground every site reaches a disk of sqrt(3000^2 - 1198^2) = 2,750 m;
  // over the real relief the cliff-foot valley sites lose the plateau (targets at 2,200 m MSL,
  // above their 1,500 m MSL ceiling): a relief/envelope loss.
  EXPECT_GT(*res->bands[1].relief_envelope_loss_fraction, 0.02);
  // 2,000 m AGL: nothing on level ground (above the ceiling), but the cliff-top site reaches the
  // valley (2,000 m MSL <= its 2,500 m MSL ceiling): a negative relief loss, a real relief gain.
  EXPECT_EQ(*res->bands[2].flat_same_sites_fraction, 0.0);
  EXPECT_GT(*res->bands[2].fraction_without_masking, 0.02);
  EXPECT_LT(*res->bands[2].relief_envelope_loss_fraction, -0.02);
}

TEST(Coverage, RejectsNoBands) {
  const GridGeometry g = flat_grid(10, 100);
  const Terrain terrain(g, std::vector<float>(g.cell_count(), 0.0f));
  const AreaMask m = mask_with_margin(g, 0);
  const std::vector<Site> sites;
  const std::vector<SystemSpec> systems;
  auto r = compute_coverage(CoverageInputs{terrain, m, sites, systems, {}, VisibilityModel{}});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("bands_agl_m"), std::string::npos);
}

}  // namespace
}  // namespace skycover
