// Internal: the fast O(R^2) viewshed kernel with reusable per-window geometry and per-thread
// scratch buffers, shared by viewshed() and engagement_union(). Not a public header.
//
// Algorithm (docs/visibility.md): "horizon-pointer propagation", an XDraw-style sweep
// (Franklin & Ray 1994; Wang et al. 2000; Izraelevitz 2003) that propagates *where* the horizon
// is rather than how high. In the octant where |dx| >= |dy| (major axis x), the ray from the
// eye to cell (i, j) passes between the cells (i-1, j-1) and (i-1, j) of the previous column.
// Their rays found their horizon (maximum-slope sample) at columns ka and kb. The target's own
// ray is then sampled *exactly* (same R3 sample as the reference) at column i-1 and at columns
// next to ka and kb (in groups of sixteen targets: viewshed_group.hpp); the best of those is its
// horizon. Samples are exact, so the result can only err low (a missed obstacle), and only when
// the target's true horizon lies on a ridge its neighbours' rays did not find. O(1) per cell
// (~5 samples), no division or square root: distance factors come from tables built once per
// (cell size, range, model).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <utility>
#include <vector>

#include "../core/huge_page_allocator.hpp"
#include "skycover/terrain/terrain.hpp"
#include "skycover/visibility/viewshed.hpp"

