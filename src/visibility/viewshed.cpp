// Line of sight from one site: exact R3 reference and the fast horizon-propagation kernel.
// Model and algorithm: docs/visibility.md and viewshed_kernel.hpp.
#include "skycover/visibility/viewshed.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <iterator>
#include <limits>
#include <string_view>

#include <fmt/format.h>
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#endif
#if defined(__SSE2__)
#include <xmmintrin.h>
#endif
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include "viewshed_group.hpp"
#include "viewshed_kernel.hpp"

namespace skycover {
namespace detail {

namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
inline float nan_to(float z, float off) { return z == z ? z : off; }
inline float void_if_nan(float z) { return nan_to(z, kVoid); }

// dst[c * dst_stride + r] = src[r * src_stride + c] for r < rows, c < cols: 32 x 32 blocks (both
// sides stay in L1), each in 4 x 4 register transposes where SSE (the x86-64 baseline) exists.
void transpose(const float* src, std::ptrdiff_t src_stride, float* dst, std::ptrdiff_t dst_stride, int rows, int cols) {
  constexpr int kB = 32;
  for (int r0 = 0; r0 < rows; r0 += kB)
    for (int c0 = 0; c0 < cols; c0 += kB) {
      const int r1 = std::min(rows, r0 + kB), c1 = std::min(cols, c0 + kB);
      int r = r0;
#if defined(__SSE2__)
      for (; r + 4 <= r1; r += 4) {
        const float* s0 = src + r * src_stride;
        int c = c0;
        for (; c + 4 <= c1; c += 4) {
          __m128 a = _mm_loadu_ps(s0 + c), b = _mm_loadu_ps(s0 + src_stride + c);
          __m128 e = _mm_loadu_ps(s0 + 2 * src_stride + c), f = _mm_loadu_ps(s0 + 3 * src_stride + c);
          _MM_TRANSPOSE4_PS(a, b, e, f);
          float* d0 = dst + c * dst_stride + r;
          _mm_storeu_ps(d0, a);
          _mm_storeu_ps(d0 + dst_stride, b);
          _mm_storeu_ps(d0 + 2 * dst_stride, e);
          _mm_storeu_ps(d0 + 3 * dst_stride, f);
        }
        for (; c < c1; ++c)
          for (int q = 0; q < 4; ++q) dst[c * dst_stride + r + q] = s0[q * src_stride + c];
      }
#endif
      for (; r < r1; ++r)
        for (int c = c0; c < c1; ++c) dst[c * dst_stride + r] = src[r * src_stride + c];
    }
}

// Copy the (2R+1)^2 neighbourhood of the eye cell and its transpose: `off` off the grid and for
// nodata (NaN for the reference, kVoid for the fast kernel).
void load_local(const Terrain& terrain, int eye_col, int eye_row, int radius, ViewshedScratch& s, float off) {
  const int n = 2 * radius + 1;
  const std::size_t cells = static_cast<std::size_t>(n) * n;
  if (s.local.size() != cells + 2 * ViewshedScratch::kPad) {
    s.local.assign(cells + 2 * ViewshedScratch::kPad, off);
    s.local_t.assign(cells + 2 * ViewshedScratch::kPad, off);
    s.out.assign(cells, kNaN);
  }
  const std::vector<float>& z = terrain.elevations_m();
  const int w = terrain.width();
  for (int r = 0; r < n; ++r) {
    float* dst = s.local_ptr() + static_cast<std::size_t>(r) * n;
    const int row = eye_row - radius + r;
    if (row < 0 || row >= terrain.height()) {
      std::fill(dst, dst + n, off);
      continue;
    }
    const int c_lo = std::max(0, radius - eye_col);
    const int c_hi = std::min(n, w - eye_col + radius);  // exclusive
    std::fill(dst, dst + c_lo, off);
    const float* src = z.data() + static_cast<std::size_t>(row) * w + (eye_col - radius);
    std::transform(src + c_lo, src + c_hi, dst + c_lo, [off](float v) { return nan_to(v, off); });
    std::fill(dst + c_hi, dst + n, off);
  }
  // The octants whose major axis is x then also walk contiguous memory.
  transpose(s.local_ptr(), n, s.local_t_ptr(), n, n, n);
}

}  // namespace

ViewshedGeometry make_viewshed_geometry(double cell_size_m, double max_range_m, const VisibilityModel& model,
                                        int max_radius_cells) {
  ViewshedGeometry g;
  g.cell_size_m = cell_size_m;
  g.max_range_m = max_range_m;
  g.radius_cells = static_cast<int>(std::min(std::floor(max_range_m / cell_size_m), static_cast<double>(max_radius_cells)));
  const int radius = g.radius_cells;
  // + kLanes: the last group of a column reads up to kLanes - 1 entries past its end.
  const std::size_t count = ViewshedGeometry::tri_index(radius + 1) + kLanes;
  g.last_j.assign(radius + 1, -1);
  g.curv.assign(count, 0.f);
  g.drop_t.assign(count, 0.f);
  g.inv_k.assign(radius + 1, 0.f);
  for (int k = 1; k <= radius; ++k) g.inv_k[k] = 1.0f / static_cast<float>(k);
  const double c = model.curvature_drop_m(1.0);  // drop = c d^2
  for (int i = 0; i <= radius; ++i) {
    for (int j = 0; j <= i; ++j) {
      if (!offset_in_range(i, j, cell_size_m, max_range_m)) break;
      g.last_j[i] = j;
      const std::size_t k = ViewshedGeometry::tri_index(i) + j;
      const double dt = cell_size_m * std::sqrt(static_cast<double>(i) * i + static_cast<double>(j) * j);
      g.drop_t[k] = static_cast<float>(model.curvature_drop_m(dt));
      if (i >= 1) g.curv[k] = static_cast<float>(c * cell_size_m * cell_size_m * (1.0 + (static_cast<double>(j) * j) / (static_cast<double>(i) * i)));
    }
  }
  return g;
}

PaddedTerrain make_padded_terrain(const Terrain& terrain, int pad) {
  PaddedTerrain p;
  const int w = terrain.width(), h = terrain.height();
  const std::ptrdiff_t kp = static_cast<std::ptrdiff_t>(ViewshedScratch::kPad);
  p.pad = pad;
  p.width = w, p.height = h;
  p.stride = w + 2 * pad + 2 * kp;
  p.stride_t = h + 2 * pad + 2 * kp;
  p.rows.resize(static_cast<std::size_t>(p.stride) * static_cast<std::size_t>(h + 2 * pad));
  p.cols.resize(static_cast<std::size_t>(p.stride_t) * static_cast<std::size_t>(w + 2 * pad));
  const float* z = terrain.elevations_m().data();
  // Padded rows, in parallel (the copies are ~2 x 50 MB at the claim's scale): each task fills
  // whole padded lines, the void margins included.
  tbb::parallel_for(tbb::blocked_range<int>(-pad, h + pad, 64), [&](const tbb::blocked_range<int>& rr) {
    for (int r = rr.begin(); r != rr.end(); ++r) {
      float* line = p.rows.data() + static_cast<std::ptrdiff_t>(r + pad) * p.stride;
      if (r < 0 || r >= h) {
        std::fill(line, line + p.stride, kVoid);
        continue;
      }
      std::fill(line, line + pad + kp, kVoid);
      std::transform(z + static_cast<std::size_t>(r) * w, z + static_cast<std::size_t>(r + 1) * w, line + pad + kp, void_if_nan);
      std::fill(line + pad + kp + w, line + p.stride, kVoid);
    }
  });
  // The transpose, by blocks of 32 columns (each task owns its padded lines).
  constexpr int kB = 32;
  tbb::parallel_for(tbb::blocked_range<int>(-pad, w + pad, kB), [&](const tbb::blocked_range<int>& cr) {
    for (int c = cr.begin(); c != cr.end(); ++c) {
      float* line = p.cols.data() + static_cast<std::ptrdiff_t>(c + pad) * p.stride_t;
      std::fill(line, line + p.stride_t, kVoid);
    }
    // From the padded rows (already void for nodata).
    const int c_lo = std::max(0, cr.begin()), c_hi = std::min(w, cr.end());
    if (c_lo < c_hi)
      transpose(p.rows.data() + static_cast<std::ptrdiff_t>(pad) * p.stride + pad + kp + c_lo, p.stride,
                p.cols.data() + static_cast<std::ptrdiff_t>(c_lo + pad) * p.stride_t + pad + kp, p.stride_t, h, c_hi - c_lo);
  });
  return p;
}

void viewshed_local(const Terrain& terrain, int eye_col, int eye_row, float eye_msl_m, const ViewshedGeometry& g,
                    ViewshedScratch& s, bool fill_out_of_range, float* out) {
  const int radius = g.radius_cells;
  const int n = g.side();
  load_local(terrain, eye_col, eye_row, radius, s, kVoid);
  const std::ptrdiff_t eye_off = static_cast<std::ptrdiff_t>(radius) * n + radius;
  viewshed_local_view({s.local_ptr() + eye_off, n, s.local_t_ptr() + eye_off, n,
                       {terrain.width() - 1 - eye_col, eye_col, terrain.height() - 1 - eye_row, eye_row}},
                      eye_msl_m, g, s, fill_out_of_range, out);
}

void viewshed_local_view(const TerrainView& view, float eye_msl_m, const ViewshedGeometry& g, ViewshedScratch& s,
                         bool fill_out_of_range, float* out) {
  const int radius = g.radius_cells;
  const int n = g.side();
  const std::size_t cells = static_cast<std::size_t>(n) * n;
  if (out == nullptr) {
    if (s.out.size() != cells) s.out.assign(cells, kNaN);
    out = s.out.data();
  }
  if (fill_out_of_range) std::fill(out, out + cells, kNaN);
  // One column's cells 0..R, the pointer pads at -1 and R+1.., and the last group's lanes past nj.
  const std::size_t row_len = static_cast<std::size_t>(radius) + kLanes + 4;
  if (s.row.size() != row_len) {
    s.k0.assign(row_len, 0);
    s.k1.assign(row_len, 0);
    s.row.assign(row_len, 0.f);
  }
  s.fallback.resize(static_cast<std::size_t>(radius) / kLanes + 2);
  SweepArgs a;
  a.rows = view.rows, a.row_stride = view.row_stride, a.cols = view.cols, a.col_stride = view.col_stride;
  std::copy(std::begin(view.reach), std::end(view.reach), a.reach);
  a.eye = eye_msl_m;
  a.radius = radius, a.side = n;
  a.last_j = g.last_j.data(), a.curv = g.curv.data(), a.drop_t = g.drop_t.data(), a.inv_k = g.inv_k.data();
  a.out = out, a.k0 = s.k0.data(), a.k1 = s.k1.data(), a.row = s.row.data(), a.fallback = s.fallback.data();
  run_column_step(s.path == ViewshedScratch::Path::kAuto ? column_step_choice().path : s.path, a);
}

bool column_step_supported(ViewshedScratch::Path path) {
  using Path = ViewshedScratch::Path;
  switch (path) {
    case Path::kAuto:
    case Path::kPortable: return true;
#if SKYCOVER_VIEWSHED_HAVE_AVX2
    case Path::kAvx128: return __builtin_cpu_supports("avx");
    case Path::kAvx2: return __builtin_cpu_supports("avx2");
    case Path::kAvx512: return __builtin_cpu_supports("avx512f");
#else
    default: return false;
#endif
  }
  return false;
}

const char* column_step_name(ViewshedScratch::Path path) {
  using Path = ViewshedScratch::Path;
  switch (path) {
    case Path::kAuto: return "auto";
    case Path::kPortable: return "portable";
    case Path::kAvx128: return "avx128";
    case Path::kAvx2: return "avx2";
    case Path::kAvx512: return "avx512";
  }
  return "?";
}

void run_column_step(ViewshedScratch::Path path, const SweepArgs& a) {
  using Path = ViewshedScratch::Path;
  if (!column_step_supported(path)) path = Path::kPortable;  // a named step the CPU lacks
#if SKYCOVER_VIEWSHED_HAVE_AVX2
  switch (path) {
    case Path::kAvx512: sweep_octants_avx512(a); return;
    case Path::kAvx2: sweep_octants_avx2(a); return;
    case Path::kAvx128: sweep_octants_avx128(a); return;
    default: break;
  }
#endif
  sweep_octants(a, [](const ColumnContext& c, int* fallback) { return column_groups_portable(c, fallback); });
}

namespace {

// The built-in window the steps are timed on: rugged terrain in closed form (sums of sines at
// incommensurate wavelengths, ~600 m of relief on 30 m cells), so that the groups' candidate
// columns spread as on real ground. 181 x 181 cells, eye at the centre, radius 90 cells.
struct TimingWindow {
  static constexpr int kRadius = 90, kSide = 2 * kRadius + 1;
  Terrain terrain;
  ViewshedGeometry geometry;
  TimingWindow() : terrain(grid(), heights()), geometry(make_viewshed_geometry(30.0, kRadius * 30.0, VisibilityModel{})) {}
  static GridGeometry grid() {
    GridGeometry g;
    g.width = g.height = kSide;
    g.cell_size_m = 30;
    return g;
  }
  static std::vector<float> heights() {
    std::vector<float> z(static_cast<std::size_t>(kSide) * kSide);
    for (int r = 0; r < kSide; ++r)
      for (int c = 0; c < kSide; ++c)
        z[static_cast<std::size_t>(r) * kSide + c] = static_cast<float>(
            300 + 160 * std::sin(c * 0.071 + 0.3) * std::cos(r * 0.053) + 90 * std::sin((c + 2 * r) * 0.163) +
            45 * std::cos((3 * c - r) * 0.311) + 20 * std::sin(c * 0.97 + r * 1.31));
    return z;
  }
};

}  // namespace

ViewshedScratch::Path widest_column_step() {
  using Path = ViewshedScratch::Path;
  for (Path p : {Path::kAvx512, Path::kAvx2, Path::kAvx128})
    if (column_step_supported(p)) return p;
  return Path::kPortable;
}

const ColumnStepChoice& column_step_choice() {
  // Measured once per process (a few milliseconds, on first use): the fastest step on this CPU.
  // Any choice gives the same bits, so the measurement's noise can only cost speed. The
  // environment variable SKYCOVER_COLUMN_STEP names one instead (benchmarks, comparisons).
  static const ColumnStepChoice choice = [] {
    using Path = ViewshedScratch::Path;
    ColumnStepChoice out;
    std::vector<Path> candidates;
    for (Path p : {Path::kAvx512, Path::kAvx2, Path::kAvx128, Path::kPortable})
      if (column_step_supported(p)) candidates.push_back(p);
    if (const char* forced = std::getenv("SKYCOVER_COLUMN_STEP")) {
      for (Path p : candidates)
        if (std::string_view(forced) == column_step_name(p)) {
          out.path = p;
          out.forced = true;
          return out;
        }
    }
    const TimingWindow w;
    const float eye = w.terrain.elevation_m(TimingWindow::kRadius, TimingWindow::kRadius) + 2.f;
    std::vector<double> best(candidates.size(), 1e300);
    ViewshedScratch scratch;
    // Rounds interleave the steps, so a burst of noise hits them alike; each keeps its fastest run.
    for (int round = 0; round < 5; ++round)
      for (std::size_t q = 0; q < candidates.size(); ++q) {
        scratch.path = candidates[q];
        const auto t0 = std::chrono::steady_clock::now();
        viewshed_local(w.terrain, TimingWindow::kRadius, TimingWindow::kRadius, eye, w.geometry, scratch, false);
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        best[q] = std::min(best[q], s);
      }
    std::size_t fastest = 0;
    for (std::size_t q = 1; q < candidates.size(); ++q)
      if (best[q] < best[fastest]) fastest = q;
    out.path = candidates[fastest];
    for (std::size_t q = 0; q < candidates.size(); ++q) out.timings.emplace_back(candidates[q], best[q]);
    return out;
  }();
  return choice;
}

void viewshed_local_reference(const Terrain& terrain, int eye_col, int eye_row, double eye_msl_m,
                              const ViewshedGeometry& g, const VisibilityModel& model, ViewshedScratch& s) {
  const int radius = g.radius_cells;
  const int n = g.side();
  load_local(terrain, eye_col, eye_row, radius, s, kNaN);
  std::fill(s.out.begin(), s.out.end(), kNaN);
  const float* z = s.local_ptr();
  auto elev = [&](int dx, int dy) { return static_cast<double>(z[static_cast<std::size_t>(radius + dy) * n + radius + dx]); };
  const double cs = g.cell_size_m;
  for (int dy = -radius; dy <= radius; ++dy) {
    for (int dx = -radius; dx <= radius; ++dx) {
      if (!offset_in_range(dx, dy, cs, g.max_range_m)) continue;
      const double zt = elev(dx, dy);
      if (std::isnan(zt)) continue;
      float& out = s.out[static_cast<std::size_t>(radius + dy) * n + radius + dx];
      if (dx == 0 && dy == 0) {
        out = 0.f;
        continue;
      }
      const double dt = cs * std::sqrt(static_cast<double>(dx) * dx + static_cast<double>(dy) * dy);
      const int adx = std::abs(dx), ady = std::abs(dy);
      const int sx = dx < 0 ? -1 : 1, sy = dy < 0 ? -1 : 1;
      double horizon = -std::numeric_limits<double>::infinity();
      auto sample = [&](double zs, double frac_of_ray) {
        const double d = dt * frac_of_ray;
        const double slope = (zs - model.curvature_drop_m(d) - eye_msl_m) / d;
        if (slope > horizon) horizon = slope;  // NaN (nodata) never blocks
      };
      // Major-axis grid lines strictly between the eye and the target: column lines x = k when
      // |dx| >= |dy|, else row lines y = m (one sample per column/row the ray advances).
      if (adx >= ady) for (int k = 1; k < adx; ++k) {
        const double y = static_cast<double>(ady) * k / adx;
        const int y0 = static_cast<int>(std::floor(y));
        const double f = y - y0;
        const double z0 = elev(sx * k, sy * y0);
        sample(f == 0.0 ? z0 : z0 + f * (elev(sx * k, sy * (y0 + 1)) - z0), static_cast<double>(k) / adx);
      }
      else for (int m = 1; m < ady; ++m) {
        const double x = static_cast<double>(adx) * m / ady;
        const int x0 = static_cast<int>(std::floor(x));
        const double f = x - x0;
        const double z0 = elev(sx * x0, sy * m);
        sample(f == 0.0 ? z0 : z0 + f * (elev(sx * (x0 + 1), sy * m) - z0), static_cast<double>(m) / ady);
      }
      const double need = eye_msl_m + horizon * dt + model.curvature_drop_m(dt) - zt;
      out = static_cast<float>(std::max(0.0, need));  // -inf horizon -> 0
    }
  }
}

void add_clutter(const Terrain& terrain, int eye_col, int eye_row, int radius, float* out) {
  const std::size_t n = static_cast<std::size_t>(2 * radius + 1);
  const int r_lo = std::max(0, eye_row - radius), r_hi = std::min(terrain.height() - 1, eye_row + radius);
  const int c_lo = std::max(0, eye_col - radius), c_hi = std::min(terrain.width() - 1, eye_col + radius);
  for (int row = r_lo; row <= r_hi; ++row) {
    const float* c = terrain.clutter_m().data() + terrain.index(0, row);
    float* o = out + static_cast<std::size_t>(row - eye_row + radius) * n;
    for (int col = c_lo; col <= c_hi; ++col)
      if (c[col] > 0) o[col - eye_col + radius] += c[col];
  }
}

}  // namespace detail

