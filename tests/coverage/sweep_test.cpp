#include "skycover/coverage/sweep.hpp"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace skycover