namespace skycover::detail {

// Geometry of the first octant (0 <= j <= i <= radius_cells) for one (cell size, range, model);
// shared by every site with that range. Index of (i, j) is tri_index(i) + j.
struct ViewshedGeometry {
  int radius_cells = 0;       // R: window is (2R+1)^2 local cells, eye at (R, R)
  double cell_size_m = 0;
  double max_range_m = 0;
  std::vector<int> last_j;    // per i: largest j <= i with (i, j) within range; -1 if none
  std::vector<float> curv;    // c cs^2 (1 + (j/i)^2), drop = c d^2: curvature term of scaled slopes
  std::vector<float> drop_t;  // drop at the target centre
  std::vector<float> inv_k;   // 1/k, k = 0..R
  static std::size_t tri_index(int i) { return static_cast<std::size_t>(i) * (i + 1) / 2; }
  int side() const { return 2 * radius_cells + 1; }
};

// Largest window radius (max range / cell size) the fast kernel takes: beyond ~30,000 cells the 16
// lanes of a group can straddle more rows than one vector load holds, and the exact-centre
// crossing test (k j exact in float) holds below 4,096. 20,000 cells is 600 km at 30 m, 6 km at
// 0.3 m. Callers reject larger ranges with an error.
constexpr int kMaxRadiusCells = 20000;
// `max_radius_cells` caps the window's radius (not the range): no grid cell lies farther (in
// cells along either axis) from any eye on it than the grid's larger side, so a 300 km range over
// a 100 x 100 DEM needs a 100-cell window, not a 10,000-cell one (the cells it drops are off the
// grid; every value inside is the same).
ViewshedGeometry make_viewshed_geometry(double cell_size_m, double max_range_m, const VisibilityModel& model,
                                        int max_radius_cells = std::numeric_limits<int>::max());

inline bool radius_fits(double cell_size_m, double max_range_m, int max_radius_cells = std::numeric_limits<int>::max()) {
  return std::min(max_range_m / cell_size_m, static_cast<double>(max_radius_cells)) <= static_cast<double>(kMaxRadiusCells);
}

// Whether offset (dx, dy) cells from the eye is within max_range (same expression everywhere).
inline bool offset_in_range(int dx, int dy, double cell_size_m, double max_range_m) {
  return cell_size_m * std::sqrt(static_cast<double>(dx) * dx + static_cast<double>(dy) * dy) <= max_range_m;
}

// Per-thread buffers; sized on first use, then reused without allocation.
struct ViewshedScratch {
  // Padding before and after the terrain windows: vector loads may read up to 16 floats past a row.
  static constexpr std::size_t kPad = 32;
  std::vector<float> local, local_t;  // kPad + (2R+1)^2 + kPad: the window and its transpose
  std::vector<float> out;             // (2R+1)^2
  float* local_ptr() { return local.data() + kPad; }
  float* local_t_ptr() { return local_t.data() + kPad; }
  std::vector<float> row;    // R+kLanes+4: one output column
  std::vector<int> k0, k1;   // R+kLanes+4 each: where the rays of two columns found their horizons
  std::vector<int> fallback;  // a column's groups that take the scalar path
  // Which column step runs: the best the CPU has (kAuto), or one named (tests; the steps give
  // the same bits, and a named step the CPU lacks falls back to the portable one).
  enum class Path { kAuto, kPortable, kAvx128, kAvx2, kAvx512 };
  Path path = Path::kAuto;
};

// The column steps (viewshed_group.hpp): whether this CPU runs one, its name, and running one on a
// sweep (a step the CPU lacks runs the portable one).
bool column_step_supported(ViewshedScratch::Path path);
const char* column_step_name(ViewshedScratch::Path path);
struct SweepArgs;
void run_column_step(ViewshedScratch::Path path, const SweepArgs& args);
// The step kAuto runs: the fastest this CPU supports, timed once per process on a built-in window
// (or the one SKYCOVER_COLUMN_STEP names). The steps give the same bits, so this is speed only.
struct ColumnStepChoice {
  ViewshedScratch::Path path = ViewshedScratch::Path::kPortable;
  bool forced = false;                                               // by SKYCOVER_COLUMN_STEP
  std::vector<std::pair<ViewshedScratch::Path, double>> timings;     // seconds per window, each step
};
const ColumnStepChoice& column_step_choice();
// The widest step this CPU supports, untimed (AVX-512, AVX2, 128-bit AVX, portable): for jobs too
// small to pay for the timing.
ViewshedScratch::Path widest_column_step();

// Where the fast kernel reads the terrain: pointers at the eye cell of a row-major copy and of a
// transposed copy (so that every octant column is contiguous), each void wherever the kernel may
// read off the grid: R rows/columns around the eye, plus ViewshedScratch::kPad more along each row
// for vector over-reads (void = kVoid in viewshed.cpp, also for nodata; never NaN).
struct TerrainView {
  const float* rows = nullptr;  // elevation of (eye_col + dc, eye_row + dr) at rows[dr * row_stride + dc]
  std::ptrdiff_t row_stride = 0;
  const float* cols = nullptr;  // the same at cols[dc * col_stride + dr]
  std::ptrdiff_t col_stride = 0;
  // Grid cells beyond the eye towards +col, -col, +row, -row. An octant stops at the last column
  // that still has grid cells: no cell of the grid depends on the columns after it, and those
  // output cells are off the grid (left NaN, or untouched when fill_out_of_range is false).
  int reach[4] = {1 << 30, 1 << 30, 1 << 30, 1 << 30};
};

// The whole grid padded with void (kVoid, also for nodata) by `pad` cells (and kPad more along each line), and its
// transpose: made once per union run so that no site copies or transposes its window.
// Memory: 2 (W + 2 pad + 2 kPad)(H + 2 pad) floats.
struct PaddedTerrain {
  int pad = 0;
  int width = 0, height = 0;  // of the grid
  std::ptrdiff_t stride = 0, stride_t = 0;  // W + 2 pad + 2 kPad, H + 2 pad + 2 kPad
  std::vector<float, HugePageAllocator<float>> rows, cols;  // 2 MiB pages where the OS gives them
  TerrainView view(int col, int row) const {
    return {rows.data() + (row + pad) * stride + col + pad + static_cast<std::ptrdiff_t>(ViewshedScratch::kPad), stride,
            cols.data() + (col + pad) * stride_t + row + pad + static_cast<std::ptrdiff_t>(ViewshedScratch::kPad), stride_t,
            {width - 1 - col, col, height - 1 - row, row}};
  }
};
PaddedTerrain make_padded_terrain(const Terrain& terrain, int pad);

// Fast kernel on a prepared view (see viewshed_local); the eye cell must be valid.
void viewshed_local_view(const TerrainView& view, float eye_msl_m, const ViewshedGeometry& g, ViewshedScratch& scratch,
                         bool fill_out_of_range, float* out = nullptr);

// Fast kernel: fills scratch.out ((2R+1)^2, row-major, eye at (R, R)) with the minimum visible
// height above ground; NaN off-grid or nodata, and out of range if fill_out_of_range (else those
// cells hold stale values: the union masks them with its own range table and saves two passes).
// (eye_col, eye_row) must be a valid cell.
// `out`, when given, receives the window instead of scratch.out (the same (2R+1)^2 layout): a
// caller whose result is the whole window saves a copy of it.
void viewshed_local(const Terrain& terrain, int eye_col, int eye_row, float eye_msl_m, const ViewshedGeometry& g,
                    ViewshedScratch& scratch, bool fill_out_of_range = true, float* out = nullptr);

// Exact R3 ray walk into the same local layout (scratch.out). O(R^3).
void viewshed_local_reference(const Terrain& terrain, int eye_col, int eye_row, double eye_msl_m,
                              const ViewshedGeometry& g, const VisibilityModel& model, ViewshedScratch& scratch);

// Clutter (docs/visibility.md "Clutter"): the kernels above, run on terrain.surface() with the
// eye at bare ground + height, give each cell's minimum visible height above its ground + clutter
// top; this adds the cell's clutter back, so the figure is above the bare ground again and a
// target over trees or roofs must clear them: max(c, eye + S d + drop(d) - z). Cells where clutter
// is 0 keep their bits. `out` is the local (2R+1)^2 layout around (eye_col, eye_row) of `terrain`
// (which holds the clutter layer); cells off the grid are left alone.
void add_clutter(const Terrain& terrain, int eye_col, int eye_row, int radius, float* out);

}  // namespace skycover::detail
