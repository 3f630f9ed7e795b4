#include "skycover/coverage/sweep.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>

namespace skycover {
namespace {

constexpr const char* kScenario = R"(
[terrain]
synthetic = { width = 200, height = 200, cell_m = 100, relief_m = 600, seed = 3 }

[[systems]]
name = "igla-s"
preset = "igla-s"

[[deployments]]
system = "igla-s"
hypothesis = "uniform"
count = 5
seed = 9

[[deployments]]
system = "igla-s"
hypothesis = "clustered"
centres = [[510000, 1190000]]
sigma_m = 2000
count = 2
seed = 4

[analysis]
bands_agl_m = [100, 1000]
)";

Scenario parsed(const char* text = kScenario) {
  auto p = parse_scenario_text(text, "sweep_test.toml");
  EXPECT_TRUE(p.scenario.has_value()) << (p.diagnostics.empty() ? "" : p.diagnostics[0].to_string());
  return *p.scenario;
}

TEST(Sweep, OverridesOnlyTheFirstDeploymentsHypothesisAndCountAndKeepsItsSeed) {
  const Scenario s = parsed();
  auto d = override_first_deployment(s, {Hypothesis::kHighGround, 42, std::nullopt});
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ(d->hypothesis, Hypothesis::kHighGround);
  EXPECT_EQ(d->count, 42);
  EXPECT_EQ(d->seed, 9u);
  // Clustered takes its centres from the scenario's clustered deployment when none are given.
  auto c = override_first_deployment(s, {Hypothesis::kClustered, 3, std::nullopt});
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->centres.size(), 1u);
  EXPECT_DOUBLE_EQ(c->sigma_m, 2000);
  EXPECT_FALSE(parse_hypothesis("grid", "--hypotheses").ok());
}

TEST(Sweep, ClusteredWithoutCentresAnywhereIsAnErrorThatSaysWhatToAdd) {
  std::string text = kScenario;
  text = text.substr(0, text.find("[[deployments]]\nsystem = \"igla-s\"\nhypothesis = \"clustered\"")) +
         "[analysis]\nbands_agl_m = [100]\n";
  const Scenario s = parsed(text.c_str());
  auto c = override_first_deployment(s, {Hypothesis::kClustered, 3, std::nullopt});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("centres"), std::string::npos);
}

TEST(Sweep, RunsEveryHypothesisAndCountAndCoverageGrowsWithCount) {
  auto prepared = prepare_scenario(parsed());
  ASSERT_TRUE(prepared.ok()) << prepared.status().message();
  SweepSpec spec;
  spec.counts = {0, 2, 40};
  spec.hypotheses = {Hypothesis::kUniform, Hypothesis::kHighGround};
  auto rows = run_sweep(*prepared, spec, {});
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  ASSERT_EQ(rows->size(), 6u);
  EXPECT_EQ((*rows)[0].hypothesis, Hypothesis::kUniform);
  EXPECT_EQ((*rows)[3].hypothesis, Hypothesis::kHighGround);
  for (std::size_t h = 0; h < 2; ++h) {
    const auto& r0 = (*rows)[h * 3].coverage;
    const auto& r2 = (*rows)[h * 3 + 2].coverage;
    EXPECT_EQ(r0.site_count, 2);   // the second deployment's 2 sites stay
    EXPECT_EQ(r2.site_count, 42);
    for (std::size_t b = 0; b < 2; ++b) EXPECT_GT(r2.bands[b].fraction, r0.bands[b].fraction);
  }
  // Same scenario + seed => same numbers.
  auto again = run_sweep(*prepared, spec, {});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)[2].coverage.bands[0].multiplicity, (*rows)[2].coverage.bands[0].multiplicity);
}

