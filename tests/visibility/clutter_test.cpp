// Clutter (docs/visibility.md "Clutter"): rays see ground + clutter, the eye stays at bare ground +
// height, and a target must clear its own cell's clutter. Closed form for a band of clutter of
// height c; zero clutter gives the bytes of no clutter; clutter never increases coverage; the fast
// kernel stays within the exactness bound of the reference over clutter.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>

#include "skycover/visibility/engagement_union.hpp"
#include "skycover/visibility/viewshed.hpp"
#include "test_support.hpp"

namespace skycover {
namespace {

using Kernel = Result<ViewshedWindow> (*)(const Terrain&, const Observer&, const VisibilityModel&);
const Kernel kKernels[] = {&viewshed, &viewshed_reference};
const char* const kKernelNames[] = {"fast", "reference"};

// Flat ground at 100 m, 10 m cells, and a ring of clutter `c` m tall at horizontal distances
// [d1, d2] from the centre cell.
Terrain ring_of_clutter(int n, double c, double d1, double d2) {
  Terrain t = test::terrain_from_function(n, n, 10, [](double, double) { return 100.0; });
  std::vector<float> clutter(static_cast<std::size_t>(n) * n, 0.f);
  for (int r = 0; r < n; ++r)
    for (int col = 0; col < n; ++col) {
      const double d = 10.0 * std::hypot(col - n / 2, r - n / 2);
      if (d >= d1 && d <= d2) clutter[static_cast<std::size_t>(r) * n + col] = static_cast<float>(c);
    }
  t.set_clutter(std::move(clutter));
  return t;
}

Observer at_cell(const Terrain& t, int col, int row, double h, double range) {
  Observer o;
  o.x_m = t.geometry().cell_center_x_m(col);
  o.y_m = t.geometry().cell_center_y_m(row);
  o.height_agl_m = h;
  o.max_range_m = range;
  return o;
}

// Along a grid axis the rays sample cell centres exactly, and without curvature (k = 1) the
// horizon's slope is that of the ring's nearest cell, (c - h) / d1: a target at distance d behind
// the ring is seen from h + (c - h) d / d1 above the bare ground, and one over the ring's cells
// from no lower than their clutter top c. In front of the ring nothing hides the ground.
TEST(Clutter, ClosedFormBehindAndOverABandOfHeightC) {
  constexpr int kN = 201, kC = kN / 2;
  constexpr double kH = 2, kClutter = 10, kD1 = 300, kD2 = 500;
  const Terrain t = ring_of_clutter(kN, kClutter, kD1, kD2);
  VisibilityModel flat_earth;
  flat_earth.refraction_k = 1.0;  // no curvature: the straight-line closed form
  const Observer o = at_cell(t, kC, kC, kH, 900);
  for (int k = 0; k < 2; ++k) {
    auto w = kKernels[k](t, o, flat_earth);
    ASSERT_TRUE(w.ok()) << w.status().message();
    EXPECT_DOUBLE_EQ(w->eye_msl_m, 100 + kH) << "the eye stays at bare ground + height";
    for (int j = 1; j <= 85; ++j) {
      const double d = 10.0 * j;
      const double want = d < kD1 ? 0.0 : std::max(kClutter, kH + (kClutter - kH) * d / kD1);
      for (auto [col, row] : {std::pair{kC + j, kC}, {kC - j, kC}, {kC, kC + j}, {kC, kC - j}})
        EXPECT_NEAR(w->at(col, row), want, 1e-3 * std::max(1.0, want))
            << kKernelNames[k] << " at distance " << d << " m";
    }
  }
}

// A site standing in a wood is not lifted onto the canopy: at 2 m above the ground with 20 m trees
// all round it sees no more than the trees' tops next to it allow.
TEST(Clutter, ASiteInAWoodIsNotRaisedOntoTheCanopy) {
  const Terrain t = ring_of_clutter(101, 20, 0, 2000);  // clutter everywhere, the site's cell too
  VisibilityModel flat_earth;
  flat_earth.refraction_k = 1.0;
  for (int k = 0; k < 2; ++k) {
    auto w = kKernels[k](t, at_cell(t, 50, 50, 2, 400), flat_earth);
    ASSERT_TRUE(w.ok());
    EXPECT_DOUBLE_EQ(w->eye_msl_m, 102.0);
    // The nearest trees (10 m away, 18 m above the eye) set the horizon: 2 + 18 d / 10.
    EXPECT_NEAR(w->at(70, 50), 2 + 18 * 200.0 / 10, 1e-2) << kKernelNames[k];
    EXPECT_NEAR(w->at(50, 50), 20.0, 1e-6) << "over its own cell a target clears the canopy";
  }
}

// A rugged surface and clutter in patches, as woods and towns lie: where a second fBm field is in
// its upper 40 %, 8-30 m of clutter rising with it (`noise`: instead 5-30 m on a random half of
// the cells, cell by cell, a worst case no land cover has).
Terrain cluttered_rugged(int n, std::uint64_t seed, bool noise = false) {
  Terrain t = test::synthetic_terrain(n, n, 600, seed, 0.6);
  std::vector<float> c(static_cast<std::size_t>(n) * n);
  if (noise) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<float> u(0.f, 1.f);
    for (float& v : c) v = u(rng) < 0.5f ? 0.f : 5.f + 25.f * u(rng);
  } else {
    const Terrain f = test::synthetic_terrain(n, n, 1, seed + 100, 0.5);
    std::vector<float> sorted = f.elevations_m();
    std::sort(sorted.begin(), sorted.end());
    const float lo = sorted[sorted.size() * 6 / 10], hi = sorted.back();
    for (std::size_t i = 0; i < c.size(); ++i) {
      const float v = f.elevations_m()[i];
      c[i] = v < lo ? 0.f : 8.f + 22.f * (v - lo) / (hi - lo);
    }
  }
  t.set_clutter(std::move(c));
  return t;
}

TEST(Clutter, ZeroClutterGivesTheBytesOfNoClutter) {
  const Terrain bare = test::synthetic_terrain(150, 150, 800, 5, 0.6);
  Terrain zero = bare;
  zero.set_clutter(std::vector<float>(static_cast<std::size_t>(bare.geometry().cell_count()), 0.f));
  ASSERT_TRUE(zero.has_clutter());
  for (int k = 0; k < 2; ++k)
    for (auto [c, r] : {std::pair{75, 75}, {3, 140}}) {
      auto a = kKernels[k](bare, at_cell(bare, c, r, 2, 1500), VisibilityModel{});
      auto b = kKernels[k](zero, at_cell(zero, c, r, 2, 1500), VisibilityModel{});
      ASSERT_TRUE(a.ok() && b.ok());
      ASSERT_EQ(a->min_visible_agl_m.size(), b->min_visible_agl_m.size());
      EXPECT_EQ(std::memcmp(a->min_visible_agl_m.data(), b->min_visible_agl_m.data(),
                            a->min_visible_agl_m.size() * sizeof(float)), 0)
          << kKernelNames[k] << " site (" << c << ", " << r << ")";
    }
  SystemSpec sys;
  sys.max_range_m = 1500;
  sys.max_altitude_m = 3000;
  std::vector<Site> sites;
  for (int q = 0; q < 12; ++q) {
    Site s;
    s.id = std::to_string(q);
    s.x_m = bare.geometry().cell_center_x_m(10 + 11 * q);
    s.y_m = bare.geometry().cell_center_y_m(140 - 10 * q);
    sites.push_back(s);
  }
  const std::vector<AltitudeBand> bands = {{HeightReference::kAgl, 30}, {HeightReference::kAgl, 300}};
  for (bool reference : {false, true}) {
    UnionOptions o;
    o.use_reference_kernel = reference;
    auto a = engagement_union(bare, sites, {sys}, bands, VisibilityModel{}, o);
    auto b = engagement_union(zero, sites, {sys}, bands, VisibilityModel{}, o);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(std::memcmp(a->lowest_engageable_agl_m.data(), b->lowest_engageable_agl_m.data(),
                          a->lowest_engageable_agl_m.size() * sizeof(float)), 0);
    EXPECT_EQ(a->site_count, b->site_count);
  }
}

// Clutter only adds obstructions: no cell gets a lower engageable height or more sites, for
// either kernel; and UnionOptions::clutter = false is the bare terrain's union, byte for byte.
TEST(Clutter, NeverIncreasesCoverageAndCanBeSwitchedOff) {
  const Terrain t = cluttered_rugged(160, 9);
  SystemSpec sys;
  sys.max_range_m = 1800;
  sys.max_altitude_m = 3000;
  sys.min_altitude_m = 0;
  std::vector<Site> sites;
  for (int q = 0; q < 16; ++q) {
    Site s;
    s.id = std::to_string(q);
    s.x_m = t.geometry().cell_center_x_m(8 + 9 * q);
    s.y_m = t.geometry().cell_center_y_m(8 + (37 * q) % 144);
    sites.push_back(s);
  }
  const std::vector<AltitudeBand> bands = {{HeightReference::kAgl, 10}, {HeightReference::kAgl, 60},
                                           {HeightReference::kAgl, 500}};
  for (bool reference : {false, true}) {
    UnionOptions with, without;
    with.use_reference_kernel = without.use_reference_kernel = reference;
    without.clutter = false;
    auto c = engagement_union(t, sites, {sys}, bands, VisibilityModel{}, with);
    auto b = engagement_union(t, sites, {sys}, bands, VisibilityModel{}, without);
    auto bare = engagement_union(t.bare(), sites, {sys}, bands, VisibilityModel{}, with);
    ASSERT_TRUE(c.ok() && b.ok() && bare.ok());
    EXPECT_EQ(std::memcmp(b->lowest_engageable_agl_m.data(), bare->lowest_engageable_agl_m.data(),
                          b->lowest_engageable_agl_m.size() * sizeof(float)), 0);
    EXPECT_EQ(b->site_count, bare->site_count);
    std::int64_t lost = 0, higher = 0;
    for (std::size_t i = 0; i < c->lowest_engageable_agl_m.size(); ++i) {
      const float hc = c->lowest_engageable_agl_m[i], hb = b->lowest_engageable_agl_m[i];
      if (std::isnan(hb)) {
        ASSERT_TRUE(std::isnan(hc)) << i;
      } else if (!std::isnan(hc)) {
        // Float: (eye + S d - (z + c)) + c may round one ulp under eye + S d - z.
        ASSERT_GE(hc, hb - 1e-5f * std::max(1.f, hb)) << i;
        higher += hc > hb;
      }
      for (std::size_t k = 0; k < bands.size(); ++k) {
        ASSERT_LE(c->site_count[k][i], b->site_count[k][i]) << "band " << k << " cell " << i;
        lost += c->site_count[k][i] < b->site_count[k][i];
      }
    }
    EXPECT_GT(higher, 1000) << "the clutter should hide something";
    EXPECT_GT(lost, 1000);
  }
}

// The fast kernel over ground + clutter keeps the exactness bound: >= 99.5 % of in-range cells
// within max(1 m, 0.5 %) of the reference.
void expect_fast_within_bound(const Terrain& t, double bound, const char* what) {
  std::int64_t n = 0, ok = 0;
  for (auto [c, r] : {std::pair{120, 120}, {30, 200}, {200, 40}}) {
    const Observer o = at_cell(t, c, r, 2, 3000);
    auto f = viewshed(t, o, VisibilityModel{});
    auto ref = viewshed_reference(t, o, VisibilityModel{});
    ASSERT_TRUE(f.ok() && ref.ok());
    for (std::size_t i = 0; i < ref->min_visible_agl_m.size(); ++i) {
      const float a = ref->min_visible_agl_m[i], b = f->min_visible_agl_m[i];
      ASSERT_EQ(std::isnan(a), std::isnan(b));
      if (std::isnan(a)) continue;
      ++n;
      ok += std::abs(static_cast<double>(b) - a) <= std::max(1.0, 0.005 * a);
    }
  }
  EXPECT_GT(n, 50000);
  const double share = static_cast<double>(ok) / n;
  std::printf("%s: %.3f %% of %lld cells within max(1 m, 0.5 %%)\n", what, 100 * share, static_cast<long long>(n));
  EXPECT_GE(share, bound) << what;
}

TEST(Clutter, FastKernelMatchesTheReferenceOverClutter) {
  expect_fast_within_bound(cluttered_rugged(240, 3), 0.995, "woods and towns in patches");
  expect_fast_within_bound(cluttered_rugged(240, 4), 0.995, "woods and towns in patches, seed 4");
  // Cell-by-cell random clutter: no land cover is this rough; stated, not held to the bound.
  expect_fast_within_bound(cluttered_rugged(240, 3, true), 0.98, "cell-by-cell random clutter");
}

}  // namespace
}  // namespace skycover
