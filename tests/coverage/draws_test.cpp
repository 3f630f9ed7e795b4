// Placement draws (coverage/draws.hpp): seeds, statistics, reproducibility, and the interval
// against the flat-ground Poisson formula.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include <fmt/format.h>

#include "skycover/coverage/draws.hpp"
#include "skycover/scenario/scenario.hpp"

namespace skycover {
namespace {

TEST(Draws, StudentQuantilesMatchTheTablesAndTheNormalLimit) {
  EXPECT_DOUBLE_EQ(student_t_975(1), 12.706);
  EXPECT_DOUBLE_EQ(student_t_975(9), 2.262);
  EXPECT_DOUBLE_EQ(student_t_975(30), 2.042);
  EXPECT_NEAR(student_t_975(31), 2.0395, 2e-4);   // tables: 2.0395
  EXPECT_NEAR(student_t_975(60), 2.0003, 2e-4);   // 2.0003
  EXPECT_NEAR(student_t_975(120), 1.9799, 2e-4);  // 1.9799
  EXPECT_NEAR(student_t_975(100000), 1.95996, 1e-4);
  EXPECT_TRUE(std::isnan(student_t_975(0)));
}

TEST(Draws, StatisticsAreTheSampleMeanSdAndTInterval) {
  const DrawStatistics s = draw_statistics({1, 2, 3, 4});
  EXPECT_DOUBLE_EQ(s.mean, 2.5);
  EXPECT_NEAR(s.sd, std::sqrt(5.0 / 3.0), 1e-15);
  EXPECT_NEAR(s.ci95_hi - s.mean, 3.182 * std::sqrt(5.0 / 3.0) / 2, 1e-12);
  EXPECT_NEAR(s.mean - s.ci95_lo, s.ci95_hi - s.mean, 1e-15);
  const DrawStatistics one = draw_statistics({0.4});
  EXPECT_EQ(one.sd, 0);
  EXPECT_EQ(one.ci95_lo, 0.4);
}

TEST(Draws, DrawZeroKeepsTheSeedAndOtherDrawsDiffer) {
  EXPECT_EQ(draw_seed(11, 0), 11u);
  std::set<std::uint64_t> seen{11};
  for (int d = 1; d <= 1000; ++d) EXPECT_TRUE(seen.insert(draw_seed(11, d)).second) << d;
  EXPECT_NE(draw_seed(11, 1), draw_seed(12, 1));
}

// Flat ground (relief 0), one uniform deployment of N sites with a short range, one band: each
// draw's covered share scatters around the Poisson formula 1 - exp(-N pi r^2 / A) (the engine's
// flat_expected_fraction), less a small edge loss (sites inside the area, discs cut at its edge).
// Over M independent experiments of K draws each, the 95 % intervals cover the pooled mean of all
// M K draws about 95 % of the time, and the pooled mean lies within the edge loss of the formula.
TEST(Draws, IntervalsCoverTheMeanAtTheStatedRateAndThePoissonFormulaOnFlatGround) {
  constexpr int kExperiments = 30, kDraws = 8, kSites = 300;
  auto scenario_text = [&](int seed) {
    return fmt::format(
        "[terrain]\nsynthetic = {{ width = 300, height = 300, cell_m = 30, relief_m = 0, seed = 1 }}\n"
        "[[systems]]\nname = \"s\"\nmin_range_m = 0\nmax_range_m = 300\nmin_altitude_m = 0\nmax_altitude_m = 3000\n"
        "reaction_time_s = 5\nmissile_speed_mps = 500\n"
        "[[deployments]]\nsystem = \"s\"\nhypothesis = \"uniform\"\ncount = {}\nheight_agl_m = 2\nseed = {}\n"
        "[analysis]\nbands_agl_m = [50]\n",
        kSites, seed);
  };
  std::vector<std::vector<double>> experiments;
  std::vector<double> pooled;
  double poisson = 0;
  for (int e = 0; e < kExperiments; ++e) {
    const auto parsed = parse_scenario_text(scenario_text(1000 + e), "flat.toml");
    ASSERT_TRUE(parsed.scenario) << (parsed.diagnostics.empty() ? "" : parsed.diagnostics[0].to_string());
    auto prepared = prepare_scenario(*parsed.scenario);
    ASSERT_TRUE(prepared.ok()) << prepared.status().message();
    CoverageOptions opt;
    opt.split_masking = e == 0;  // the formula once
    auto draws = run_draws(*prepared, 0, kDraws, opt);
    ASSERT_TRUE(draws.ok()) << draws.status().message();
    if (e == 0) poisson = *(*draws)[0].coverage.bands[0].flat_expected_fraction;
    std::vector<double> f;
    for (const PlacementDraw& d : *draws) f.push_back(d.coverage.bands[0].fraction);
    pooled.insert(pooled.end(), f.begin(), f.end());
    experiments.push_back(f);
  }
  const DrawStatistics all = draw_statistics(pooled);
  int covered = 0;
  for (const auto& f : experiments) {
    const DrawStatistics s = draw_statistics(f);
    covered += s.ci95_lo <= all.mean && all.mean <= s.ci95_hi;
  }
  // 95 % nominal: 28.5 of 30 expected; 25 or more holds with probability > 0.99 (binomial).
  EXPECT_GE(covered, 25) << "intervals covering the pooled mean " << all.mean;
  // Edge loss: discs of r = 10 cells cut at the edge of a 300-cell square lose about
  // 4 r / (pi 300) of their area on average, a few per cent of the covered share.
  EXPECT_GT(poisson, 0.3);
  EXPECT_LT(poisson, 0.9);
  EXPECT_LT(all.mean, poisson) << "the edge can only lose coverage";
  EXPECT_GT(all.mean, poisson * (1 - 4.0 * 10 / (3.14159 * 300)) - 0.01) << "pooled " << all.mean << " vs Poisson " << poisson;
}

TEST(Draws, ReproducibleAndOnlyRandomDeploymentsMove) {
  const std::string text =
      "[terrain]\nsynthetic = { width = 120, height = 120, cell_m = 30, relief_m = 400, seed = 3 }\n"
      "[[systems]]\nname = \"a\"\npreset = \"igla-s\"\n"
      "[[deployments]]\nsystem = \"a\"\nhypothesis = \"uniform\"\ncount = 5\nseed = 7\n"
      "[[deployments]]\nsystem = \"a\"\nhypothesis = \"high_ground\"\ncount = 2\n"
      "[analysis]\nbands_agl_m = [50, 500]\n";
  const auto parsed = parse_scenario_text(text, "s.toml");
  ASSERT_TRUE(parsed.scenario);
  EXPECT_TRUE(has_random_deployment(*parsed.scenario));
  const Scenario d3 = scenario_for_draw(*parsed.scenario, 3);
  EXPECT_EQ(d3.deployments[0].seed, draw_seed(7, 3));
  EXPECT_EQ(d3.deployments[1].seed, parsed.scenario->deployments[1].seed);
  auto prepared = prepare_scenario(*parsed.scenario);
  ASSERT_TRUE(prepared.ok());
  CoverageOptions one, two;
  one.threads = 1;
  two.threads = 2;
  auto a = run_draws(*prepared, 0, 4, one), b = run_draws(*prepared, 0, 4, two);
  ASSERT_TRUE(a.ok() && b.ok());
  for (std::size_t d = 0; d < 4; ++d)
    for (std::size_t k = 0; k < 2; ++k) {
      EXPECT_EQ((*a)[d].coverage.bands[k].multiplicity, (*b)[d].coverage.bands[k].multiplicity);
      EXPECT_EQ((*a)[d].coverage.bands[k].fraction, (*b)[d].coverage.bands[k].fraction);
    }
  EXPECT_NE((*a)[0].coverage.bands[0].fraction, (*a)[1].coverage.bands[0].fraction);
}

}  // namespace
}  // namespace skycover