TEST(SweepDraws, EachRowCarriesItsDrawsStatisticsAndDrawZeroIsTheRowItself) {
  auto prepared = prepare_scenario(parsed());
  ASSERT_TRUE(prepared.ok()) << prepared.status().message();
  SweepSpec spec;
  spec.counts = {4, 40};
  // high_ground is swept too: the second deployment (clustered) is still reseeded in every draw.
  spec.hypotheses = {Hypothesis::kUniform, Hypothesis::kHighGround};
  spec.draws = 6;
  auto rows = run_sweep(*prepared, spec, {});
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  SweepSpec plain = spec;
  plain.draws = 1;
  auto single = run_sweep(*prepared, plain, {});
  ASSERT_TRUE(single.ok());
  ASSERT_EQ(rows->size(), 4u);
  for (std::size_t i = 0; i < rows->size(); ++i) {
    const SweepRow& r = (*rows)[i];
    EXPECT_TRUE((*single)[i].draws.empty());
    ASSERT_EQ(r.draws.size(), 2u);  // bands
    for (std::size_t b = 0; b < 2; ++b) {
      const BandDrawSummary& d = r.draws[b];
      ASSERT_EQ(d.fractions.size(), 6u);
      // Draw 0 is the run as written: the same bits as the sweep without draws.
      EXPECT_EQ(d.fractions[0], (*single)[i].coverage.bands[b].fraction);
      EXPECT_EQ(r.coverage.bands[b].multiplicity, (*single)[i].coverage.bands[b].multiplicity);
      EXPECT_EQ(d.fraction.mean, draw_statistics(d.fractions).mean);
      EXPECT_LE(d.fraction.ci95_lo, d.fraction.mean);
      EXPECT_GE(d.fraction.ci95_hi, d.fraction.mean);
    }
    // The draws differ (the placements are random in every row).
    EXPECT_GT(r.draws[0].fraction.sd, 0.0) << "row " << i;
  }
  // Reproducible from the seed.
  auto again = run_sweep(*prepared, spec, {});
  ASSERT_TRUE(again.ok());
  for (std::size_t i = 0; i < rows->size(); ++i)
    EXPECT_EQ((*again)[i].draws[1].fractions, (*rows)[i].draws[1].fractions);
  spec.draws = 0;
  EXPECT_FALSE(run_sweep(*prepared, spec, {}).ok());
}

std::vector<CurvePoint> curve_of(std::vector<std::array<double, 4>> points) {  // count, mean, lo, hi
  std::vector<CurvePoint> c;
  for (const auto& p : points) c.push_back({p[0], DrawStatistics{p[1], 0.01, p[2], p[3]}});
  return c;
}

TEST(SweepReadings, CoverageAtACountIsReadLogLinearlyBetweenSweptCounts) {
  const auto c = curve_of({{{100, 0.1, 0.08, 0.12}}, {{1000, 0.5, 0.45, 0.55}}, {{10000, 0.9, 0.88, 0.92}}});
  const CoverageAtCount at = coverage_at_count(c, 1000);
  ASSERT_TRUE(at.fraction);
  EXPECT_FALSE(at.interpolated);
  EXPECT_DOUBLE_EQ(at.fraction->mean, 0.5);
  // sqrt(100 * 1000) is half way in log(count): half way between the values and their bounds.
  const CoverageAtCount mid = coverage_at_count(c, std::sqrt(1e5));
  ASSERT_TRUE(mid.fraction);
  EXPECT_TRUE(mid.interpolated);
  EXPECT_NEAR(mid.fraction->mean, 0.3, 1e-12);
  EXPECT_NEAR(mid.fraction->ci95_lo, 0.265, 1e-12);
  EXPECT_NEAR(mid.fraction->ci95_hi, 0.335, 1e-12);
  EXPECT_FALSE(coverage_at_count(c, 50).fraction);     // below the swept counts
  EXPECT_FALSE(coverage_at_count(c, 20000).fraction);  // above
}

TEST(SweepReadings, TheCountForACoverageComesWithTheCountsOfItsBounds) {
  const auto c = curve_of({{{100, 0.1, 0.08, 0.12}}, {{1000, 0.5, 0.45, 0.55}}, {{10000, 0.9, 0.88, 0.92}}});
  const CountForCoverage r = count_for_coverage(c, 0.5);
  for (const CountBound& b : {r.count, r.count_lo, r.count_hi}) ASSERT_EQ(b.where, CountBound::Where::kBetween);
  EXPECT_NEAR(r.count.count, 1000, 1e-9);
  // The upper bound reaches 50 % sooner: 0.12 -> 0.55 at t = 0.38 / 0.43 of the decade.
  EXPECT_NEAR(r.count_lo.count, 100 * std::pow(10.0, 0.38 / 0.43), 1e-9);
  // The lower bound later: 0.45 -> 0.88 at t = 0.05 / 0.43 of the next decade.
  EXPECT_NEAR(r.count_hi.count, 1000 * std::pow(10.0, 0.05 / 0.43), 1e-9);
  EXPECT_LT(r.count_lo.count, r.count.count);
  EXPECT_GT(r.count_hi.count, r.count.count);
  const CountForCoverage high = count_for_coverage(c, 0.91);
  EXPECT_EQ(high.count.where, CountBound::Where::kBeyondLargest);  // the mean never reaches 91 %
  EXPECT_EQ(high.count_lo.where, CountBound::Where::kBetween);      // its upper bound does (92 %)
  EXPECT_EQ(high.count_hi.where, CountBound::Where::kBeyondLargest);
  const CountForCoverage low = count_for_coverage(c, 0.11);
  EXPECT_EQ(low.count.where, CountBound::Where::kBetween);
  EXPECT_EQ(low.count_lo.where, CountBound::Where::kAtOrBelowSmallest);  // 12 % already at 100 sites
  EXPECT_DOUBLE_EQ(low.count_lo.count, 100);
}

}  // namespace
}  // namespace skycover
