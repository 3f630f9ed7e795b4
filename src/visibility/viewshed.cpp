// Line of sight from one site: exact R3 reference and the fast horizon-propagation kernel.
// Model and algorithm: docs/visibility.md and viewshed_kernel.hpp.
#include "skycover/visibility/viewshed.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

#include <fmt/format.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include "viewshed_kernel.hpp"

// The AVX2 path (x86-64-v3 builds, e.g. -DSKYCOVER_NATIVE_BENCH=ON) processes eight targets per
// step with in-register permutes; other x86-64 builds use a four-lane SSE2 group path, non-x86
// builds the scalar path. All are exact samples of the same model; the group paths sample a few
// more candidate columns, so the builds can differ slightly (never by thread count).
#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#define SKYCOVER_VIEWSHED_AVX2 1
#define SKYCOVER_VIEWSHED_SSE2 0
#elif defined(__SSE2__)
#include <emmintrin.h>
#define SKYCOVER_VIEWSHED_AVX2 0
#define SKYCOVER_VIEWSHED_SSE2 1
#else
#define SKYCOVER_VIEWSHED_AVX2 0
#define SKYCOVER_VIEWSHED_SSE2 0
#endif

namespace skycover {
namespace detail {

namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
// "No horizon yet": a slope far below any real one but small enough that slope * distance
// stays finite in float (|slope * d| < 1e30 * 1e6 would overflow; 1e20 * 1e7 does not).
constexpr float kNoHorizon = -1e20f;
// What the fast kernel reads where the terrain is nodata or off the grid ("void"): instead of NaN,
// a height so low that any sample interpolated with a weight >= ~6e-8 on it is below -6e26, whose
// scaled slope (divided by k <= ~1e4) stays far below kNoHorizon: it never becomes a horizon, as
// NaN never does in the reference. Unlike NaN, weight 0 leaves the other point exact (0 * -1e34 =
// -0), so a sample exactly on a valid cell centre next to a void one needs no special case.
// Targets on void terrain (z < kVoidBelow) come out NaN.
constexpr float kVoid = -1e34f;
constexpr float kVoidBelow = -1e33f;
inline float void_if_nan(float z) { return z == z ? z : kVoid; }
// Columns either side of a neighbouring ray's horizon that the fast kernel re-samples exactly.
constexpr int kSpread = 2;
// The AVX2 path steps the union of eight lanes' windows, a superset of each lane's own, so +-1
// around every neighbour pointer keeps it as exact as the scalar path's +-2 (measured in
// bench/RESULTS.md: 99.67 % vs 99.53 % on the rugged test) at ~10 % less work.
constexpr int kSpreadVec = 1;
// The SSE2 path's 4-lane groups step at most this many window columns (besides i-1) before
// falling back to the scalar path (which takes ~11 samples per cell with two separate windows).
constexpr int kMaxGroupSteps = 24;
// The AVX2 path keeps the group's candidate columns as a bitset of this many 64-bit words (512
// columns: ranges up to ~15 km on 30 m cells); groups whose pointers span more go scalar.
constexpr int kMaxColumnWords = 8;

#if SKYCOVER_VIEWSHED_AVX2
// Smallest / largest of the eight lanes.
inline int hmin_epi32(__m256i v) {
  v = _mm256_min_epi32(v, _mm256_permute2x128_si256(v, v, 1));
  v = _mm256_min_epi32(v, _mm256_shuffle_epi32(v, 0x4E));
  return _mm256_cvtsi256_si32(_mm256_min_epi32(v, _mm256_shuffle_epi32(v, 0xB1)));
}
inline int hmax_epi32(__m256i v) {
  v = _mm256_max_epi32(v, _mm256_permute2x128_si256(v, v, 1));
  v = _mm256_max_epi32(v, _mm256_shuffle_epi32(v, 0x4E));
  return _mm256_cvtsi256_si32(_mm256_max_epi32(v, _mm256_shuffle_epi32(v, 0xB1)));
}
#endif

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
    std::transform(src + c_lo, src + c_hi, dst + c_lo, [off](float v) { return v == v ? v : off; });
    std::fill(dst + c_hi, dst + n, off);
  }
  // Blocked transpose: the octants whose major axis is x then also walk contiguous memory.
  constexpr int kB = 32;
  for (int r0 = 0; r0 < n; r0 += kB)
    for (int c0 = 0; c0 < n; c0 += kB)
      for (int r = r0; r < std::min(n, r0 + kB); ++r)
        for (int c = c0; c < std::min(n, c0 + kB); ++c)
          s.local_t_ptr()[static_cast<std::size_t>(c) * n + r] = s.local_ptr()[static_cast<std::size_t>(r) * n + c];
}

}  // namespace