namespace {

}  // namespace

struct ViewshedEngine::Impl {
  VisibilityModel model;
  detail::ViewshedGeometry geometry;  // for the last (cell size, range) seen
  detail::ViewshedScratch scratch;
};

ViewshedEngine::ViewshedEngine(const VisibilityModel& model, int expected_viewsheds) : impl_(std::make_unique<Impl>()) {
  impl_->model = model;
  // A small batch: the widest step, untimed (SKYCOVER_COLUMN_STEP still wins).
  if (expected_viewsheds > 0 && expected_viewsheds < kTimedColumnStepAfter && !std::getenv("SKYCOVER_COLUMN_STEP"))
    impl_->scratch.path = detail::widest_column_step();
  // A known large batch: the step is timed now (once per process, a few ms), when the engine is
  // made, rather than inside the first compute() (whose time callers such as `--timing` report).
  else if (expected_viewsheds >= kTimedColumnStepAfter)
    impl_->scratch.path = detail::column_step_choice().path;
}
ViewshedEngine::~ViewshedEngine() = default;
ViewshedEngine::ViewshedEngine(ViewshedEngine&&) noexcept = default;
ViewshedEngine& ViewshedEngine::operator=(ViewshedEngine&&) noexcept = default;

Result<ViewshedWindow> ViewshedEngine::compute(const Terrain& terrain, const Observer& observer, bool reference) {
  const VisibilityModel& model = impl_->model;
  if (!(observer.max_range_m > 0) || !std::isfinite(observer.max_range_m))
    return Status::Invalid(fmt::format("viewshed: max_range_m must be a positive number of metres (got {})",
                                       observer.max_range_m));
  if (!std::isfinite(observer.height_agl_m))
    return Status::Invalid("viewshed: height_agl_m must be a finite number of metres");
  if (!(model.earth_radius_m > 0) || !std::isfinite(model.refraction_k))
    return Status::Invalid("viewshed: earth_radius_m must be > 0 and refraction_k finite");
  const auto cell = terrain.cell_of(observer.x_m, observer.y_m);
  if (!cell)
    return Status::OutOfRange(fmt::format("viewshed: site ({:.1f}, {:.1f}) lies outside the DEM; give coordinates "
                                          "in the DEM's CRS (or pass --site-crs)",
                                          observer.x_m, observer.y_m));
  const auto [ec, er] = *cell;
  const float ground = terrain.elevation_m(ec, er);
  if (std::isnan(ground))
    return Status::Invalid(fmt::format("viewshed: site ({:.1f}, {:.1f}) stands on a nodata cell ({}, {}) of the DEM; "
                                       "move it onto valid terrain",
                                       observer.x_m, observer.y_m, ec, er));
  const double cs = terrain.cell_size_m();
  // No window wider than the grid seen from this cell (viewshed_kernel.hpp).
  const int cap = std::max({ec, er, terrain.width() - 1 - ec, terrain.height() - 1 - er, 1});
  if (!detail::radius_fits(cs, observer.max_range_m, cap))
    return Status::Invalid(fmt::format("viewshed: max_range_m {} m is {:.0f} cells of this {} m DEM; the kernel takes at "
                                       "most {} cells: use a shorter range or a coarser DEM",
                                       observer.max_range_m, observer.max_range_m / cs, cs, detail::kMaxRadiusCells));
  const int capped_radius = static_cast<int>(std::min(std::floor(observer.max_range_m / cs), static_cast<double>(cap)));
  if (impl_->geometry.cell_size_m != cs || impl_->geometry.max_range_m != observer.max_range_m ||
      impl_->geometry.radius_cells != capped_radius)
    impl_->geometry = detail::make_viewshed_geometry(cs, observer.max_range_m, model, cap);
  const detail::ViewshedGeometry& g = impl_->geometry;
  detail::ViewshedScratch& scratch = impl_->scratch;
  const double eye = static_cast<double>(ground) + observer.height_agl_m;
  const int radius = g.radius_cells;
  const int n = g.side();
  // With clutter the rays run over ground + clutter of the window (the eye stays at bare ground +
  // height: a site on open ground is not raised), and each cell's clutter is added back after.
  const TileRect span = TileRect{ec - radius, er - radius, n, n}.intersect(terrain.geometry().full_rect());
  const Terrain surface = terrain.has_clutter() ? terrain.crop(span).surface() : Terrain();
  const Terrain& rays = terrain.has_clutter() ? surface : terrain;
  const int rc = terrain.has_clutter() ? ec - span.col0 : ec, rr = terrain.has_clutter() ? er - span.row0 : er;
  ViewshedWindow w;
  w.col0 = std::max(0, ec - radius);
  w.row0 = std::max(0, er - radius);
  w.width = std::min(terrain.width(), ec + radius + 1) - w.col0;
  w.height = std::min(terrain.height(), er + radius + 1) - w.row0;
  w.eye_msl_m = eye;
  if (!reference && w.width == n && w.height == n) {
    // The whole window lies on the grid: the kernel writes the result itself (NaN out of range,
    // from the assign), with no fill and copy of a scratch window.
    w.min_visible_agl_m.assign(static_cast<std::size_t>(n) * n, std::numeric_limits<float>::quiet_NaN());
    detail::viewshed_local(rays, rc, rr, static_cast<float>(eye), g, scratch, false, w.min_visible_agl_m.data());
    if (terrain.has_clutter()) detail::add_clutter(terrain, ec, er, radius, w.min_visible_agl_m.data());
    return w;
  }
  if (reference)
    detail::viewshed_local_reference(rays, rc, rr, eye, g, model, scratch);
  else
    detail::viewshed_local(rays, rc, rr, static_cast<float>(eye), g, scratch, true);
  if (terrain.has_clutter()) detail::add_clutter(terrain, ec, er, radius, scratch.out.data());
  w.min_visible_agl_m.resize(static_cast<std::size_t>(w.width) * w.height);
  for (int r = 0; r < w.height; ++r) {
    const int lr = w.row0 + r - (er - radius);
    const int lc = w.col0 - (ec - radius);
    const float* src = scratch.out.data() + static_cast<std::size_t>(lr) * n + lc;
    std::copy(src, src + w.width, w.min_visible_agl_m.data() + static_cast<std::size_t>(r) * w.width);
  }
  return w;
}

