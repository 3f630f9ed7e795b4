// Viewshed: fast kernel vs exact reference, and both vs closed-form geometry.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <functional>
#include <vector>

#include <fmt/format.h>

#include "skycover/terrain/synthetic.hpp"
#include "skycover/terrain/terrain.hpp"
#include "test_support.hpp"
#include "skycover/visibility/viewshed.hpp"
#include "visibility/viewshed_kernel.hpp"

namespace skycover {
namespace {

Terrain make_terrain(int w, int h, double cell, const std::function<double(double, double)>& f) {
  return test::terrain_from_function(w, h, cell, f);
}

Observer centre_observer(const Terrain& t, double h_agl, double range) {
  Observer o;
  o.x_m = t.geometry().cell_center_x_m(t.width() / 2);
  o.y_m = t.geometry().cell_center_y_m(t.height() / 2);
  o.height_agl_m = h_agl;
  o.max_range_m = range;
  return o;
}

using Kernel = Result<ViewshedWindow> (*)(const Terrain&, const Observer&, const VisibilityModel&);
const Kernel kKernels[] = {&viewshed, &viewshed_reference};
const char* const kKernelNames[] = {"fast", "reference"};

// Every in-range cell of a surface that never rises above the eye's sight lines is visible
// at ground level. GDAL 3.6's gdal_viewshed marks much of a plane sloping away as hidden.
void expect_all_visible(const Terrain& t, const Observer& o, const VisibilityModel& m) {
  for (int k = 0; k < 2; ++k) {
    auto w = kKernels[k](t, o, m);
    ASSERT_TRUE(w.ok()) << w.status().message();
    int in_range = 0;
    float worst = 0;
    for (float v : w->min_visible_agl_m)
      if (!std::isnan(v)) ++in_range, worst = std::max(worst, v);
    EXPECT_GT(in_range, 3000) << kKernelNames[k];
    EXPECT_LE(worst, 2e-3f) << kKernelNames[k];  // float tolerance at ~1,000 m elevations
  }
}

TEST(Viewshed, PlaneSlopingAwayIsVisibleEverywhere) {
  // Falls 0.2 m per metre eastwards; the eye stands 2 m up. With Earth curvature too.
  const Terrain t = make_terrain(121, 121, 30, [](double x, double) { return 1500.0 - 0.2 * x; });
  expect_all_visible(t, centre_observer(t, 2, 1800), VisibilityModel{});
}

TEST(Viewshed, ConeFallingAwayOnAllSidesIsVisibleEverywhere) {
  const double cx = 60.5 * 30, cy = 60.5 * 30;
  const Terrain t = make_terrain(121, 121, 30, [&](double x, double y) { return 2000.0 - 0.3 * std::hypot(x - cx, y - cy); });
  expect_all_visible(t, centre_observer(t, 2, 1800), VisibilityModel{});
}

TEST(Viewshed, ObserverOnASlopeSeesTheWholePlaneUphillAndDown) {
  // A tilted plane is never convex towards the eye, so an eye above it sees all of it; the
  // eye's own (sloping) cell must not block the uphill view.
  const Terrain t = make_terrain(121, 121, 30, [](double x, double y) { return 800.0 + 0.35 * x + 0.1 * y; });
  VisibilityModel flat_earth;
  flat_earth.refraction_k = 1.0;  // no curvature: a pure plane
  expect_all_visible(t, centre_observer(t, 0.5, 1800), flat_earth);
}

TEST(Viewshed, WallShadowMatchesSimilarTriangles) {
  // Flat ground at 100 m, a 40 m wall one cell thick 10 cells east of the eye. No curvature.
  const int w = 81, ec = 40;
  const Terrain t = make_terrain(w, w, 10, [&](double x, double) { return static_cast<int>(x / 10) == ec + 10 ? 140.0 : 100.0; });
  VisibilityModel m;
  m.refraction_k = 1.0;
  const Observer o = centre_observer(t, 2, 400);
  for (int k = 0; k < 2; ++k) {
    auto v = kKernels[k](t, o, m);
    ASSERT_TRUE(v.ok());
    for (int i = 1; i <= 40; ++i) {
      // Beyond the wall: the sight line over its top rises (40 - 2) m per 10 cells.
      const double expect = i <= 10 ? 0.0 : 2.0 + 38.0 * i / 10.0;
      EXPECT_NEAR(v->at(ec + i, 40), expect, 1e-3) << kKernelNames[k] << " i=" << i;
    }
    // West of the eye nothing blocks.
    EXPECT_NEAR(v->at(ec - 30, 40), 0.0, 1e-6);
  }
}

TEST(Viewshed, FlatEarthCurvatureMatchesClosedFormHiddenHeight) {
  // Flat ground, eye h0 above it. A point at distance d appears lowered by c d^2, c = (1-k)/2R.
  // Ground samples along a ray have slope -(h0/d + c d), maximal (the grazing tangent) at
  // d_h = sqrt(h0/c) = sqrt(2 R' h0), R' = R/(1-k). Beyond it the hidden height is
  // h(d) = h0 + S d + c d^2 with S = -2 sqrt(h0 c), i.e. c (d - d_h)^2 = (d - d_h)^2 / (2 R').
  // The discrete model samples only at grid-line crossings, so S is the max over those sample
  // distances: for the x axis exactly at d = k * cell, k < i; off-axis the continuous value is
  // within ~1e-5 m (the maximum is flat near d_h).
  const double cell = 30, h0 = 1.0;
  const Terrain t = make_terrain(401, 401, cell, [](double, double) { return 250.0; });
  VisibilityModel m;  // k = 0.13
  const double c = (1 - m.refraction_k) / (2 * m.earth_radius_m);
  const double d_h = std::sqrt(h0 / c);
  ASSERT_NEAR(d_h, std::sqrt(2 * m.earth_radius_m / (1 - m.refraction_k) * h0), 1e-6);
  const Observer o = centre_observer(t, h0, 6000);
  for (int k = 0; k < 2; ++k) {
    auto v = kKernels[k](t, o, m);
    ASSERT_TRUE(v.ok());
    // x axis: exact discrete expectation.
    double worst_axis = 0;
    for (int i = 1; i <= 200; ++i) {
      double s = -std::numeric_limits<double>::infinity();
      for (int j = 1; j < i; ++j) s = std::max(s, -(h0 / (j * cell) + c * j * cell));
      const double d = i * cell;
      const double expect = std::max(0.0, h0 + s * d + c * d * d);
      worst_axis = std::max(worst_axis, std::abs(v->at(200 + i, 200) - expect));
    }
    EXPECT_LT(worst_axis, 1e-3) << kKernelNames[k];
    // Every in-range cell vs the continuous closed form.
    double worst = 0;
    int hidden = 0;
    for (int r = 0; r < 401; ++r)
      for (int col = 0; col < 401; ++col) {
        const float got = v->at(col, r);
        if (std::isnan(got)) continue;
        const double d = cell * std::hypot(col - 200, r - 200);
        const double expect = d > d_h ? c * (d - d_h) * (d - d_h) : 0.0;
        if (expect > 0.01) ++hidden;
        worst = std::max(worst, std::abs(got - expect));
      }
    EXPECT_GT(hidden, 10000) << kKernelNames[k];
    EXPECT_LT(worst, 2e-3) << kKernelNames[k];
    // Sanity of the magnitude: at 6 km the hidden height is about 0.32 m.
    EXPECT_NEAR(v->at(400, 200), c * (6000 - d_h) * (6000 - d_h), 2e-3);
  }
}

TEST(Viewshed, NodataIsNaNAndDoesNotBlock) {
  const Terrain t = make_terrain(61, 61, 30, [](double x, double y) {
    const int c = static_cast<int>(x / 30), r = 60 - static_cast<int>(y / 30);
    return (c >= 40 && c <= 42 && r >= 25 && r <= 35) ? std::nan("") : 100.0;
  });
  VisibilityModel m;
  m.refraction_k = 1.0;
  for (int k = 0; k < 2; ++k) {
    auto v = kKernels[k](t, centre_observer(t, 2, 900), m);
    ASSERT_TRUE(v.ok());
    EXPECT_TRUE(std::isnan(v->at(41, 30)));
    EXPECT_FLOAT_EQ(v->at(50, 30), 0.f) << kKernelNames[k];  // behind the hole, still visible
  }
}

// A ray that crosses a column exactly on a cell centre samples only that cell (the reference's
// rule), even when the cell beside it is nodata. On the diagonal of targets at i = 41 or 82 cells,
// float j/i rounds a hair below 1, so the crossing used to come out a hair short of the centre and
// the nodata neighbour (void) hid the obstacle: targets behind it read 0 m instead of ~100 m.
// Obstacles at distance 20 (the general step) and 40 (the closed-form column i-1 of target 41).
TEST(Viewshed, ExactCentreCrossingNextToNodataStillBlocks) {
  const int n = 241, eye = 120;
  for (int k : {20, 40}) {
    const Terrain t = make_terrain(n, n, 30, [&](double x, double y) {
      const int c = static_cast<int>(x / 30) - eye, r = (n - 1 - static_cast<int>(y / 30)) - eye;
      if (c == k && r == k) return 100.0;                               // the obstacle on the diagonal
      if ((c == k && r == k - 1) || (c == k - 1 && r == k)) return std::nan("");  // nodata beside it
      if ((c == k && r == k + 1) || (c == k + 1 && r == k)) return std::nan("");
      return 0.0;
    });
    const Observer o = centre_observer(t, 2, 120 * 30);
    auto fast = viewshed(t, o, VisibilityModel{});
    auto ref = viewshed_reference(t, o, VisibilityModel{});
    ASSERT_TRUE(fast.ok() && ref.ok());
    for (int d = k + 2; d <= 84; ++d) {
      const float f = fast->at(eye + d, eye + d), r = ref->at(eye + d, eye + d);
      ASSERT_FALSE(std::isnan(r));
      EXPECT_GT(r, 50.f) << "obstacle " << k << ", target " << d;  // hidden well above ground
      EXPECT_NEAR(f, r, std::max(1.0, 0.005 * r)) << "obstacle " << k << ", target " << d;
    }
  }
}

TEST(Viewshed, WindowIsClippedToTheGridAndRangeIsACircle) {
  const Terrain t = make_terrain(50, 40, 30, [](double, double) { return 10.0; });
  Observer o;
  o.x_m = t.geometry().cell_center_x_m(3);
  o.y_m = t.geometry().cell_center_y_m(5);
  o.max_range_m = 300;  // 10 cells
  auto v = viewshed(t, o, VisibilityModel{});
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->col0, 0);
  EXPECT_EQ(v->row0, 0);
  EXPECT_EQ(v->width, 14);
  EXPECT_EQ(v->height, 16);
  EXPECT_FLOAT_EQ(v->at(13, 5), 0.f);           // exactly 300 m east: in range
  EXPECT_TRUE(std::isnan(v->at(13, 6)));        // 10 cells east, 1 south: > 300 m
  EXPECT_FLOAT_EQ(v->at(3, 5), 0.f);            // the eye's own cell
  EXPECT_DOUBLE_EQ(v->eye_msl_m, 12.0);

