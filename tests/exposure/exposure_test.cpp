#include <gtest/gtest.h>

#include <cmath>

#include <fmt/format.h>

#include "exposure/exposure_fixtures.hpp"
#include "skycover/exposure/exposure.hpp"
#include "skycover/visibility/viewshed.hpp"

namespace skycover {
namespace {
using test::flat_terrain;
using test::make_site;
using test::straight_track;
using test::test_system;

ExposureOptions no_masking() {
  ExposureOptions o;
  o.terrain_masking = false;
  return o;
}
ExposureOptions unlimited() {
  ExposureOptions o;
  o.unlimited_missiles = true;
  return o;
}
ExposureOptions threads(int n) {
  ExposureOptions o;
  o.threads = n;
  return o;
}

struct Setup {
  Terrain terrain;
  std::vector<Site> sites;
  std::vector<SystemSpec> systems;
  std::vector<Track> tracks;
  std::vector<EngagementWindow> windows;
};

Setup run(Terrain terrain, std::vector<Site> sites, std::vector<TrackSpec> specs, ExposureOptions opt = {},
          SystemSpec sys = test_system()) {
  Setup s{std::move(terrain), std::move(sites), {sys}, {}, {}};
  auto tracks = load_tracks(specs, s.terrain);
  EXPECT_TRUE(tracks.ok()) << tracks.status().message();
  s.tracks = std::move(tracks).value();
  auto w = find_engagement_windows(s.terrain, s.sites, s.systems, s.tracks, VisibilityModel{}, opt);
  EXPECT_TRUE(w.ok()) << w.status().message();
  s.windows = std::move(w).value();
  return s;
}

TEST(Exposure, TrueRuns) {
  EXPECT_EQ(true_runs({0, 1, 1, 0, 1, 0, 0, 1}), (std::vector<std::pair<int, int>>{{1, 2}, {4, 4}, {7, 7}}));
  EXPECT_TRUE(true_runs({0, 0}).empty());
}

// Head-on geometry, target at the launcher's eye height (dz = 0), flying along +x over the site
// at u = 250 m/s; missile v = 500 m/s. Hand-derived: a missile launched at t_L from x_s meets a
// target at x(t) = u t when x_s - u t = v (t - t_L) (closing), i.e. t* = (x_s + v t_L) / (u + v),
// and when u t - x_s = v (t - t_L) (receding), i.e. t* = (v t_L - x_s) / (v - u).
TEST(Exposure, HeadOnInterceptMatchesHandFormula) {
  const double u = 250, v = 500, xs = 10000;
  // The site on a cell centre: ranges are measured from the launcher's cell centre.
  const Terrain t = test::centred_flat_terrain(1001, 100, 20);
  auto s = run(t, {make_site(t, "s", xs, 1000, 10, 4)},
               {straight_track("head-on", 0, 1000, 20000, 1000, u, 10)}, no_masking());
  // Two windows: closing from 6000 m to the 500 m minimum range, then receding.
  ASSERT_EQ(s.windows.size(), 2u);
  const double dt = s.tracks[0].samples[1].t_s;  // sample step: 10 m / 250 m/s = 0.04 s
  EXPECT_NEAR(dt, 0.04, 1e-12);
  const auto& w1 = s.windows[0];
  EXPECT_GE(w1.start_s, 16.0 - 1e-9);  // slant 6000 m at x = 4000: t = 16 s
  EXPECT_LE(w1.start_s, 16.0 + dt);
  EXPECT_NEAR(w1.end_s, 38.0, dt);     // slant 500 m at x = 9500
  const auto& w2 = s.windows[1];
  EXPECT_NEAR(w2.start_s, 42.0, dt);
  EXPECT_NEAR(w2.end_s, 64.0, dt);

  auto ex = analyse_exposure(s.tracks, s.windows, s.sites, s.systems);
  ASSERT_TRUE(ex.ok()) << ex.status().message();
  const auto& shots = (*ex)[0].shots;
  // 4 missiles, all spent in the closing window (shoot-look-shoot: t_L(n+1) = first sample >= t*(n)).
  ASSERT_EQ(shots.size(), 4u);
  EXPECT_GE(shots[0].launch_s, w1.start_s + 5 - 1e-9);
  EXPECT_LE(shots[0].launch_s, w1.start_s + 5 + dt);
  double expected_launch = 21.0;  // 16 + 5
  for (const auto& sh : shots) {
    EXPECT_NEAR(sh.launch_s, expected_launch, dt + 1e-9);
    const double t_star = (xs + v * sh.launch_s) / (u + v);
    EXPECT_NEAR(sh.intercept_s, t_star, 1e-6);
    EXPECT_NEAR(sh.intercept_point.x_m, u * t_star, 1e-4);
    // Missile flight distance equals the slant range at intercept.
    EXPECT_NEAR(v * (sh.intercept_s - sh.launch_s), xs - sh.intercept_point.x_m, 1e-4);
    expected_launch = t_star;
  }
  EXPECT_NEAR((*ex)[0].survival, std::pow(0.7, 4), 1e-12);
  // E[shots] = 1 + 0.7 + 0.7^2 + 0.7^3 (each later launch comes after the earlier intercepts).
  EXPECT_NEAR((*ex)[0].expected_shots, 1 + 0.7 + 0.49 + 0.343, 1e-12);
  EXPECT_NEAR((*ex)[0].exposed_time_s, (w1.end_s - w1.start_s) + (w2.end_s - w2.start_s), 1e-9);

  // With unlimited missiles the receding window is used too: first launch t_L = 47 s.
  auto unl = analyse_exposure(s.tracks, s.windows, s.sites, s.systems, unlimited());
  ASSERT_TRUE(unl.ok());
  bool receding_checked = false;
  for (const auto& sh : (*unl)[0].shots) {
    if (sh.launch_s < 40) continue;
    const double t_star = (v * sh.launch_s - xs) / (v - u);
    EXPECT_NEAR(sh.intercept_s, t_star, 1e-6);
    if (!receding_checked) {
      EXPECT_NEAR(sh.launch_s, 47.0, dt + 1e-9);
    }
    receding_checked = true;
  }
  EXPECT_TRUE(receding_checked);
}

// Closing head-on with a height difference: slant^2 = (x_s - u t)^2 + H^2 = v^2 (t - t_L)^2 has the
// root t = [-(B) - sqrt(B^2 - 4AC)] / 2A with A = u^2 - v^2, B = -2 u x_s + 2 v^2 t_L,
// C = x_s^2 + H^2 - v^2 t_L^2 (the later root of the two is the one after launch).
TEST(Exposure, InterceptQuadraticWithHeightDifference) {
  Track tr;
  tr.id = "q";
  const double u = 200, v = 600, xs = 8000, H = 1500;
  for (int i = 0; i <= 400; ++i) tr.samples.push_back({i * 0.1, u * i * 0.1, 0, H, 0});
  const LauncherPoint eye{xs, 0, 0};
  for (double tl : {0.0, 3.3, 7.0}) {
    const double A = u * u - v * v, B = -2 * u * xs + 2 * v * v * tl, C = xs * xs + H * H - v * v * tl * tl;
    const double r1 = (-B + std::sqrt(B * B - 4 * A * C)) / (2 * A);
    const double r2 = (-B - std::sqrt(B * B - 4 * A * C)) / (2 * A);
    const double expected = std::max(r1, r2);
    const double got = solve_intercept(tr, eye, v, tl, 0, 400);
    EXPECT_NEAR(got, expected, 1e-9) << "t_L = " << tl;
  }
  // Too late to catch it before the track ends: NaN.
  EXPECT_TRUE(std::isnan(solve_intercept(tr, eye, 100, 30, 0, 400)));
}

TEST(Exposure, AboveCeilingNeverEngaged) {
  const Terrain t = test::centred_flat_terrain(500, 100, 20);  // sites on cell centres
  const std::vector<Site> sites = {make_site(t, "a", 5000, 1000), make_site(t, "b", 3000, 500)};
  // Ceiling 3,500 m above the site's ground: at 3,600 m AGL nothing; at 3,400 m the sites engage
  // (so the test can fail).
  auto high = run(t, sites, {straight_track("high", 100, 1000, 9900, 1000, 250, 3600)}, no_masking());
  EXPECT_TRUE(high.windows.empty());
  auto ex = analyse_exposure(high.tracks, high.windows, high.sites, high.systems);
  ASSERT_TRUE(ex.ok());
  EXPECT_EQ((*ex)[0].sites_engaging, 0);
  EXPECT_EQ((*ex)[0].survival, 1.0);
  auto below = run(t, sites, {straight_track("below", 100, 1000, 9900, 1000, 250, 3400)}, no_masking());
  EXPECT_FALSE(below.windows.empty());
  // Every engageable sample of every window is below the ceiling and inside max range.
  for (const auto& w : below.windows)
    for (int i = w.first_sample; i <= w.last_sample; ++i) {
      const auto& smp = below.tracks[0].samples[i];
      const auto& site = below.sites[w.site];
      EXPECT_LE(smp.z_msl_m - site.ground_msl_m, 3500);
      EXPECT_LE(std::hypot(smp.x_m - site.x_m, smp.y_m - site.y_m, smp.z_msl_m - site.eye_msl_m()), 6000 + 1e-9);
    }
}

// A 300 m ridge (x in [3000, 3200], y in [3000, 5000]) stands between a site at x = 1500 and a
// track flying north along x = 5000 at 100 m above ground. Where the reference (exact) viewshed
// says the target is hidden, the site must not engage it.
TEST(Exposure, RidgeMasksTrackWhereReferenceViewshedSaysHidden) {
  Terrain flat = flat_terrain(400, 400, 20);
  std::vector<float> e(flat.elevations_m());
  for (int r = 0; r < 400; ++r)
    for (int c = 0; c < 400; ++c) {
      const double x = flat.geometry().cell_center_x_m(c), y = flat.geometry().cell_center_y_m(r);
      if (x >= 3000 && x <= 3200 && y >= 3000 && y <= 5000) e[flat.index(c, r)] = 300.0f;
    }
  const Terrain ridge(flat.geometry(), e);
  const std::vector<Site> sites = {make_site(ridge, "s", 1500, 4000, 2)};
  const auto spec = straight_track("low", 5000, 100, 5000, 7900, 250, 100);
  auto s = run(ridge, sites, {spec});
  ASSERT_FALSE(s.windows.empty());  // the track is seen beyond the ridge's ends
  auto ref = viewshed_reference(ridge, Observer{1500, 4000, 2, 6100}, VisibilityModel{});
  ASSERT_TRUE(ref.ok());
  const auto& tr = s.tracks[0];
  std::vector<int> engaged(tr.samples.size(), 0);
  for (const auto& w : s.windows)
    for (int i = w.first_sample; i <= w.last_sample; ++i) engaged[i] = 1;
  int hidden = 0, hidden_engaged = 0, visible_engaged = 0;
  for (std::size_t i = 0; i < tr.samples.size(); ++i) {
    const auto& smp = tr.samples[i];
    const auto cell = ridge.cell_of(smp.x_m, smp.y_m);
    if (!ref->contains(cell->first, cell->second)) continue;
    const float need = ref->at(cell->first, cell->second);
    if (std::isnan(need)) continue;
    const double h = smp.z_msl_m - ridge.elevation_m(cell->first, cell->second);
    if (h < need - 1.0) {  // hidden by a clear margin (the fast kernel agrees within 1 m)
      ++hidden;
      hidden_engaged += engaged[i];
    } else if (h >= need + 1.0) {
      visible_engaged += engaged[i];
    }
  }
  EXPECT_GT(hidden, 100);
  EXPECT_EQ(hidden_engaged, 0);
  EXPECT_GT(visible_engaged, 50);
  // Without terrain masking the hidden stretch is engaged: the ridge is what removes it.
  auto open = run(ridge, sites, {spec}, no_masking());
  int open_engaged = 0;
  for (const auto& w : open.windows) open_engaged += w.last_sample - w.first_sample + 1;
  int masked_engaged = 0;
  for (int x : engaged) masked_engaged += x;
  EXPECT_GT(open_engaged, masked_engaged + 100);
}

TEST(Exposure, MissingPkIsAClearError) {
  const Terrain t = flat_terrain(500, 100, 20);
  SystemSpec sys = test_system();
  sys.pk = {};
  sys.pk.provenance = "none stated";
  auto s = run(t, {make_site(t, "a", 5000, 1000)}, {straight_track("x", 100, 1000, 9900, 1000, 250, 100)},
               no_masking(), sys);
  auto ex = analyse_exposure(s.tracks, s.windows, s.sites, s.systems);
  ASSERT_FALSE(ex.ok());
  EXPECT_NE(ex.status().message().find("pk_set = \"illustrative\""), std::string::npos) << ex.status().message();
  EXPECT_NE(ex.status().message().find("cruise_missile"), std::string::npos);
}

TEST(Exposure, SameWindowsForAnyThreadCount) {
  Terrain flat = flat_terrain(300, 300, 30);
  std::vector<float> e(flat.elevations_m());
  for (int r = 0; r < 300; ++r)
    for (int c = 0; c < 300; ++c) e[flat.index(c, r)] = static_cast<float>(200 * std::sin(c * 0.07) * std::cos(r * 0.05));
  const Terrain t(flat.geometry(), e);
  std::vector<Site> sites;
  for (int i = 0; i < 30; ++i) sites.push_back(make_site(t, fmt::format("s{}", i), 300 + 290 * i, 1000 + 250 * i, 5));
  const auto spec = straight_track("diag", 200, 200, 8800, 8800, 200, 150);
  auto one = run(t, sites, {spec}, threads(1));
  auto two = run(t, sites, {spec}, threads(2));
  ASSERT_FALSE(one.windows.empty());
  ASSERT_EQ(one.windows.size(), two.windows.size());
  for (std::size_t i = 0; i < one.windows.size(); ++i) {
    EXPECT_EQ(one.windows[i].site, two.windows[i].site);
    EXPECT_EQ(one.windows[i].first_sample, two.windows[i].first_sample);
    EXPECT_EQ(one.windows[i].intercept_s, two.windows[i].intercept_s);
  }
}

}  // namespace
}  // namespace skycover