ViewshedGeometry make_viewshed_geometry(double cell_size_m, double max_range_m, const VisibilityModel& model) {
  ViewshedGeometry g;
  g.cell_size_m = cell_size_m;
  g.max_range_m = max_range_m;
  g.radius_cells = static_cast<int>(std::floor(max_range_m / cell_size_m));
  const int radius = g.radius_cells;
  // + 8: the AVX2 path's last group of a column reads up to 7 entries past its end.
  const std::size_t count = ViewshedGeometry::tri_index(radius + 1) + 8;
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
    const int c_lo = std::max(0, cr.begin()), c_hi = std::min(w, cr.end());
    for (int r0 = 0; r0 < h; r0 += kB)
      for (int c = c_lo; c < c_hi; ++c)
        for (int r = r0; r < std::min(h, r0 + kB); ++r)
          p.cols[static_cast<std::size_t>((c + pad) * p.stride_t + r + pad + kp)] = void_if_nan(z[static_cast<std::size_t>(r) * w + c]);
  });
  return p;
}

void viewshed_local(const Terrain& terrain, int eye_col, int eye_row, float eye_msl_m, const ViewshedGeometry& g,
                    ViewshedScratch& s, bool fill_out_of_range) {
  const int radius = g.radius_cells;
  const int n = g.side();
  load_local(terrain, eye_col, eye_row, radius, s, kVoid);
  const std::ptrdiff_t eye_off = static_cast<std::ptrdiff_t>(radius) * n + radius;
  viewshed_local_view({s.local_ptr() + eye_off, n, s.local_t_ptr() + eye_off, n,
                       {terrain.width() - 1 - eye_col, eye_col, terrain.height() - 1 - eye_row, eye_row}},
                      eye_msl_m, g, s, fill_out_of_range);
}

