#include <gtest/gtest.h>

#include <cmath>

#include <fmt/format.h>

#include "exposure/exposure_fixtures.hpp"
#include "skycover/raid/raid.hpp"
#include "skycover/raid/raid_products.hpp"

namespace skycover {
namespace {
using test::flat_terrain;
using test::make_site;
using test::straight_track;
using test::test_system;

struct World {
  Terrain terrain;
  std::vector<Site> sites;
  std::vector<SystemSpec> systems;
  std::vector<Track> tracks;
  std::vector<EngagementWindow> windows;
};

World make_world(std::vector<TrackSpec> specs, std::vector<std::array<double, 2>> site_xy, double pk, int missiles) {
  World w{flat_terrain(1000, 100, 20), {}, {test_system(pk)}, {}, {}};
  for (std::size_t i = 0; i < site_xy.size(); ++i)
    w.sites.push_back(make_site(w.terrain, fmt::format("s{}", i), site_xy[i][0], site_xy[i][1], 5, missiles));
  auto tracks = load_tracks(specs, w.terrain);
  EXPECT_TRUE(tracks.ok()) << tracks.status().message();
  w.tracks = std::move(tracks).value();
  ExposureOptions opt;
  opt.terrain_masking = false;
  auto win = find_engagement_windows(w.terrain, w.sites, w.systems, w.tracks, VisibilityModel{}, opt);
  EXPECT_TRUE(win.ok());
  w.windows = std::move(win).value();
  return w;
}

TEST(Raid, UniformStreamIsUniformAndStateless) {
  double sum = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) sum += raid_uniform(42, 7, static_cast<std::uint64_t>(i));
  // Mean of n U(0,1) draws: sd = 1/sqrt(12 n) = 6.5e-4; 5 sd.
  EXPECT_NEAR(sum / n, 0.5, 5 * 1.0 / std::sqrt(12.0 * n));
  EXPECT_EQ(raid_uniform(1, 2, 3), raid_uniform(1, 2, 3));
  EXPECT_NE(raid_uniform(1, 2, 3), raid_uniform(1, 3, 2));
}

// One target, unlimited missiles: the raid doctrine reduces to each site's shoot-look-shoot chain,
// so the fraction of trials in which the target survives is Binomial(N, S)/N with S the analytic
// survival prod(1 - Pk). Tolerance: 4 binomial standard deviations, sqrt(S (1 - S) / N) (a false
// failure has probability 6e-5; the seed is fixed, so the test is deterministic anyway).
TEST(Raid, MonteCarloAgreesWithAnalyticSurvival) {
  auto w = make_world({straight_track("t", 0, 1000, 20000, 1000, 250, 100)},
                      {{4000, 700}, {9000, 1500}, {9500, 300}, {13000, 1000}, {17000, 1900}}, 0.03, 1);
  ExposureOptions opt;
  opt.unlimited_missiles = true;
  auto ex = analyse_exposure(w.tracks, w.windows, w.sites, w.systems, opt);
  ASSERT_TRUE(ex.ok());
  const double S = (*ex)[0].survival;
  ASSERT_GT((*ex)[0].shots.size(), 10u);
  ASSERT_GT(S, 0.05);
  ASSERT_LT(S, 0.95);
  auto plan = plan_raid(w.tracks, w.windows, w.sites, w.systems, true);
  ASSERT_TRUE(plan.ok());
  RaidOptions ro;
  ro.trials = 20000;
  ro.seed = 2024;
  const auto r = run_raid(*plan, ro);
  ASSERT_EQ(r.survivors_histogram.size(), 2u);
  const double n = static_cast<double>(r.trials);
  const double p_hat = static_cast<double>(r.survivors_histogram[1]) / n;
  EXPECT_NEAR(p_hat, S, 4 * std::sqrt(S * (1 - S) / n)) << "analytic " << S << " Monte Carlo " << p_hat;
  // Missiles fired per trial against the analytic expectation sum_k P(alive at launch k).
  double sum = 0, sumsq = 0;
  for (std::size_t k = 0; k < r.missiles_histogram.size(); ++k) {
    sum += static_cast<double>(r.missiles_histogram[k] * static_cast<std::int64_t>(k));
    sumsq += static_cast<double>(r.missiles_histogram[k]) * static_cast<double>(k * k);
  }
  const double sd = std::sqrt((sumsq - sum * sum / n) / (n - 1));
  EXPECT_NEAR(r.mean_missiles, (*ex)[0].expected_shots, 4 * sd / std::sqrt(n));
}

TEST(Raid, FiniteMissilesAndOneEngagementAtATime) {
  // Two targets on the same track at the same time, one site, certain kills.
  auto spec = straight_track("pair", 0, 1000, 20000, 1000, 250, 100);
  spec.count = 2;
  spec.interval_s = 0;
  auto one = make_world({spec}, {{10000, 1000}}, 1.0, 1);
  auto plan1 = plan_raid(one.tracks, one.windows, one.sites, one.systems);
  ASSERT_TRUE(plan1.ok());
  RaidOptions ro;
  ro.trials = 50;
  const auto r1 = run_raid(*plan1, ro);
  EXPECT_EQ(r1.survivors_histogram[1], 50);  // one missile: exactly one target always gets through
  EXPECT_EQ(r1.missiles_histogram[1], 50);

  auto two = make_world({spec}, {{10000, 1000}}, 1.0, 2);
  auto plan2 = plan_raid(two.tracks, two.windows, two.sites, two.systems);
  ASSERT_TRUE(plan2.ok());
  const auto r2 = run_raid(*plan2, ro);
  EXPECT_EQ(r2.survivors_histogram[0], 50);  // second missile after the first intercept
  // The second launch waits for the first intercept (busy from launch to intercept).
  ExposureOptions opt;
  auto ex = analyse_exposure(two.tracks, two.windows, two.sites, two.systems, opt);
  ASSERT_TRUE(ex.ok());
  ASSERT_GE((*ex)[0].shots.size(), 2u);
  std::vector<std::int64_t> use(1, 0);
  const auto o = simulate_trial(*plan2, 1, 0, &use);
  EXPECT_EQ(o.missiles, 2);
  EXPECT_EQ(use[0], 2);
}

TEST(Raid, IdenticalBytesForAnyThreadCount) {
  auto a = straight_track("a", 0, 1000, 20000, 1000, 250, 100);
  a.count = 5;
  a.interval_s = 7;
  auto b = straight_track("b", 20000, 200, 0, 1800, 200, 50);
  b.count = 3;
  b.interval_s = 11;
  std::vector<std::array<double, 2>> xy;
  for (int i = 0; i < 24; ++i) xy.push_back({400.0 + 800 * i, 100.0 + 75 * i});
  auto w = make_world({a, b}, xy, 0.35, 2);
  auto plan = plan_raid(w.tracks, w.windows, w.sites, w.systems);
  ASSERT_TRUE(plan.ok());
  RaidOptions ro;
  ro.trials = 3000;
  ro.seed = 99;
  std::vector<std::string> dumps;
  for (int threads : {1, 2, 0}) {
    ro.threads = threads;
    const auto r = run_raid(*plan, ro);
    dumps.push_back(raid_json(r, *plan, w.tracks, w.sites).dump(2) + raid_survivors_csv(r) +
                    raid_sites_csv(r, *plan, w.sites));
  }
  EXPECT_EQ(dumps[0], dumps[1]);
  EXPECT_EQ(dumps[0], dumps[2]);
  // The raid is non-trivial: some targets survive in some trials and not in others.
  ro.threads = 0;
  const auto r = run_raid(*plan, ro);
  EXPECT_GT(r.survivors_p975, r.survivors_p025);
  EXPECT_LE(r.mean_ci95_lo, r.mean_survivors);
  EXPECT_GT(r.mean_missiles, 0);
  ro.seed = 100;
  EXPECT_NE(raid_json(run_raid(*plan, ro), *plan, w.tracks, w.sites).dump(), raid_json(r, *plan, w.tracks, w.sites).dump());
}


// With Pk = 0 nothing is ever killed, so for one target every trial must fire exactly the shots of
// the analytic shoot-look-shoot chains (finite and unlimited missiles): an exact cross-check of the
// event simulation against the analytic bookkeeping.
TEST(Raid, ZeroPkFiresExactlyTheAnalyticShots) {
  auto w = make_world({straight_track("t", 0, 1000, 20000, 1000, 250, 100)},
                      {{4000, 700}, {9000, 1500}, {9500, 300}, {13000, 1000}, {17000, 1900}}, 0.0, 2);
  for (bool unlimited : {false, true}) {
    ExposureOptions opt;
    opt.unlimited_missiles = unlimited;
    auto ex = analyse_exposure(w.tracks, w.windows, w.sites, w.systems, opt);
    ASSERT_TRUE(ex.ok());
    auto plan = plan_raid(w.tracks, w.windows, w.sites, w.systems, unlimited);
    ASSERT_TRUE(plan.ok());
    RaidOptions ro;
    ro.trials = 20;
    const auto r = run_raid(*plan, ro);
    const auto shots = static_cast<std::int64_t>((*ex)[0].shots.size());
    ASSERT_GT(shots, 5);
    EXPECT_EQ(r.survivors_histogram[1], 20);
    ASSERT_EQ(static_cast<std::int64_t>(r.missiles_histogram.size()), shots + 1) << "unlimited " << unlimited;
    EXPECT_EQ(r.missiles_histogram[shots], 20);
    // Per site, the same count as the analytic chain.
    for (std::size_t p = 0; p < plan->sites.size(); ++p) {
      std::int64_t n = 0;
      for (const auto& sh : (*ex)[0].shots) n += sh.site == plan->sites[p];
      EXPECT_EQ(r.site_missiles_total[p], 20 * n);
    }
  }
}

}  // namespace
}  // namespace skycover
