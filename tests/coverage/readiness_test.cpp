// Readiness ([[deployments]] readiness): the closed form from the multiplicity histogram, checked
// against Monte Carlo draws of which sites are ready on flat ground; and raids drawing each site's
// availability per trial.
#include <gtest/gtest.h>

#include <cmath>

#include <fmt/format.h>

#include "exposure/exposure_fixtures.hpp"
#include "skycover/core/random.hpp"
#include "skycover/coverage/coverage.hpp"
#include "skycover/raid/raid.hpp"
#include "skycover/scenario/scenario.hpp"

namespace skycover {
namespace {

TEST(Readiness, ClosedFormFromTheMultiplicityHistogram) {
  // 20 cells: 10 reached by nobody, 5 by one site, 3 by two, 2 by three; a = 0.5.
  EXPECT_DOUBLE_EQ(engageable_probability({10, 5, 3, 2}, 20, 0.5), (5 * 0.5 + 3 * 0.75 + 2 * 0.875) / 20);
  EXPECT_DOUBLE_EQ(engageable_probability({10, 5, 3, 2}, 20, 1.0), 10.0 / 20);  // = the covered share
  EXPECT_DOUBLE_EQ(engageable_probability({10, 5, 3, 2}, 20, 0.0), 0.0);
  std::vector<Site> sites(3);
  EXPECT_EQ(common_readiness(sites), 1.0);
  sites[1].readiness = 0.4;
  EXPECT_FALSE(common_readiness(sites).has_value());
}

// Flat ground (160^2 cells of 30 m), a 600 m system and `deployments` (TOML [[deployments]] tables).
PreparedScenario flat_ground_scenario(const std::string& deployments, const std::string& bands) {
  const auto parsed = parse_scenario_text(
      "[terrain]\nsynthetic = { width = 160, height = 160, cell_m = 30, relief_m = 0, seed = 1 }\n"
      "[[systems]]\nname = \"s\"\nmin_range_m = 0\nmax_range_m = 600\nmin_altitude_m = 0\nmax_altitude_m = 3000\n"
      "reaction_time_s = 5\nmissile_speed_mps = 500\n" +
          deployments + "[analysis]\nbands_agl_m = " + bands + "\n",
      "ready.toml");
  EXPECT_TRUE(parsed.scenario) << (parsed.diagnostics.empty() ? "" : parsed.diagnostics[0].to_string());
  auto p = prepare_scenario(*parsed.scenario);
  EXPECT_TRUE(p.ok()) << p.status().message();
  return std::move(p).value();
}

// The first band's covered share over `trials` random subsets of ready sites, each site kept with
// its own readiness (stream `seed`): {mean, sample sd}.
std::pair<double, double> monte_carlo_ready_share(const PreparedScenario& p, int trials, std::uint64_t seed) {
  CoverageOptions opt;
  opt.split_masking = false;
  double sum = 0, sum2 = 0;
  const auto bands = analysis_bands(p.scenario.analysis);
  for (int t = 0; t < trials; ++t) {
    std::vector<Site> ready;
    for (std::size_t i = 0; i < p.sites.size(); ++i)
      if (u01(seed, static_cast<std::uint64_t>(t), i) < p.sites[i].readiness) ready.push_back(p.sites[i]);
    auto r = compute_coverage(
        CoverageInputs{p.terrain, p.area, ready, p.scenario.systems, bands, analysis_visibility(p.scenario.analysis)}, opt);
    EXPECT_TRUE(r.ok());
    sum += r->bands[0].fraction;
    sum2 += r->bands[0].fraction * r->bands[0].fraction;
  }
  const double mean = sum / trials;
  return {mean, std::sqrt((sum2 - trials * mean * mean) / (trials - 1))};
}

// Flat ground, 60 uniform sites at readiness 0.5: the closed form equals the mean covered share
// over random subsets of ready sites (each kept with probability 0.5), within 4 standard errors.
TEST(Readiness, ClosedFormMatchesMonteCarloOverReadySubsetsOnFlatGround) {
  const PreparedScenario p = flat_ground_scenario(
      "[[deployments]]\nsystem = \"s\"\nhypothesis = \"uniform\"\ncount = 60\nseed = 4\nreadiness = 0.5\n", "[100]");
  for (const Site& s : p.sites) ASSERT_EQ(s.readiness, 0.5);
  CoverageOptions opt;
  opt.split_masking = false;
  auto all = compute_coverage(p, opt);
  ASSERT_TRUE(all.ok());
  ASSERT_TRUE(all->readiness && all->bands[0].engageable_probability);
  const double closed = *all->bands[0].engageable_probability;
  EXPECT_LT(closed, all->bands[0].fraction);
  constexpr int kTrials = 300;
  const auto [mean, sd] = monte_carlo_ready_share(p, kTrials, 99);
  EXPECT_NEAR(mean, closed, 4 * sd / std::sqrt(kTrials)) << "Monte Carlo " << mean << " vs closed form " << closed;
}

// Two deployments at readiness 0.3 and 0.8 on flat ground: the per-cell product
// 1 - prod_c (1 - a_c)^k_c averaged over the area equals the mean covered share over random
// subsets of ready sites (each kept with its own deployment's probability), within 4 standard
// errors; the coverage itself (multiplicities) is the all-ready run's, and any tiling gives the
// same figure, bit for bit.
TEST(Readiness, MixedReadinessMatchesMonteCarloAndKeepsTheBytesAcrossTiles) {
  const PreparedScenario p = flat_ground_scenario(
      "[[deployments]]\nsystem = \"s\"\nhypothesis = \"uniform\"\ncount = 40\nseed = 4\nreadiness = 0.3\n"
      "[[deployments]]\nsystem = \"s\"\nhypothesis = \"uniform\"\ncount = 20\nseed = 5\nreadiness = 0.8\n",
      "[100, 400]");
  CoverageOptions opt;
  opt.split_masking = false;
  auto mixed = compute_coverage(p, opt);
  ASSERT_TRUE(mixed.ok());
  EXPECT_FALSE(mixed->readiness.has_value());
  EXPECT_EQ(mixed->readiness_levels, (std::vector<double>{0.3, 0.8}));
  ASSERT_TRUE(mixed->bands[0].engageable_probability);
  const double closed = *mixed->bands[0].engageable_probability;
  EXPECT_LT(closed, mixed->bands[0].fraction);
  // All ready: the same multiplicities (the per-class runs merge into one run's bytes).
  std::vector<Site> all_ready = p.sites;
  for (Site& s : all_ready) s.readiness = 1;
  const auto bands = analysis_bands(p.scenario.analysis);
  auto ready = compute_coverage(
      CoverageInputs{p.terrain, p.area, all_ready, p.scenario.systems, bands, analysis_visibility(p.scenario.analysis)},
      opt);
  ASSERT_TRUE(ready.ok());
  for (std::size_t b = 0; b < bands.size(); ++b) EXPECT_EQ(mixed->bands[b].multiplicity, ready->bands[b].multiplicity);
  // Tiles: the same figures, bit for bit.
  for (int tile : {48, 100}) {
    CoverageOptions t = opt;
    t.tile_cells = tile;
    auto tiled = compute_coverage(p, t);
    ASSERT_TRUE(tiled.ok());
    for (std::size_t b = 0; b < bands.size(); ++b) {
      EXPECT_EQ(tiled->bands[b].engageable_probability, mixed->bands[b].engageable_probability) << "tile " << tile;
      EXPECT_EQ(tiled->bands[b].multiplicity, mixed->bands[b].multiplicity);
    }
  }
  constexpr int kTrials = 300;
  const auto [mean, sd] = monte_carlo_ready_share(p, kTrials, 77);
  EXPECT_NEAR(mean, closed, 4 * sd / std::sqrt(kTrials)) << "Monte Carlo " << mean << " vs per-cell product " << closed;
}

TEST(Readiness, ScenarioBounds) {
  const std::string base =
      "[terrain]\nsynthetic = { width = 64, height = 64, cell_m = 30, relief_m = 100, seed = 1 }\n"
      "[[systems]]\nname = \"a\"\npreset = \"igla-s\"\n";
  const auto bad = parse_scenario_text(base + "[[deployments]]\nsystem = \"a\"\nhypothesis = \"uniform\"\ncount = 2\n"
                                              "readiness = 1.5\n",
                                       "s.toml");
  ASSERT_FALSE(bad.scenario);
  EXPECT_EQ(bad.diagnostics[0].field, "deployments[0].readiness");
}

// Raids: readiness 0 fires nothing; readiness 1 is the raid without readiness, bit for bit;
// in between, fewer shots on average.
TEST(Readiness, RaidsDrawEachSitesAvailabilityPerTrial) {
  const Terrain terrain = test::flat_terrain(1000, 100, 20);
  std::vector<SystemSpec> systems{test::test_system(0.5)};
  std::vector<Site> sites;
  for (int i = 0; i < 6; ++i) sites.push_back(test::make_site(terrain, fmt::format("s{}", i), 3000 + 2500 * i, 900, 5, 2));
  auto tracks = load_tracks({test::straight_track("t", 0, 1000, 20000, 1000, 250, 100)}, terrain);
  ASSERT_TRUE(tracks.ok());
  ExposureOptions eo;
  eo.terrain_masking = false;
  auto windows = find_engagement_windows(terrain, sites, systems, *tracks, VisibilityModel{}, eo);
  ASSERT_TRUE(windows.ok());
  auto raid_at = [&](double a) {
    std::vector<Site> s = sites;
    for (Site& x : s) x.readiness = a;
    auto plan = plan_raid(*tracks, *windows, s, systems);
    EXPECT_TRUE(plan.ok());
    RaidOptions ro;
    ro.trials = 4000;
    ro.seed = 3;
    return run_raid(*plan, ro);
  };
  const RaidResult none = raid_at(0.0), half = raid_at(0.5), full = raid_at(1.0);
  EXPECT_EQ(none.mean_missiles, 0.0);
  EXPECT_EQ(none.mean_survivors, 1.0);
  auto plan = plan_raid(*tracks, *windows, sites, systems);  // sites at their default readiness
  ASSERT_TRUE(plan.ok());
  RaidOptions ro;
  ro.trials = 4000;
  ro.seed = 3;
  const RaidResult plain = run_raid(*plan, ro);
  EXPECT_EQ(full.survivors_histogram, plain.survivors_histogram);
  EXPECT_EQ(full.missiles_histogram, plain.missiles_histogram);
  EXPECT_GT(half.mean_survivors, full.mean_survivors);
  EXPECT_LT(half.mean_missiles, full.mean_missiles);
}

}  // namespace
}  // namespace skycover
