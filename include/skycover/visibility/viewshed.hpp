// Line of sight from one site: for every cell within range, the minimum height above that
// cell's ground at which a target at the cell centre is visible from the site's eye
// (gdal_viewshed's GROUND mode), with Earth curvature and atmospheric refraction.
//
// Model (see docs/visibility.md):
//  * Eye at the centre of the cell containing the site's (x, y) (like gdal_viewshed, which also
//    snaps the observer to a cell), at that cell's elevation + height_agl. Targets at cell centres.
//  * Curvature: a point at horizontal distance d appears lowered by d^2 (1 - k) / (2 R),
//    R = 6,371,000 m, k = refraction coefficient (0.13 by default).
//  * Terrain along the ray is sampled once per column (or row) the ray advances: where it
//    crosses the grid lines through cell centres perpendicular to its major axis (column lines
//    when |dx| >= |dy|, else row lines), linearly interpolating between the two cell centres the
//    crossing lies between: the "R3" model of Franklin & Ray (1994) with major-axis crossings.
//  * The target's own cell and the eye's own cell do not block. The eye's cell reads 0.
//  * Nodata cells: NaN in the output, and they do not block (a sample interpolated from a nodata
//    cell is skipped).
//  * Output: minimum visible height above the target's ground = max(0, eye + S d + drop(d) - z),
//    S the largest apparent slope (z_s - drop(d_s) - eye) / d_s over the samples.
#pragma once
#include <string>
#include <cstdint>
#include <memory>
#include <vector>

#include "skycover/core/status.hpp"
#include "skycover/terrain/terrain.hpp"

namespace skycover {

inline constexpr double kEarthRadiusM = 6371000.0;

struct VisibilityModel {
  double refraction_k = 0.13;
  double earth_radius_m = kEarthRadiusM;
  // Apparent drop (m) of a point at horizontal distance d_m.
  double curvature_drop_m(double d_m) const { return d_m * d_m * (1.0 - refraction_k) / (2.0 * earth_radius_m); }
};

struct Observer {
  double x_m = 0;
  double y_m = 0;
  double height_agl_m = 2;
  double max_range_m = 6000;  // horizontal radius of the window to compute
};

// A square window of the terrain grid around the observer.
struct ViewshedWindow {
  int col0 = 0, row0 = 0;   // terrain cell of window (0, 0)
  int width = 0, height = 0;
  double eye_msl_m = 0;
  // Row-major, width*height. Minimum visible height above ground (m), >= 0;
  // NaN outside max_range (horizontal, centre to centre), off-grid, or nodata.
  std::vector<float> min_visible_agl_m;
  float at(int col, int row) const {  // terrain coordinates
    return min_visible_agl_m[static_cast<std::size_t>(row - row0) * width + (col - col0)];
  }
  bool contains(int col, int row) const {
    return col >= col0 && row >= row0 && col < col0 + width && row < row0 + height;
  }
};

// Exact, slow reference: walks every sample of every ray in double precision. O(R^3). For tests.
Result<ViewshedWindow> viewshed_reference(const Terrain& terrain, const Observer& observer,
                                          const VisibilityModel& model);

// Fast kernel used in production, O(R^2) (horizon-pointer propagation; see src/visibility/
// viewshed_kernel.hpp). Agrees with the reference to within max(1 m, 0.5 %) on >= 99.5 % of
// in-range cells (tests/visibility); where it errs it errs low (a missed obstacle).
Result<ViewshedWindow> viewshed(const Terrain& terrain, const Observer& observer, const VisibilityModel& model);

// Many single-site viewsheds with one model: keeps the per-(cell size, range) tables and the
// scratch buffers between calls, so a batch allocates only its output windows. Not thread-safe:
// use one engine per thread. `expected_viewsheds`: how many the caller will compute (0 = not
// known). Fewer than kTimedColumnStepAfter take the widest column step the CPU has instead of
// timing every step first (~12 ms, more than a few viewsheds cost); the bits are the same.
class ViewshedEngine {
 public:
  static constexpr int kTimedColumnStepAfter = 16;
  explicit ViewshedEngine(const VisibilityModel& model = {}, int expected_viewsheds = 0);
  ~ViewshedEngine();
  ViewshedEngine(ViewshedEngine&&) noexcept;
  ViewshedEngine& operator=(ViewshedEngine&&) noexcept;
  // reference = true: the exact O(R^3) kernel (same as viewshed_reference).
  Result<ViewshedWindow> compute(const Terrain& terrain, const Observer& observer, bool reference = false);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// One line for logs and benchmarks: the CPU model and the fast kernel's column step (chosen by
// timing at first use, docs/visibility.md), e.g. "CPU AMD EPYC 9R45 (AVX2, AVX-512); column step
// avx512, timed on a built-in window: avx512 0.21 ms, avx2 0.25 ms, avx128 0.38 ms, portable 1.1 ms".
std::string kernel_report();
// The CPU's brand string (cpuid), or "unknown CPU".
std::string cpu_model();

}  // namespace skycover
