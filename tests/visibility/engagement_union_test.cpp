// Engagement union: closed-form envelope geometry on flat ground, masking, MSL bands,
// composition over sites and thread-count determinism.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>

#include <fmt/format.h>

#include "skycover/systems/envelope.hpp"
#include "skycover/terrain/synthetic.hpp"
#include "test_support.hpp"
#include "skycover/visibility/engagement_union.hpp"

namespace skycover {
namespace {

Terrain make_terrain(int w, int h, double cell, const std::function<double(double, double)>& f) {
  return test::terrain_from_function(w, h, cell, f);
}

SystemSpec manpads(double max_range = 6000, double ceiling = 3500, double min_range = 0, double min_alt = 10) {
  SystemSpec s;
  s.name = "test";
  s.max_range_m = max_range;
  s.max_altitude_m = ceiling;
  s.min_range_m = min_range;
  s.min_altitude_m = min_alt;
  return s;
}

Site site_at(const Terrain& t, int col, int row, double h_agl = 2, int system = 0) {
  Site s;
  s.id = fmt::format("s{}_{}", col, row);
  s.x_m = t.geometry().cell_center_x_m(col);
  s.y_m = t.geometry().cell_center_y_m(row);
  s.ground_msl_m = t.elevation_m(col, row);
  s.height_agl_m = h_agl;
  s.system_index = system;
  return s;
}

double dist_cells(int c0, int r0, int c1, int r1, double cell) { return cell * std::hypot(c1 - c0, r1 - r0); }

TEST(EngagementUnion, FlatGroundDiskRadiusPerBandIsSqrtOfRSquaredMinusDzSquared) {
  // 1,000 m range at 10 m cells; flat ground at 50 m; eye 2 m. Bands well above the curvature
  // shadow (at 1 km it is < 0.1 m) so the disk is purely the slant-range sphere.
  const Terrain t = make_terrain(221, 221, 10, [](double, double) { return 50.0; });
  const std::vector<AltitudeBand> bands = {{HeightReference::kAgl, 100}, {HeightReference::kAgl, 600},
                                           {HeightReference::kAgl, 950}, {HeightReference::kAgl, 1200}};
  auto u = engagement_union(t, {site_at(t, 110, 110)}, {manpads(1000)}, bands, VisibilityModel{});
  ASSERT_TRUE(u.ok()) << u.status().message();
  for (std::size_t b = 0; b < bands.size(); ++b) {
    const double dz = bands[b].altitude_m - 2.0;
    const double radius = dz < 1000 ? std::sqrt(1000.0 * 1000.0 - dz * dz) : -1;
    int mismatches = 0, covered = 0;
    double max_d = 0;
    for (int r = 0; r < 221; ++r)
      for (int c = 0; c < 221; ++c) {
        const double d = dist_cells(110, 110, c, r, 10);
        const bool got = u->site_count[b][t.index(c, r)] == 1;
        if (got) ++covered, max_d = std::max(max_d, d);
        if (got != (d <= radius)) ++mismatches;
      }
    EXPECT_EQ(mismatches, 0) << "band " << bands[b].altitude_m;
    if (radius > 0) {
      EXPECT_NEAR(max_d, radius, 10.0) << "band " << bands[b].altitude_m;
    }
    // Covered area ~ pi r^2 (cells of 100 m^2).
    if (radius > 100) {
      EXPECT_NEAR(covered * 100.0 / (M_PI * radius * radius), 1.0, 0.03);
    }
    if (radius < 0) {
      EXPECT_EQ(covered, 0);
    }
  }
}

TEST(EngagementUnion, CeilingMinRangeAndMinAltitude) {
  const Terrain t = make_terrain(121, 121, 10, [](double, double) { return 0.0; });
  // Ceiling 300 m above the site's ground, min range 200 m slant, min altitude 20 m AGL.
  const std::vector<AltitudeBand> bands = {{HeightReference::kAgl, 299}, {HeightReference::kAgl, 301},
                                           {HeightReference::kAgl, 19}, {HeightReference::kAgl, 100}};
  auto u = engagement_union(t, {site_at(t, 60, 60, 2)}, {manpads(500, 300, 200, 20)}, bands, VisibilityModel{});
  ASSERT_TRUE(u.ok());
  std::int64_t c299 = 0, c301 = 0, c19 = 0;
  for (int r = 0; r < 121; ++r)
    for (int c = 0; c < 121; ++c) {
      const std::size_t i = t.index(c, r);
      c299 += u->site_count[0][i], c301 += u->site_count[1][i], c19 += u->site_count[2][i];
      const double d = dist_cells(60, 60, c, r, 10);
      // 100 m band: slant^2 = d^2 + 98^2 must be in [200^2, 500^2].
      const double slant = std::hypot(d, 98.0);
      EXPECT_EQ(u->site_count[3][i], (slant >= 200 && slant <= 500) ? 1 : 0) << c << "," << r;
      // Lowest engageable height: inside the min-range sphere the target must climb over it.
      const float lowest = u->lowest_engageable_agl_m[i];
      if (d > 500 || 2.0 + std::sqrt(std::max(0.0, 500.0 * 500 - d * d)) < 20.0) {
        EXPECT_TRUE(std::isnan(lowest)) << d;  // beyond range, or the sphere's top is below the floor
      } else if (d >= 200) {
        EXPECT_NEAR(lowest, 20.0, 1e-4);  // the floor (min altitude)
      } else {
        const double over = 2.0 + std::sqrt(200.0 * 200 - d * d);
        EXPECT_NEAR(lowest, std::max(20.0, over), 1e-3) << d;
      }
    }
  EXPECT_GT(c299, 1000);
  EXPECT_EQ(c301, 0);
  EXPECT_EQ(c19, 0);
}

TEST(EngagementUnion, CeilingIsAboveTheSitesGroundOverUnevenGround) {
  // A plateau at 1,000 m (x < 6,500 m) beside a valley at 0 m; 100 m cells. One site on the
  // plateau, one in the valley; Rmax 6,000 m, ceiling 3,500 m above each SITE's ground, floor 10 m.
  // Hand formula per site and cell: target_msl = ground + h, dz = target_msl - eye,
  //   engaged iff d^2 + dz^2 <= Rmax^2  and  target_msl - site_ground <= 3500  and  h >= 10.
  // Bands chosen so the ceiling binds: over the valley the plateau site reaches 4,000 and 4,400 m
  // AGL (<= 4,500 m MSL) but not 4,600; over the plateau the valley site reaches 2,400 m AGL but
  // not 3,000 (> 3,500 m MSL). Line of sight assumed clear: this tests the envelope only.
  const Terrain t = make_terrain(131, 121, 100, [](double x, double) { return x < 6500 ? 1000.0 : 0.0; });
  const std::vector<Site> sites = {site_at(t, 30, 60), site_at(t, 100, 60)};
  ASSERT_EQ(sites[0].ground_msl_m, 1000.0);
  ASSERT_EQ(sites[1].ground_msl_m, 0.0);
  const std::vector<AltitudeBand> bands = {{HeightReference::kAgl, 2400}, {HeightReference::kAgl, 3000},
                                           {HeightReference::kAgl, 4000}, {HeightReference::kAgl, 4400},
                                           {HeightReference::kAgl, 4600}};
  UnionOptions opt;
  opt.terrain_masking = false;
  auto u = engagement_union(t, sites, {manpads(6000, 3500, 0, 10)}, bands, VisibilityModel{}, opt);
  ASSERT_TRUE(u.ok()) << u.status().message();
  const int site_cells[2][2] = {{30, 60}, {100, 60}};
  for (std::size_t b = 0; b < bands.size(); ++b) {
    const double h = bands[b].altitude_m;
    int mismatches = 0, valley_from_plateau = 0, plateau_from_valley = 0;
    for (int r = 0; r < t.height(); ++r)
      for (int c = 0; c < t.width(); ++c) {
        const double ground = t.elevation_m(c, r);
        int expected = 0;
        bool near_sphere = false;  // within 1 m of the range sphere: float rounding may go either way
        for (int k = 0; k < 2; ++k) {
          const double d = dist_cells(site_cells[k][0], site_cells[k][1], c, r, 100);
          const double dz = ground + h - sites[k].eye_msl_m();
          const double slant = std::hypot(d, dz);
          near_sphere |= std::abs(slant - 6000) < 1;
          const bool in = slant <= 6000 && ground + h - sites[k].ground_msl_m <= 3500 && h >= 10;
          expected += in;
          if (in && k == 0 && ground == 0) ++valley_from_plateau;
          if (in && k == 1 && ground == 1000) ++plateau_from_valley;
        }
        if (u->site_count[b][t.index(c, r)] != expected && !near_sphere) ++mismatches;
      }
    EXPECT_EQ(mismatches, 0) << "band " << h;
    // The cases exist: the ceiling above the site's ground lets the plateau site reach 4,000 and
    // 4,400 m over the valley and stops the valley site at 3,000 m over the plateau.
    if (h == 4000 || h == 4400) {
      EXPECT_GT(valley_from_plateau, 300) << "band " << h;
    }
    if (h == 4600) {
      EXPECT_EQ(valley_from_plateau, 0);
    }
    if (h == 2400) {
      EXPECT_GT(plateau_from_valley, 100);
    }
    if (h == 3000) {
      EXPECT_EQ(plateau_from_valley, 0);
    }
  }
}

TEST(EngagementUnion, TerrainMaskingBehindAWall) {
  // A 60 m wall 200 m east of the eye (flat ground at 0, no curvature).
  const Terrain t = make_terrain(121, 41, 10, [](double x, double) { return static_cast<int>(x / 10) == 40 ? 60.0 : 0.0; });
  VisibilityModel m;
  m.refraction_k = 1.0;
  const std::vector<AltitudeBand> bands = {{HeightReference::kAgl, 50}};
  const std::vector<Site> sites = {site_at(t, 20, 20, 2)};
  UnionOptions on, off;
  off.terrain_masking = false;
  auto masked = engagement_union(t, sites, {manpads(1000, 3000, 0, 0)}, bands, m, on);
  auto clear = engagement_union(t, sites, {manpads(1000, 3000, 0, 0)}, bands, m, off);
  ASSERT_TRUE(masked.ok() && clear.ok());
  for (int i = 21; i <= 80; ++i) {  // within slant range of every shadow height
    const std::size_t cell = t.index(20 + i, 20);
    // Shadow height behind the wall at i cells: 2 + 58 i / 20 (similar triangles).
    const double shadow = i > 20 ? 2.0 + 58.0 * i / 20.0 : 0.0;
    if (i == 20) continue;  // the wall cell itself
    EXPECT_NEAR(masked->lowest_engageable_agl_m[cell], shadow, 1e-3) << i;
    EXPECT_FLOAT_EQ(clear->lowest_engageable_agl_m[cell], 0.f) << i;
    EXPECT_EQ(masked->site_count[0][cell], shadow <= 50 ? 1 : 0) << i;
    EXPECT_EQ(clear->site_count[0][cell], 1) << i;
  }
}

TEST(EngagementUnion, MslBandIsAltitudeMinusGround) {
  // Ground rises 0.1 m/m eastwards from 100 m; an MSL band at 400 m sits 400 - z above it.
  const Terrain t = make_terrain(101, 21, 10, [](double x, double) { return 100.0 + 0.1 * x; });
  const std::vector<AltitudeBand> bands = {{HeightReference::kMsl, 400}, {HeightReference::kMsl, 150}};
  const Site s = site_at(t, 50, 10, 2);
  auto u = engagement_union(t, {s}, {manpads(600, 3500, 0, 10)}, bands, VisibilityModel{});
  ASSERT_TRUE(u.ok());
  LauncherGeometry lg{s.ground_msl_m, s.ground_msl_m + 2};
  for (int c = 0; c < 101; ++c) {
    const double zt = t.elevation_m(c, 10);
    const double d = dist_cells(50, 10, c, 10, 10);
    for (int b = 0; b < 2; ++b) {
      // Line of sight is clear on a plane, so the envelope alone decides.
      const bool expect = bands[b].altitude_m - zt >= 0 && in_envelope(manpads(600, 3500, 0, 10), lg, zt, d, bands[b].altitude_m);
      EXPECT_EQ(u->site_count[b][t.index(c, 10)], expect ? 1 : 0) << "col " << c << " band " << b;
    }
  }
}

struct UnionCase {
  Terrain terrain;
  std::vector<Site> sites;
  std::vector<SystemSpec> systems;
  std::vector<AltitudeBand> bands;
};

UnionCase rugged_case(int n_sites) {
  UnionCase uc{test::synthetic_terrain(160, 140, 800, 11, 0.6), {}, {manpads(900, 600, 100, 10), manpads(1500, 3000, 0, 30)}, {}};
  uc.bands = {{HeightReference::kAgl, 30}, {HeightReference::kAgl, 300}, {HeightReference::kMsl, 700}};
  for (int i = 0; i < n_sites; ++i) {
    // A fixed scatter (no RNG needed): a Weyl sequence over the grid.
    const int c = static_cast<int>(std::fmod(i * 0.618033988749 * 160 + 3, 160.0));
    const int r = static_cast<int>(std::fmod(i * 0.754877666247 * 140 + 5, 140.0));
    uc.sites.push_back(site_at(uc.terrain, c, r, 2 + i % 3, i % 2));
  }
  return uc;
}

TEST(EngagementUnion, BitwiseIdenticalForAnyThreadCount) {
  const UnionCase uc = rugged_case(80);
  std::vector<EngagementUnion> runs;
  for (int threads : {1, 2, 4}) {
    UnionOptions o;
    o.threads = threads;
    std::atomic<std::int64_t> calls{0};
    o.on_progress = [&](std::int64_t) { ++calls; };
    auto u = engagement_union(uc.terrain, uc.sites, uc.systems, uc.bands, VisibilityModel{}, o);
    ASSERT_TRUE(u.ok()) << u.status().message();
    EXPECT_EQ(calls.load(), 80);
    runs.push_back(std::move(*u));
  }
  for (std::size_t k = 1; k < runs.size(); ++k) {
    const auto& a = runs[0].lowest_engageable_agl_m;
    const auto& b = runs[k].lowest_engageable_agl_m;
    ASSERT_EQ(a.size(), b.size());
    EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)), 0) << "threads run " << k;
    EXPECT_EQ(runs[0].site_count, runs[k].site_count);
  }
  // Sanity: something is covered, something is not.
  std::int64_t covered_low = 0, covered_high = 0;
  for (auto c : runs[0].site_count[0]) covered_low += c > 0;
  for (auto c : runs[0].site_count[1]) covered_high += c > 0;
  EXPECT_GT(covered_low, 1000);
  EXPECT_LT(covered_low, covered_high);
}