void viewshed_local_view(const TerrainView& view, float eye_msl_m, const ViewshedGeometry& g, ViewshedScratch& s,
                         bool fill_out_of_range) {
  const int radius = g.radius_cells;
  const int n = g.side();
  const std::size_t cells = static_cast<std::size_t>(n) * n;
  if (s.out.size() != cells) s.out.assign(cells, kNaN);
  if (fill_out_of_range) std::fill(s.out.begin(), s.out.end(), kNaN);
  // One column's cells 0..R, the pointer pads at -1 and R+1.., and the last group's lanes past nj.
  const std::size_t row_len = static_cast<std::size_t>(radius) + 12;
  if (s.row.size() != row_len) {
    s.k0.assign(row_len, 0);
    s.k1.assign(row_len, 0);
    s.row.assign(row_len, 0.f);
  }
  const float eye = eye_msl_m;
  s.out[static_cast<std::size_t>(radius) * n + radius] = 0.f;  // the eye's own cell

  for (int oct = 0; oct < 8; ++oct) {
    // Octant cell (i, j), 0 <= j <= i, maps to local (col, row):
    //   x-major: col = R + sx*i, row = R + sy*j -> read view.cols (transposed)
    //   y-major: col = R + sx*j, row = R + sy*i -> read view.rows
    // so in both cases "column" i of the octant is one contiguous row of the buffer.
    const bool y_major = (oct & 4) != 0;
    const int sx = (oct & 1) ? -1 : 1;
    const int sy = (oct & 2) ? -1 : 1;
    const int a = y_major ? sy : sx;  // direction of i
    const int b = y_major ? sx : sy;  // direction of j
    float* dst = s.out.data();
    // Per octant column: the column k where each target's ray found its horizon (0 = none);
    // previous and current column, offset by one so index -1 exists (pads set after each column).
    int* kp = s.k0.data();
    int* kc = s.k1.data();
    float* h = s.row.data();
    const float* col0 = y_major ? view.rows : view.cols;  // octant column 0 (the eye)
    const std::ptrdiff_t col_step = a * (y_major ? view.row_stride : view.col_stride);

    // Direction of i: +col / -col (x-major) or +row / -row (y-major).
    const int i_last = std::min(radius, view.reach[(y_major ? 2 : 0) + (a < 0 ? 1 : 0)]);
    for (int i = 1; i <= i_last; ++i) {
      const int nj = g.last_j[i];
      if (nj < 0) break;
      const float* line = col0 + col_step * i;
      const float inv_i = 1.0f / static_cast<float>(i);
      const float* a_j = g.curv.data() + ViewshedGeometry::tri_index(i);  // c cs^2 (1 + (j/i)^2)
      const float* drop_t = g.drop_t.data() + ViewshedGeometry::tri_index(i);
      auto finish = [&](int j, float best) {
        const float zt = line[b * j];
        const float v = eye + best * static_cast<float>(i) + drop_t[j] - zt;
        h[j] = zt < kVoidBelow ? kNaN : (v < 0.f ? 0.f : v);  // a void target is NaN
      };
      auto cell_scalar = [&](int j) {
        // Exact R3 sample of this target's own ray at column k (1 <= k < i), as a scaled slope
        // sigma = (z_s - eye)/k - k A_j = S * cs * sqrt(1 + (j/i)^2), S the true slope with drop.
        const float jr = static_cast<float>(j) * inv_i;
        const float aj = a_j[j];
        auto sample = [&](int k) -> float {
          const float pos = static_cast<float>(k) * jr;
          const int y0 = static_cast<int>(pos);
          const float f = pos - static_cast<float>(y0);
          const float* lk = col0 + col_step * k + b * y0;
          const float z0 = lk[0];
          const float z1 = lk[b];
          // Exactly on a cell centre only that cell counts (its neighbour may be void).
          const float zs = f == 0.f ? z0 : z0 + f * (z1 - z0);
          return (zs - eye) * g.inv_k[k] - static_cast<float>(k) * aj;  // a void sample never wins
        };
        float best = kNoHorizon;
        int best_k = 0;
        auto scan = [&](int lo, int hi) {  // samples k in [lo, hi] (already clamped)
          for (int k = lo; k <= hi; ++k) {
            const float v = sample(k);
            if (v > best) best = v, best_k = k;  // NaN never wins
          }
        };
        if (i >= 2) {
          // Candidates: the crossing just before the target, and the columns within kSpread of
          // where the two neighbouring rays this ray runs between, to (i-1, j-1) and (i-1, j),
          // found their horizons. Overlapping ranges are merged so no column is sampled twice.
          const int ka = kp[j], kb = kp[1 + j];
          int lo_a = std::max(1, std::min(ka, kb) - kSpread), hi_a = std::min(i - 1, std::min(ka, kb) + kSpread);
          int lo_b = std::max(1, std::max(ka, kb) - kSpread), hi_b = std::min(i - 1, std::max(ka, kb) + kSpread);
          if (lo_b <= hi_a + 1) hi_a = std::max(hi_a, hi_b), lo_b = 1, hi_b = 0;  // merge
          const bool last_in = (i - 1 >= lo_a && i - 1 <= hi_a) || (i - 1 >= lo_b && i - 1 <= hi_b);
          if (!last_in) scan(i - 1, i - 1);
          scan(lo_a, hi_a);
          scan(lo_b, hi_b);
        }
        kc[1 + j] = best_k;
        finish(j, best);
      };
      int j_vec = 0;
#if SKYCOVER_VIEWSHED_AVX2
      if (i >= 2) {
        // Eight adjacent targets at once, the last group of the column padded past nj (its extra
        // lanes read the NaN/void padding and pointer pads, and their results are never stored).
        // Each lane samples the union of the group's candidate windows (a superset of its own, so
        // never less exact than the scalar path); when the windows are far apart (the horizon
        // jumps between ridges) the group falls back to scalar.
        const __m256 jr_step = _mm256_set1_ps(inv_i);
        const __m256 eye_v = _mm256_set1_ps(eye);
        const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
        for (; j_vec <= nj; j_vec += 8) {
          const int j = j_vec;
          // The columns every lane samples: +-kSpreadVec around each of the nine neighbour
          // pointers kp[j .. j+8] (a superset of each lane's own candidates), as bits of a word:
          // bit p is column base + p. No sorting, no window merging, each column once. Groups
          // whose pointers span more than a word, or that would take many steps, go scalar.
          const __m256i pa = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kp + j));
          const __m256i pb = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kp + j + 1));
          const int kmin = hmin_epi32(_mm256_min_epi32(pa, pb)), kmax = hmax_epi32(_mm256_max_epi32(pa, pb));
          const int base = kmin - kSpreadVec;
          const int span = kmax - kmin + 2 * kSpreadVec;
          std::uint64_t cols[kMaxColumnWords];
          int n_words = 1;
          if (span < 64) {  // the common case: shifts within one word
            cols[0] = 0;
            for (int q = 0; q <= 8; ++q) cols[0] |= std::uint64_t{1} << (kp[j + q] - base);
            for (int sp = 0; sp < kSpreadVec; ++sp) cols[0] |= (cols[0] << 1) | (cols[0] >> 1);
            if (base < 1) cols[0] &= ~std::uint64_t{0} << (1 - base);  // k >= 1
            const int top = i - 2 - base;                                // k <= i - 2
            cols[0] = top < 0 ? 0 : (top < 63 ? cols[0] & ((std::uint64_t{2} << top) - 1) : cols[0]);
          } else if (span < 64 * kMaxColumnWords) {  // horizons far apart: bit by bit
            n_words = span / 64 + 1;
            std::fill(cols, cols + n_words, std::uint64_t{0});
            for (int q = 0; q <= 8; ++q)
              for (int dk = -kSpreadVec; dk <= kSpreadVec; ++dk) {
                const int k = kp[j + q] + dk;
                if (k < 1 || k > i - 2) continue;
                cols[(k - base) >> 6] |= std::uint64_t{1} << ((k - base) & 63);
              }
          } else {
            for (int q = 0; q < 8 && j + q <= nj; ++q) cell_scalar(j + q);
            continue;
          }
          const __m256 jr = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_add_epi32(_mm256_set1_epi32(j), lane)), jr_step);
          const __m256 aj = _mm256_loadu_ps(a_j + j);
          __m256 best = _mm256_set1_ps(kNoHorizon);
          __m256i best_k = _mm256_setzero_si256();
          // One exact sample of every lane's ray at column k (kv = k in every lane). The lanes'
          // interpolation rows y0 span at most 7 cells (8 consecutive j, k < i), so two 8-wide
          // loads and in-register permutes fetch both interpolation points of all lanes. Void
          // terrain (kVoid) makes the lerp hugely negative, so it never wins: no NaN blend needed.
          auto step = [&](int k, __m256i kv) {
            const __m256 kf = _mm256_cvtepi32_ps(kv);
            const __m256 pos = _mm256_mul_ps(kf, jr);
            const __m256i y0 = _mm256_cvttps_epi32(pos);
            const __m256 f = _mm256_sub_ps(pos, _mm256_cvtepi32_ps(y0));
            const int y_first = _mm256_cvtsi256_si32(y0);
            const __m256i d = _mm256_sub_epi32(y0, _mm256_set1_epi32(y_first));
            const float* lk = col0 + col_step * k;
            __m256 z0, z1;
            if (b > 0) {
              z0 = _mm256_permutevar8x32_ps(_mm256_loadu_ps(lk + y_first), d);
              z1 = _mm256_permutevar8x32_ps(_mm256_loadu_ps(lk + y_first + 1), d);
            } else {
              const __m256i e = _mm256_sub_epi32(_mm256_set1_epi32(7), d);
              z0 = _mm256_permutevar8x32_ps(_mm256_loadu_ps(lk - y_first - 7), e);
              z1 = _mm256_permutevar8x32_ps(_mm256_loadu_ps(lk - y_first - 8), e);
            }
            const __m256 zs = _mm256_fmadd_ps(f, _mm256_sub_ps(z1, z0), z0);
            const __m256 v = _mm256_fmsub_ps(_mm256_sub_ps(zs, eye_v), _mm256_broadcast_ss(&g.inv_k[k]), _mm256_mul_ps(kf, aj));
            const __m256 gt = _mm256_cmp_ps(v, best, _CMP_GT_OQ);
            // max_ps(v, best) is v > best ? v : best: the same as blending on gt, with a shorter
            // loop-carried chain through `best`.
            best = _mm256_max_ps(v, best);
            best_k = _mm256_blendv_epi8(best_k, kv, _mm256_castps_si256(gt));
          };
          step(i - 1, _mm256_set1_epi32(i - 1));
          for (int w = 0; w < n_words; ++w)
            for (std::uint64_t c = cols[w]; c != 0; c &= c - 1) {
              const int k = base + 64 * w + std::countr_zero(c);
              step(k, _mm256_set1_epi32(k));
            }
          _mm256_storeu_si256(reinterpret_cast<__m256i*>(kc + 1 + j), best_k);
          // finish() for eight lanes: targets' terrain is line[b*j .. b*(j+7)], reversed when b < 0.
          __m256 zt = _mm256_loadu_ps(b > 0 ? line + j : line - j - 7);
          if (b < 0) zt = _mm256_permutevar8x32_ps(zt, _mm256_setr_epi32(7, 6, 5, 4, 3, 2, 1, 0));
          const __m256 v = _mm256_sub_ps(
              _mm256_add_ps(_mm256_fmadd_ps(best, _mm256_set1_ps(static_cast<float>(i)), eye_v), _mm256_loadu_ps(drop_t + j)),
              zt);
          // v < 0 -> 0; a void target is NaN.
          const __m256 clamped = _mm256_blendv_ps(v, _mm256_setzero_ps(), _mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_LT_OQ));
          _mm256_storeu_ps(h + j, _mm256_blendv_ps(clamped, _mm256_set1_ps(kNaN),
                                                   _mm256_cmp_ps(zt, _mm256_set1_ps(kVoidBelow), _CMP_LT_OQ)));
        }
      }
