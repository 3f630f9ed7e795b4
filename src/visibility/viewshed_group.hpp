// Internal: the octant sweep of the fast viewshed kernel (sweep_octants) and its column step,
// kLanes = 16 targets at a time, in three implementations that give the same bits: portable C++
// (column_groups_portable, below), AVX2 intrinsics (viewshed_avx2.cpp, -mavx2: two 8-lane halves)
// and AVX-512 intrinsics (viewshed_avx512.cpp, -mavx512f: one register), the vector ones chosen at
// run time from the CPU's features. Not a public header; included by those three files only. It
// uses no standard-library templates, so the vector files instantiate nothing that the linker
// could share with portable code.
//
// The group algorithm (docs/visibility.md, "horizon-pointer propagation"): targets j .. j+15 of
// octant column i >= 2 (the last group of a column runs past nj; its extra lanes read the void
// padding and are never stored) all sample column i-1 and every column within kSpreadVec of the
// seventeen neighbour pointers kp[j .. j+16], i.e. the columns where the rays of the previous
// column's targets j-1 .. j+15 found their horizons: a superset of each target's own candidates.
// Steps run i-1 first, then by increasing column; a lane's pointer moves only on a strictly
// greater slope.
//
// Why the three give identical bits: every lane evaluates the same float expressions in the same
// order (kernel_lerp, kernel_slope, kernel_height below and their vector twins), with the same
// candidate columns (candidate_columns below is shared), and void terrain (kVoid) instead of NaN
// so that no NaN-dependent selection is needed anywhere. tests/visibility/viewshed_test.cpp
// compares the vector steps with the portable one byte for byte.
#pragma once
#include <cstddef>
#include <cstdint>