TEST(EngagementUnion, UnionIsMinAndSumOfSingleSites) {
  const UnionCase uc = rugged_case(5);
  auto all = engagement_union(uc.terrain, uc.sites, uc.systems, uc.bands, VisibilityModel{});
  ASSERT_TRUE(all.ok());
  std::vector<float> lowest(all->lowest_engageable_agl_m.size(), std::numeric_limits<float>::infinity());
  std::vector<std::vector<int>> sum(uc.bands.size(), std::vector<int>(lowest.size(), 0));
  for (const Site& s : uc.sites) {
    auto one = engagement_union(uc.terrain, {s}, uc.systems, uc.bands, VisibilityModel{});
    ASSERT_TRUE(one.ok());
    for (std::size_t i = 0; i < lowest.size(); ++i) {
      if (!std::isnan(one->lowest_engageable_agl_m[i])) lowest[i] = std::min(lowest[i], one->lowest_engageable_agl_m[i]);
      for (std::size_t b = 0; b < uc.bands.size(); ++b) sum[b][i] += one->site_count[b][i];
    }
  }
  for (std::size_t i = 0; i < lowest.size(); ++i) {
    const float got = all->lowest_engageable_agl_m[i];
    if (std::isinf(lowest[i])) {
      EXPECT_TRUE(std::isnan(got));
    } else {
      EXPECT_EQ(got, lowest[i]);
    }
    for (std::size_t b = 0; b < uc.bands.size(); ++b) ASSERT_EQ(all->site_count[b][i], sum[b][i]);
  }
}