Result<ViewshedWindow> viewshed_reference(const Terrain& terrain, const Observer& observer,
                                          const VisibilityModel& model) {
  return ViewshedEngine(model).compute(terrain, observer, true);
}

Result<ViewshedWindow> viewshed(const Terrain& terrain, const Observer& observer, const VisibilityModel& model) {
  return ViewshedEngine(model).compute(terrain, observer, false);
}

std::string cpu_model() {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  unsigned regs[12] = {};
  if (__get_cpuid_max(0x80000000, nullptr) >= 0x80000004) {
    for (unsigned q = 0; q < 3; ++q) __get_cpuid(0x80000002 + q, &regs[4 * q], &regs[4 * q + 1], &regs[4 * q + 2], &regs[4 * q + 3]);
    std::string brand(reinterpret_cast<const char*>(regs), sizeof(regs));
    brand = brand.c_str();  // up to the first NUL
    const auto first = brand.find_first_not_of(' ');
    if (first != std::string::npos) return brand.substr(first, brand.find_last_not_of(' ') - first + 1);
  }
#endif
  return "unknown CPU";
}

std::string kernel_report() {
  using Path = detail::ViewshedScratch::Path;
  std::string features;
  for (Path p : {Path::kAvx2, Path::kAvx512})
    if (detail::column_step_supported(p)) features += features.empty() ? detail::column_step_name(p) : fmt::format(", {}", detail::column_step_name(p));
  const detail::ColumnStepChoice& choice = detail::column_step_choice();
  std::string out = fmt::format("CPU {} ({}); column step {}", cpu_model(), features.empty() ? "no AVX2" : features,
                                detail::column_step_name(choice.path));
  if (choice.forced) return out + " (SKYCOVER_COLUMN_STEP)";
  out += ", timed on a built-in window:";
  for (std::size_t q = 0; q < choice.timings.size(); ++q)
    out += fmt::format("{} {} {:.3f} ms", q ? "," : "", detail::column_step_name(choice.timings[q].first),
                       choice.timings[q].second * 1e3);
  return out;
}

}  // namespace skycover