namespace skycover::detail {

// (Namespace-scope constexpr variables have internal linkage.)
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
// Columns either side of each neighbour pointer that a group samples. The group samples the union
// over its kLanes + 1 pointers, a superset of each lane's own +-1, which is as exact as the scalar
// cell path's +-2 around its own two pointers (bench/RESULTS.md; +-0 loses ~1 point of accuracy).
constexpr int kSpreadVec = 1;
// Candidate columns are a bitset of this many 64-bit words (512 columns: ranges up to ~15 km on
// 30 m cells); groups whose pointers span more take the scalar cell path.
constexpr int kMaxColumnWords = 8;
// Targets per group. 16 rather than 8: the union over 17 neighbour pointers has ~6.4 columns where
// two groups of 8 have ~2 x 5.2 (measured on the rugged benchmark terrain), so a 16-lane AVX-512
// step covers the same cells with ~40 % fewer steps; AVX2 runs a group as two 8-lane halves.
constexpr int kLanes = 16;

// Everything a column's groups read and write. kp/kc are offset by one (index -1 exists) and
// padded past nj with the last pointer; h is the column's output (NaN for void targets).
struct ColumnContext {
  const float* col0 = nullptr;  // octant column 0 (the eye's line); column k starts at col0 + col_step * k
  std::ptrdiff_t col_step = 0;
  int b = 1;                    // direction of j along a line (+1 or -1)
  int i = 0, nj = 0;            // column, last in-range target
  float eye = 0, inv_i = 0;     // eye elevation; 1.0f / i
  const float* a_j = nullptr;   // c cs^2 (1 + (j/i)^2) per target (padded by kLanes)
  const float* drop_t = nullptr;  // curvature drop at each target (padded by kLanes)
  const float* inv_k = nullptr;   // 1.0f / k
  const float* line = nullptr;    // column i's terrain (targets)
  const int* kp = nullptr;        // previous column's pointers, kp[1 + j] for target j
  int* kc = nullptr;              // this column's, same layout
  float* h = nullptr;             // output: minimum visible height above ground per target
};

// The whole sweep's inputs and buffers, as raw pointers (see viewshed_kernel.hpp for their
// meaning: TerrainView, ViewshedGeometry, ViewshedScratch).
struct SweepArgs {
  const float* rows = nullptr;  // terrain at the eye, row-major, void off the grid
  std::ptrdiff_t row_stride = 0;
  const float* cols = nullptr;  // the same, transposed
  std::ptrdiff_t col_stride = 0;
  int reach[4] = {0, 0, 0, 0};  // grid cells beyond the eye towards +col, -col, +row, -row
  float eye = 0;
  int radius = 0, side = 0;     // R, 2R+1
  const int* last_j = nullptr;  // per i
  const float* curv = nullptr;  // per (i, j), triangle-indexed, padded by kLanes
  const float* drop_t = nullptr;
  const float* inv_k = nullptr;
  float* out = nullptr;         // side^2
  int* k0 = nullptr;            // R+kLanes+4 each
  int* k1 = nullptr;
  float* row = nullptr;         // R+kLanes+4
  int* fallback = nullptr;      // R/kLanes+2
};

// Trivial (no member initialisers), like the structs above are aggregates: no constructor is
// emitted in the vector files that the linker could share with portable code. candidate_columns
// fills it before use.
struct GroupColumns {
  int base;  // bit p of words[p / 64] is column base + p
  int n_words;
  std::uint64_t words[kMaxColumnWords];
};

// Fused multiply-add in the kernel's three expressions only where the whole build targets FMA
// hardware (-march=x86-64-v3, the benchmark flavour: ~3 % faster). Default builds use plain
// multiply and add in both paths, so their portable path stays fast on CPUs without FMA and both
// paths agree; a default and a -march=x86-64-v3 build can therefore differ in the last bits of a
// few cells (never by CPU or thread count). No other contraction: -ffp-contract=off.
// The build decides (CMakeLists.txt defines SKYCOVER_KERNEL_FMA=1 with SKYCOVER_NATIVE_BENCH), not
// __FMA__: clang's -mavx512f defines __FMA__ while GCC's does not, so testing it per file would
// give the AVX-512 file fused arithmetic that the others lack.
#ifndef SKYCOVER_KERNEL_FMA
#define SKYCOVER_KERNEL_FMA 0
#endif

// The functions below have internal linkage: each including file gets its own copy, compiled
// with its own flags, so no AVX2-compiled copy can be shared with the portable path.
namespace {

// (The helpers take the column's fields as values, not a ColumnContext: stores through kc and h
// could alias a struct's fields and force reloads in the group loops.)
// The terrain on the ray between two cells a fraction f apart (f = 0: exactly z0).
inline float kernel_lerp(float z0, float z1, float f) {
#if SKYCOVER_KERNEL_FMA
  return __builtin_fmaf(f, z1 - z0, z0);
#else
  return z0 + f * (z1 - z0);
#endif
}
// Scaled slope of a sample at column k: (zs - eye) / k - k A_j (ik = 1/k, kf = k, aj = A_j).
inline float kernel_slope(float zs, float eye, float ik, float kf, float aj) {
#if SKYCOVER_KERNEL_FMA
  return __builtin_fmaf(zs - eye, ik, -(kf * aj));
#else
  return (zs - eye) * ik - kf * aj;
#endif
}
// Where the ray to target (i, j) crosses column k, in cells along j: k j / i. The product k j is
// exact in float (k, j < 4096) and the division is correctly rounded, so a crossing exactly on a
// cell centre (k j divisible by i) gives an integer and f = 0 exactly: only that cell counts, as
// in the reference. (k * fl(j * fl(1/i)) can land a hair below the integer instead, which gave f
// ~ 1 and let a void neighbour hide a real obstacle.) Cost: one division per lane-sample.
inline float kernel_position(float kf, float jf, float fi) { return kf * jf / fi; }
// The same for column i-1 in closed form: a fraction (i - j)/i past cell j-1, exactly 0 on the
// diagonal (j = i).
inline float kernel_last_fraction(int i, int j, float inv_i) { return static_cast<float>(i - j) * inv_i; }
// Minimum visible height above a target at column i: eye + sigma i + drop(d_t) - z_t.
inline float kernel_height(float eye, float best, float fi, float drop, float zt) {
#if SKYCOVER_KERNEL_FMA
  return (__builtin_fmaf(best, fi, eye) + drop) - zt;
#else
  return ((eye + best * fi) + drop) - zt;
#endif
}

// Smallest and largest of the group's kLanes + 1 neighbour pointers kp[j .. j+kLanes].
inline void pointer_range(const int* kp, int j, int& kmin, int& kmax) {
  kmin = kp[j], kmax = kp[j];
  for (int q = 1; q <= kLanes; ++q) {
    const int v = kp[j + q];
    kmin = v < kmin ? v : kmin;
    kmax = v > kmax ? v : kmax;
  }
}

// Whether the group's candidate columns (pointers kmin .. kmax, dilated by kSpreadVec) fit in one
// 64-bit word: the common case, which one_word_columns handles.
inline bool fits_one_word(int kmin, int kmax) { return kmax - kmin + 2 * kSpreadVec < 64; }

// candidate_columns when the pointers span less than 64 columns: `pointers` has bit p set for
// each pointer at column base + p (base = kmin - kSpreadVec); dilated by kSpreadVec and clamped
// to [1, i-2]. Shared with the AVX-512 and AVX2 steps, which set the pointer bits in registers.
inline void one_word_columns(std::uint64_t pointers, int i, int base, GroupColumns& out) {
  std::uint64_t w = pointers;
  for (int sp = 0; sp < kSpreadVec; ++sp) w |= (w << 1) | (w >> 1);
  if (base < 1) w &= ~std::uint64_t{0} << (1 - base);  // k >= 1
  const int top = i - 2 - base;                         // k <= i - 2
  out.base = base;
  out.words[0] = top < 0 ? 0 : (top < 63 ? w & ((std::uint64_t{2} << top) - 1) : w);
  out.n_words = 1;
}

// The group's candidate columns besides i-1, within [1, i-2], given pointer_range; false when
// the pointers span more than the bitset holds (the caller then runs the scalar path for the
// group's targets).
inline bool candidate_columns(const int* kp, int i, int j, int kmin, int kmax, GroupColumns& out) {
  const int base = kmin - kSpreadVec;
  const int span = kmax - kmin + 2 * kSpreadVec;
  out.base = base;
  if (fits_one_word(kmin, kmax)) {  // the common case: shifts within one word
    std::uint64_t w = 0;
    for (int q = 0; q <= kLanes; ++q) w |= std::uint64_t{1} << (kp[j + q] - base);
    one_word_columns(w, i, base, out);
    return true;
  }
  if (span >= 64 * kMaxColumnWords) return false;
  // Horizons far apart: the same over several words (dilation carries across word boundaries;
  // the highest dilated bit is span <= 64 n_words - 1, inside the last word, so nothing is lost).
  const int n_words = span / 64 + 1;
  out.n_words = n_words;
  std::uint64_t p[kMaxColumnWords] = {};
  for (int q = 0; q <= kLanes; ++q) {
    const int bit = kp[j + q] - base;
    p[bit >> 6] |= std::uint64_t{1} << (bit & 63);
  }
  for (int sp = 0; sp < kSpreadVec; ++sp) {
    std::uint64_t d[kMaxColumnWords];
    for (int w = 0; w < n_words; ++w) {
      const std::uint64_t from_below = w > 0 ? p[w - 1] >> 63 : 0;          // bit 63 of w-1 -> bit 0
      const std::uint64_t from_above = w + 1 < n_words ? p[w + 1] << 63 : 0;  // bit 0 of w+1 -> bit 63
      d[w] = p[w] | (p[w] << 1) | from_below | (p[w] >> 1) | from_above;
    }
    for (int w = 0; w < n_words; ++w) p[w] = d[w];
  }
  for (int w = 0; w < n_words; ++w) {  // clamp to k in [1, i-2]: bit b is column base + b
    const int lo = 1 - base - 64 * w, hi = i - 2 - base - 64 * w;  // allowed bits of this word
    std::uint64_t m = p[w];
    if (lo > 0) m = lo > 63 ? 0 : m & (~std::uint64_t{0} << lo);
    if (hi < 63) m = hi < 0 ? 0 : m & ((std::uint64_t{2} << hi) - 1);
    out.words[w] = m;
  }
  return true;
}


// Calls step(k) for every candidate column, in increasing order.
template <class Step>
inline void for_each_column(const GroupColumns& cols, Step&& step) {
  for (int w = 0; w < cols.n_words; ++w)
    for (std::uint64_t m = cols.words[w]; m != 0; m &= m - 1) step(cols.base + 64 * w + __builtin_ctzll(m));
}

// The portable column step: lane by lane, the expressions of the AVX2 step (viewshed_avx2.cpp)
// in the same order. Returns the groups it could not run (candidate_columns false) in fallback.
// Column i-1 is sampled in closed form for groups past the first: the ray to (i, j) crosses it at
// y = j - j/i, between cells j-1 and j, a fraction f = (i - j)/i past cell j-1 (kernel_last_fraction:
// exactly 0 on the diagonal, j = i), so both points are contiguous loads with no index arithmetic.
// The first group keeps the general step: its lane 0 is the axis (j = 0), whose ray runs along
// cell 0 itself.
inline int column_groups_portable(const ColumnContext& c, int* fallback) {
  // Locals, not c's fields: stores through kc and h could alias c and force reloads.
  const int i = c.i, nj = c.nj, b = c.b;
  const float* const col0 = c.col0;
  const std::ptrdiff_t col_step = c.col_step;
  const float eye = c.eye, inv_i = c.inv_i;
  const float* const inv_k = c.inv_k;
  const float* const a_j = c.a_j;
  const float* const drop_t = c.drop_t;
  const float* const line = c.line;
  const int* const kp = c.kp;
  int* const kc = c.kc;
  float* const h = c.h;
  int n_fallback = 0;
  for (int j = 0; j <= nj; j += kLanes) {
    int kmin = 0, kmax = 0;
    pointer_range(kp, j, kmin, kmax);
    GroupColumns cols;
    if (!candidate_columns(kp, i, j, kmin, kmax, cols)) {
      fallback[n_fallback++] = j;
      continue;
    }
    const float fi = static_cast<float>(i);
    float jf[kLanes], aj[kLanes], best[kLanes];
    int best_k[kLanes];
    for (int l = 0; l < kLanes; ++l) {
      jf[l] = static_cast<float>(j + l);
      aj[l] = a_j[j + l];
      best[l] = kNoHorizon;
      best_k[l] = 0;
    }
    auto step = [&](int k) {
      const float kf = static_cast<float>(k);
      const float ik = inv_k[k];
      const float* lk = col0 + col_step * k;
      for (int l = 0; l < kLanes; ++l) {
        const float pos = kernel_position(kf, jf[l], fi);
        const int y0 = static_cast<int>(pos);
        const float f = pos - static_cast<float>(y0);
        const float z0 = lk[b * y0], z1 = lk[b * (y0 + 1)];
        const float zs = kernel_lerp(z0, z1, f);
        const float v = kernel_slope(zs, eye, ik, kf, aj[l]);
        if (v > best[l]) best_k[l] = k;
        best[l] = v > best[l] ? v : best[l];
      }
    };
    if (j >= kLanes) {
      // Column i-1 (see the comment above column_groups_portable).
      const float kf = static_cast<float>(i - 1);
      const float ik = inv_k[i - 1];
      const float* lp = col0 + col_step * (i - 1);
      for (int l = 0; l < kLanes; ++l) {
        const float zs = kernel_lerp(lp[b * (j + l - 1)], lp[b * (j + l)], kernel_last_fraction(i, j + l, inv_i));
        const float v = kernel_slope(zs, eye, ik, kf, aj[l]);
        if (v > best[l]) best_k[l] = i - 1;
        best[l] = v > best[l] ? v : best[l];
      }
    } else {
      step(i - 1);
    }
    for_each_column(cols, step);
    for (int l = 0; l < kLanes; ++l) {
      kc[1 + j + l] = best_k[l];
      const float zt = line[b * (j + l)];
      const float v = kernel_height(eye, best[l], static_cast<float>(i), drop_t[j + l], zt);
      h[j + l] = zt < kVoidBelow ? __builtin_nanf("") : (v < 0.f ? 0.f : v);  // a void target is NaN
    }
  }
  return n_fallback;
}

// Columns either side of each of its two neighbour pointers that the scalar cell path re-samples.
constexpr int kSpreadScalar = 2;

// The octant sweep (docs/visibility.md): for each of the eight octants, column i = 1 .. R (or the
// grid edge: no grid cell depends on later columns), the column's groups by column_groups(ctx,
// fallback), then the scalar path for column 1 and for the groups it hands back; pointer pads;
// the column into the output window.
template <class ColumnGroups>
inline void sweep_octants(const SweepArgs& a, ColumnGroups&& column_groups) {
  const int radius = a.radius, n = a.side;
  const float eye = a.eye;
  a.out[static_cast<std::ptrdiff_t>(radius) * n + radius] = 0.f;  // the eye's own cell
  for (int oct = 0; oct < 8; ++oct) {
    // Octant cell (i, j), 0 <= j <= i, maps to local (col, row):
    //   x-major: col = R + sx*i, row = R + sy*j -> read a.cols (transposed)
    //   y-major: col = R + sx*j, row = R + sy*i -> read a.rows
    // so in both cases "column" i of the octant is one contiguous line of a buffer.
    const bool y_major = (oct & 4) != 0;
    const int sx = (oct & 1) ? -1 : 1;
    const int sy = (oct & 2) ? -1 : 1;
    const int di = y_major ? sy : sx;  // direction of i
    const int b = y_major ? sx : sy;   // direction of j
    // Per octant column: the column k where each target's ray found its horizon (0 = none);
    // previous and current column, offset by one so index -1 exists (pads set after each column).
    int* kp = a.k0;
    int* kc = a.k1;
    float* const h = a.row;
    const float* const col0 = y_major ? a.rows : a.cols;  // octant column 0 (the eye)
    const std::ptrdiff_t col_step = di * (y_major ? a.row_stride : a.col_stride);
    const int reach = a.reach[(y_major ? 2 : 0) + (di < 0 ? 1 : 0)];
    const int i_last = reach < radius ? reach : radius;
    for (int i = 1; i <= i_last; ++i) {
      const int nj = a.last_j[i];
      if (nj < 0) break;
      const float* const line = col0 + col_step * i;
      const float inv_i = 1.0f / static_cast<float>(i);
      const std::ptrdiff_t tri = static_cast<std::ptrdiff_t>(i) * (i + 1) / 2;
      const float* const a_j = a.curv + tri;  // c cs^2 (1 + (j/i)^2)
      const float* const drop_t = a.drop_t + tri;
      // The scalar path: exact R3 samples of target j's own ray at column k (1 <= k < i), as
      // scaled slopes sigma = (z_s - eye)/k - k A_j = S * cs * sqrt(1 + (j/i)^2), S the true
      // slope with drop, at i-1 and within kSpreadScalar of its own two neighbour pointers.
      auto cell_scalar = [&](int j) {
        const float jf = static_cast<float>(j), fi = static_cast<float>(i);
        const float aj = a_j[j];
        float best = kNoHorizon;
        int best_k = 0;
        auto scan = [&](int lo, int hi) {  // samples k in [lo, hi] (already clamped)
          for (int k = lo; k <= hi; ++k) {
            const float pos = kernel_position(static_cast<float>(k), jf, fi);
            const int y0 = static_cast<int>(pos);
            const float f = pos - static_cast<float>(y0);
            const float* lk = col0 + col_step * k + b * y0;
            const float zs = kernel_lerp(lk[0], lk[b], f);
            const float v = kernel_slope(zs, eye, a.inv_k[k], static_cast<float>(k), aj);
            if (v > best) best = v, best_k = k;  // a void sample never wins
          }
        };
        if (i >= 2) {
          // Overlapping ranges are merged so no column is sampled twice.
          const int klo = kp[j] < kp[1 + j] ? kp[j] : kp[1 + j], khi = kp[j] < kp[1 + j] ? kp[1 + j] : kp[j];
          int lo_a = klo - kSpreadScalar < 1 ? 1 : klo - kSpreadScalar;
          int hi_a = klo + kSpreadScalar > i - 1 ? i - 1 : klo + kSpreadScalar;
          int lo_b = khi - kSpreadScalar < 1 ? 1 : khi - kSpreadScalar;
          int hi_b = khi + kSpreadScalar > i - 1 ? i - 1 : khi + kSpreadScalar;
          if (lo_b <= hi_a + 1) hi_a = hi_b > hi_a ? hi_b : hi_a, lo_b = 1, hi_b = 0;  // merge
          const bool last_in = (i - 1 >= lo_a && i - 1 <= hi_a) || (i - 1 >= lo_b && i - 1 <= hi_b);
          if (!last_in) scan(i - 1, i - 1);
          scan(lo_a, hi_a);
          scan(lo_b, hi_b);
        }
        kc[1 + j] = best_k;
        const float zt = line[b * j];
        const float v = kernel_height(eye, best, static_cast<float>(i), drop_t[j], zt);
        h[j] = zt < kVoidBelow ? __builtin_nanf("") : (v < 0.f ? 0.f : v);  // a void target is NaN
      };
      if (i >= 2) {
        const ColumnContext ctx{col0, col_step, b, i, nj, eye, inv_i, a_j, drop_t, a.inv_k, line, kp, kc, h};
        const int n_fallback = column_groups(ctx, a.fallback);
        for (int q = 0; q < n_fallback; ++q)
          for (int j = a.fallback[q]; j < a.fallback[q] + kLanes && j <= nj; ++j) cell_scalar(j);
      } else {
        for (int j = 0; j <= nj; ++j) cell_scalar(j);
      }
      kc[0] = kc[1];
      for (int q = nj + 2; q < nj + kLanes + 3; ++q) kc[q] = kc[nj + 1];  // the lanes past nj see the last pointer
      // Octant column i is output row R + di*i (y-major) or output column R + di*i (x-major,
      // written with a stride of one row: the ~R rows it touches stay in L1 across consecutive
      // i). The y-major octants run last, so the diagonals come from them.
      float* const out_line = a.out + (y_major ? static_cast<std::ptrdiff_t>(radius + di * i) * n + radius
                                               : static_cast<std::ptrdiff_t>(radius) * n + radius + di * i);
      if (y_major && b > 0) {
        for (int j = 0; j <= nj; ++j) out_line[j] = h[j];  // contiguous: vectorised
      } else if (y_major) {
        for (int j = 0; j <= nj; ++j) out_line[-j] = h[j];
      } else {
        const std::ptrdiff_t out_step = static_cast<std::ptrdiff_t>(b) * n;
        for (int j = 0; j <= nj; ++j) out_line[out_step * j] = h[j];
      }
      int* const t = kp;
      kp = kc;
      kc = t;
    }
  }
}

}  // namespace

void sweep_octants_avx128(const SweepArgs& a);  // viewshed_avx128.cpp; needs a CPU with AVX
void sweep_octants_avx2(const SweepArgs& a);    // viewshed_avx2.cpp; needs a CPU with AVX2
void sweep_octants_avx512(const SweepArgs& a);  // viewshed_avx512.cpp; needs a CPU with AVX-512F
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define SKYCOVER_VIEWSHED_HAVE_AVX2 1
#else
#define SKYCOVER_VIEWSHED_HAVE_AVX2 0
#endif

}  // namespace skycover::detail