TEST(EngagementUnion, ReferenceKernelAgreesWithFastKernel) {
  const UnionCase uc = rugged_case(6);
  UnionOptions ref;
  ref.use_reference_kernel = true;
  auto f = engagement_union(uc.terrain, uc.sites, uc.systems, uc.bands, VisibilityModel{});
  auto r = engagement_union(uc.terrain, uc.sites, uc.systems, uc.bands, VisibilityModel{}, ref);
  ASSERT_TRUE(f.ok() && r.ok());
  std::int64_t n = 0, same = 0;
  for (std::size_t b = 0; b < uc.bands.size(); ++b)
    for (std::size_t i = 0; i < f->site_count[b].size(); ++i) n++, same += f->site_count[b][i] == r->site_count[b][i];
  EXPECT_GT(static_cast<double>(same) / n, 0.995);
}

// A range of more window cells than the kernel takes (viewshed_kernel.hpp) is an error that says
// how many cells it is and what to change, for the union and for a single viewshed alike.
TEST(EngagementUnion, RejectsRangesBeyondTheKernelsWindow) {
  // A range of 25,000 cells over a 20 x 20 grid needs only a 20-cell window: accepted.
  const Terrain small = make_terrain(20, 20, 1, [](double, double) { return 0.0; });
  EXPECT_TRUE(engagement_union(small, {site_at(small, 5, 5)}, {manpads(25000)}, {}, VisibilityModel{}).ok());
  // Over a grid 40,003 cells wide, from its middle, the window would be wider than the kernel
  // takes: refused.
  const Terrain t = make_terrain(40003, 2, 1, [](double, double) { return 0.0; });
  auto u = engagement_union(t, {site_at(t, 5, 1)}, {manpads(25000)}, {}, VisibilityModel{});
  ASSERT_FALSE(u.ok());
  EXPECT_NE(u.status().message().find("25000 cells"), std::string::npos) << u.status().message();
  EXPECT_NE(u.status().message().find("coarser DEM"), std::string::npos) << u.status().message();
  Observer o;
  o.x_m = t.geometry().cell_center_x_m(20001);
  o.y_m = t.geometry().cell_center_y_m(1);
  o.max_range_m = 25000;
  auto v = viewshed(t, o, VisibilityModel{});
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.status().message().find("at most 20000 cells"), std::string::npos) << v.status().message();
}