#elif SKYCOVER_VIEWSHED_SSE2
      if (i >= 2) {
        // Four adjacent targets at once (x86-64 baseline). Every lane samples column i-1 and the
        // union of the group's candidate windows, +-kSpread around each of the five neighbour
        // pointers kp[j .. j+4]: a superset of each lane's own scalar candidates, so no cell
        // samples less than the scalar path would with the same pointers. Each sample is the
        // scalar path's expression, lane by lane (same operations, same rounding); the
        // interpolation points are read with scalar loads (SSE2 has no variable permute).
        // Scattered groups (many steps) take the scalar path.
        const __m128 eye_v = _mm_set1_ps(eye);
        for (; j_vec + 3 <= nj; j_vec += 4) {
          const int j = j_vec;
          int win_lo[5], win_hi[5], nwin = 0, steps = 0;
          int ks[5];
          for (int q = 0; q < 5; ++q) {  // insertion sort of the five pointers
            int v = kp[j + q], p = q;
            while (p > 0 && ks[p - 1] > v) ks[p] = ks[p - 1], --p;
            ks[p] = v;
          }
          for (int q = 0; q < 5; ++q) {
            const int lo = std::max(1, ks[q] - kSpread), hi = std::min(i - 2, ks[q] + kSpread);
            if (nwin > 0 && lo <= win_hi[nwin - 1] + 1) {
              win_hi[nwin - 1] = std::max(win_hi[nwin - 1], hi);
            } else if (lo <= hi) {
              win_lo[nwin] = lo, win_hi[nwin] = hi, ++nwin;
            }
          }
          for (int w = 0; w < nwin; ++w) steps += win_hi[w] - win_lo[w] + 1;
          if (steps > kMaxGroupSteps) {
            for (int q = 0; q < 4; ++q) cell_scalar(j + q);
            continue;
          }
          // jr = j / i per lane, computed as the scalar path does (float j times float 1/i).
          const __m128 jr = _mm_mul_ps(_mm_cvtepi32_ps(_mm_setr_epi32(j, j + 1, j + 2, j + 3)), _mm_set1_ps(inv_i));
          const __m128 aj = _mm_loadu_ps(a_j + j);
          __m128 best = _mm_set1_ps(kNoHorizon);
          __m128i best_k = _mm_setzero_si128();
          auto step = [&](int k) {
            const float kf = static_cast<float>(k);
            const float* lk = col0 + col_step * k;
            const __m128 pos = _mm_mul_ps(_mm_set1_ps(kf), jr);
            const __m128i y0v = _mm_cvttps_epi32(pos);  // truncation, as static_cast<int>
            const __m128 fv = _mm_sub_ps(pos, _mm_cvtepi32_ps(y0v));
            alignas(16) int y0[4];
            _mm_store_si128(reinterpret_cast<__m128i*>(y0), y0v);
            const __m128 z0v = _mm_setr_ps(lk[b * y0[0]], lk[b * y0[1]], lk[b * y0[2]], lk[b * y0[3]]);
            const __m128 z1v = _mm_setr_ps(lk[b * (y0[0] + 1)], lk[b * (y0[1] + 1)], lk[b * (y0[2] + 1)], lk[b * (y0[3] + 1)]);
            const __m128 lerp = _mm_add_ps(z0v, _mm_mul_ps(fv, _mm_sub_ps(z1v, z0v)));
            const __m128 on_centre = _mm_cmpeq_ps(fv, _mm_setzero_ps());  // only that cell counts
            const __m128 zs = _mm_or_ps(_mm_and_ps(on_centre, z0v), _mm_andnot_ps(on_centre, lerp));
            const __m128 v = _mm_sub_ps(_mm_mul_ps(_mm_sub_ps(zs, eye_v), _mm_set1_ps(g.inv_k[k])), _mm_mul_ps(_mm_set1_ps(kf), aj));
            const __m128 gt = _mm_cmpgt_ps(v, best);  // NaN never wins
            best = _mm_or_ps(_mm_and_ps(gt, v), _mm_andnot_ps(gt, best));
            const __m128i gti = _mm_castps_si128(gt);
            best_k = _mm_or_si128(_mm_and_si128(gti, _mm_set1_epi32(k)), _mm_andnot_si128(gti, best_k));
          };
          step(i - 1);
          for (int w = 0; w < nwin; ++w)
            for (int k = win_lo[w]; k <= win_hi[w]; ++k) step(k);
          _mm_storeu_si128(reinterpret_cast<__m128i*>(kc + 1 + j), best_k);
          float bests[4];
          _mm_storeu_ps(bests, best);
          for (int q = 0; q < 4; ++q) finish(j + q, bests[q]);
        }
      }