  o.x_m = -5;
  EXPECT_EQ(viewshed(t, o, VisibilityModel{}).status().code(), StatusCode::kOutOfRange);
}

// Fast vs reference on real-looking terrain: >= 99.5 % of in-range cells within max(1 m, 0.5 %).
void compare_kernels(const Terrain& t, const std::vector<Observer>& observers, const char* what) {
  std::vector<double> err;
  std::int64_t ok = 0;
  for (const Observer& o : observers) {
    auto fast = viewshed(t, o, VisibilityModel{});
    auto ref = viewshed_reference(t, o, VisibilityModel{});
    ASSERT_TRUE(fast.ok() && ref.ok()) << fast.status().message() << ref.status().message();
    ASSERT_EQ(fast->width, ref->width);
    for (std::size_t i = 0; i < ref->min_visible_agl_m.size(); ++i) {
      const float r = ref->min_visible_agl_m[i], f = fast->min_visible_agl_m[i];
      ASSERT_EQ(std::isnan(r), std::isnan(f));
      if (std::isnan(r)) continue;
      const double e = std::abs(static_cast<double>(f) - r);
      err.push_back(e);
      if (e <= std::max(1.0, 0.005 * r)) ++ok;
    }
  }
  std::sort(err.begin(), err.end());
  auto pct = [&](double p) { return err[static_cast<std::size_t>(p * (err.size() - 1))]; };
  const double share = static_cast<double>(ok) / err.size();
  fmt::print("{}: {} cells, |fast - reference| m: p50 {:.4f} p90 {:.4f} p99 {:.4f} p99.5 {:.4f} p99.9 {:.4f} "
             "max {:.3f}; within max(1 m, 0.5 %): {:.3f} %\n",
             what, err.size(), pct(0.5), pct(0.9), pct(0.99), pct(0.995), pct(0.999), err.back(), 100 * share);
  EXPECT_GE(share, 0.995) << what;
}

TEST(ViewshedAccuracy, FastMatchesReferenceOnRuggedSyntheticTerrain) {
  const Terrain t = test::synthetic_terrain(300, 300, 1000, 7, 0.6);
  std::vector<Observer> obs;
  for (auto [c, r] : {std::pair{150, 150}, {40, 260}, {210, 70}}) {
    Observer o;
    o.x_m = t.geometry().cell_center_x_m(c);
    o.y_m = t.geometry().cell_center_y_m(r);
    o.height_agl_m = 2;
    o.max_range_m = 4000;
    obs.push_back(o);
  }
  compare_kernels(t, obs, "synthetic relief 1000 m roughness 0.6");
}

// Small windows (radius 1 to 20 cells): most of the window is the last, padded group of its
// column, and the eye sits on the DEM's edge for some sites. Run under ASan in CI.
TEST(ViewshedAccuracy, FastMatchesReferenceForSmallWindowsAndEdgeSites) {
  const Terrain t = test::synthetic_terrain(64, 48, 800, 3, 0.6);
  std::vector<Observer> obs;
  for (double range_m : {30.0, 45.0, 90.0, 200.0, 420.0, 600.0})
    for (auto [c, r] : {std::pair{32, 24}, {0, 0}, {63, 47}, {1, 46}, {62, 3}}) {
      Observer o;
      o.x_m = t.geometry().cell_center_x_m(c);
      o.y_m = t.geometry().cell_center_y_m(r);
      o.height_agl_m = 2;
      o.max_range_m = range_m;
      obs.push_back(o);
    }
  compare_kernels(t, obs, "small windows, edge sites");
}

TEST(ViewshedAccuracy, FastMatchesReferenceOnTrinidadSample) {
  TerrainLoadOptions opts;
  opts.unit = ElevationUnit::kFeet;
  auto t = load_terrain(SKYCOVER_SOURCE_DIR "/data/trinidad_sample.tif", opts);
  ASSERT_TRUE(t.ok()) << t.status().message();
  std::vector<Observer> obs;
  for (auto [fc, fr] : {std::pair{0.5, 0.5}, {0.3, 0.7}, {0.75, 0.35}}) {
    const int c = static_cast<int>(fc * t->width()), r = static_cast<int>(fr * t->height());
    ASSERT_TRUE(t->is_valid(c, r));
    Observer o;
    o.x_m = t->geometry().cell_center_x_m(c);
    o.y_m = t->geometry().cell_center_y_m(r);
    o.height_agl_m = 2;
    o.max_range_m = 6000;
    obs.push_back(o);
  }
  compare_kernels(*t, obs, "trinidad_sample.tif (feet)");
}

// The kernel's column steps (portable, 128-bit AVX, AVX2, AVX-512; the one used chosen by timing at
// run time) must give the same bytes, so results do not depend on the CPU (docs/visibility.md).
TEST(ViewshedKernel, AllColumnStepsGiveTheSameBits) {
  using Path = detail::ViewshedScratch::Path;
  std::vector<std::pair<Path, const char*>> vector_paths;
  for (Path p : {Path::kAvx128, Path::kAvx2, Path::kAvx512})
    if (detail::column_step_supported(p)) vector_paths.emplace_back(p, detail::column_step_name(p));
  // kAuto: the step measured fastest at first use (column_step_choice), whichever it is.
  vector_paths.emplace_back(Path::kAuto, "auto");
  const int width = 260, height = 240;
  const Terrain rugged = test::synthetic_terrain(width, height, 1000, 11, 0.6);
  // The same terrain with nodata holes (a lake and scattered voids), which must not block.
  std::vector<float> z = rugged.elevations_m();
  for (int r = 0; r < height; ++r)
    for (int c = 0; c < width; ++c)
      if ((c - 90) * (c - 90) + (r - 150) * (r - 150) < 400 || (c * 7 + r * 13) % 97 == 0)
        z[static_cast<std::size_t>(r) * width + c] = std::numeric_limits<float>::quiet_NaN();
  const Terrain holed(rugged.geometry(), z);
  const VisibilityModel model;
  for (const Terrain* t : {&rugged, &holed})
    for (double range_m : {2500.0, 6000.0})
      for (auto [c, r] : {std::pair{130, 120}, {3, 5}, {250, 200}, {60, 230}, {120, 118}}) {
        if (!t->is_valid(c, r)) continue;
        const detail::ViewshedGeometry g = detail::make_viewshed_geometry(t->cell_size_m(), range_m, model);
        const float eye = t->elevation_m(c, r) + 2.f;
        detail::ViewshedScratch portable;
        portable.path = Path::kPortable;
        detail::viewshed_local(*t, c, r, eye, g, portable, true);
        for (const auto& [path, name] : vector_paths) {
          detail::ViewshedScratch vec;
          vec.path = path;
          detail::viewshed_local(*t, c, r, eye, g, vec, true);
          ASSERT_EQ(vec.out.size(), portable.out.size());
          EXPECT_EQ(0, std::memcmp(vec.out.data(), portable.out.data(), vec.out.size() * sizeof(float)))
              << name << " vs portable: site (" << c << ", " << r << "), range " << range_m << " m";
        }
      }
}

// Dispatch by measurement: the chosen step is one this CPU runs, every supported step was timed,
// and the report names the CPU and the step.
TEST(ViewshedKernel, TheColumnStepIsChosenByTimingAmongTheSupportedOnes) {
  using Path = detail::ViewshedScratch::Path;
  const detail::ColumnStepChoice& choice = detail::column_step_choice();
  EXPECT_TRUE(detail::column_step_supported(choice.path));
  EXPECT_NE(choice.path, Path::kAuto);
  if (!choice.forced) {
    std::size_t supported = 0;
    for (Path p : {Path::kPortable, Path::kAvx128, Path::kAvx2, Path::kAvx512}) supported += detail::column_step_supported(p);
    ASSERT_EQ(choice.timings.size(), supported);
    for (const auto& [path, seconds] : choice.timings) {
      EXPECT_GT(seconds, 0.0) << detail::column_step_name(path);
      EXPECT_LT(seconds, 0.5) << detail::column_step_name(path);  // a built-in window of 181^2 cells
    }
  }
  const std::string report = kernel_report();
  EXPECT_NE(report.find(detail::column_step_name(choice.path)), std::string::npos) << report;
  EXPECT_NE(report.find("CPU"), std::string::npos) << report;
}

}  // namespace
}  // namespace skycover