TEST(EngagementUnion, RejectsBadSitesWithTheirIds) {
  const Terrain t = make_terrain(20, 20, 10, [](double, double) { return 0.0; });
  Site off = site_at(t, 5, 5);
  off.id = "far-away";
  off.x_m = -1000;
  Site bad_sys = site_at(t, 5, 5, 2, 3);
  bad_sys.id = "wrong-system";
  auto u = engagement_union(t, {off, bad_sys}, {manpads(100)}, {}, VisibilityModel{});
  ASSERT_FALSE(u.ok());
  EXPECT_NE(u.status().message().find("far-away"), std::string::npos);
  EXPECT_NE(u.status().message().find("wrong-system"), std::string::npos);
}

}  // namespace
}  // namespace skycover

namespace skycover {
namespace {

// Issue 9 item 9: a range far beyond the grid (300 km over a 1.8 km DEM) is computed in a window no
// wider than the grid, and gives the same coverage at a low band as a range whose own (uncapped)
// window just covers the grid: from the centre of 61 x 61 cells, 45 cells reach every corner
// (42.4 cells away) and the 300 km window is capped at 61.
TEST(EngagementUnion, RangeBeyondTheGridGivesTheSameCoverageWithAGridSizedWindow) {
  const Terrain t = test::synthetic_terrain(61, 61, 400, 5);
  SystemSpec near;
  near.name = "near";
  near.max_range_m = 30 * 45;
  near.max_altitude_m = 3500;
  SystemSpec far = near;
  far.name = "far";
  far.max_range_m = 300000;
  EXPECT_EQ(range_radius_cells(near, 30, 61), 45);
  EXPECT_EQ(range_radius_cells(far, 30, 61), 61);
  Site s;
  s.id = "centre";
  s.x_m = t.geometry().cell_center_x_m(30);
  s.y_m = t.geometry().cell_center_y_m(30);
  s.height_agl_m = 2;
  // 50 m above ground: every cell is within both slant ranges (< 1,290 m); visibility decides.
  const std::vector<AltitudeBand> bands{{HeightReference::kAgl, 50}};
  const auto a = engagement_union(t, {s}, {near}, bands, VisibilityModel{});
  const auto b = engagement_union(t, {s}, {far}, bands, VisibilityModel{});
  ASSERT_TRUE(a.ok() && b.ok()) << (a.ok() ? b.status().message() : a.status().message());
  EXPECT_EQ(a->site_count, b->site_count);
  std::int64_t seen = 0;
  for (auto c : b->site_count[0]) seen += c;
  EXPECT_GT(seen, 100);
  EXPECT_LT(seen, 61 * 61);  // the relief hides some cells: the comparison is not trivial
}

}  // namespace
}  // namespace skycover
