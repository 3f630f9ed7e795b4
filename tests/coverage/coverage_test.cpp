#include "skycover/coverage/coverage.hpp"

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
    // The library's own Poisson expectation (over the area mask, same density) agrees too.
    const double density_expected = 1 - std::exp(-n * std::numbers::pi * r_h * r_h / area_m2);
    EXPECT_NEAR(density_expected, ref.expected, 1e-3);
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
              flat_expected_fraction(sites, systems, {HeightReference::kAgl, 600}, a->bands[1].area_km2), 1e-12);
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