#endif
      for (int j = j_vec; j <= nj; ++j) cell_scalar(j);
      kc[0] = kc[1];
      std::fill(kc + nj + 2, kc + nj + 11, kc[nj + 1]);  // the lanes past nj see the last pointer
      // Octant column i is output row R + a*i (y-major) or output column R + a*i (x-major, written
      // with a stride of one row: the ~R rows it touches stay in L1 across consecutive i). The
      // y-major octants run last, so the diagonals come from them.
      float* out_line = dst + (y_major ? static_cast<std::ptrdiff_t>(radius + a * i) * n + radius
                                       : static_cast<std::ptrdiff_t>(radius) * n + radius + a * i);
      const std::ptrdiff_t out_step = y_major ? b : static_cast<std::ptrdiff_t>(b) * n;
      for (int j = 0; j <= nj; ++j) out_line[out_step * j] = h[j];
      std::swap(kp, kc);
    }
  }
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

}  // namespace detail

namespace {

}  // namespace

struct ViewshedEngine::Impl {
  VisibilityModel model;
  detail::ViewshedGeometry geometry;  // for the last (cell size, range) seen
  detail::ViewshedScratch scratch;
};

ViewshedEngine::ViewshedEngine(const VisibilityModel& model) : impl_(std::make_unique<Impl>()) { impl_->model = model; }
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
  if (impl_->geometry.cell_size_m != cs || impl_->geometry.max_range_m != observer.max_range_m)
    impl_->geometry = detail::make_viewshed_geometry(cs, observer.max_range_m, model);
  const detail::ViewshedGeometry& g = impl_->geometry;
  detail::ViewshedScratch& scratch = impl_->scratch;
  const double eye = static_cast<double>(ground) + observer.height_agl_m;
  if (reference)
    detail::viewshed_local_reference(terrain, ec, er, eye, g, model, scratch);
  else
    detail::viewshed_local(terrain, ec, er, static_cast<float>(eye), g, scratch, true);

  const int radius = g.radius_cells;
  const int n = g.side();
  ViewshedWindow w;
  w.col0 = std::max(0, ec - radius);
  w.row0 = std::max(0, er - radius);
  w.width = std::min(terrain.width(), ec + radius + 1) - w.col0;
  w.height = std::min(terrain.height(), er + radius + 1) - w.row0;
  w.eye_msl_m = eye;
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

}  // namespace skycover
