// The fast viewshed kernel's octant sweep with its AVX2 column step (viewshed_group.hpp).
// Compiled with -mavx2 (CMakeLists.txt) and called only when the CPU has AVX2, so it must not
// use anything that could be shared with the portable build: no standard-library templates
// (whose out-of-line copies the linker could pick for other files), only intrinsics and the
// internal-linkage code of viewshed_group.hpp.
#include "viewshed_group.hpp"

#if SKYCOVER_VIEWSHED_HAVE_AVX2
#include <immintrin.h>

namespace skycover::detail {
namespace {

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

// The AVX2 column step: every lane evaluates column_groups_portable's expressions, in order. A
// group of kLanes = 16 targets runs as two 8-lane halves that step the same columns.
inline int column_groups_avx2(const ColumnContext& c, int* fallback) {
  static_assert(kLanes == 16, "two 8-lane halves per group");
  // Locals, not c's fields: the stores through kc and h could otherwise alias c and force reloads
  // (passing c by value instead measured ~4 % slower).
  const int i = c.i, nj = c.nj, b = c.b;
  const float* const col0 = c.col0;
  const std::ptrdiff_t col_step = c.col_step;
  const float* const inv_k = c.inv_k;
  const float* const a_j = c.a_j;
  const float* const drop_t = c.drop_t;
  const float* const line = c.line;
  const int* const kp = c.kp;
  int* const kc = c.kc;
  float* const h = c.h;
  const __m256 inv_i_v = _mm256_set1_ps(c.inv_i);
  const __m256 eye_v = _mm256_set1_ps(c.eye);
  const __m256 i_v = _mm256_set1_ps(static_cast<float>(i));
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const __m256i rev = _mm256_setr_epi32(7, 6, 5, 4, 3, 2, 1, 0);
  int n_fallback = 0;
  for (int j = 0; j <= nj; j += kLanes) {
    // pointer_range in registers: kp[j .. j+16] = kp[j .. j+7] u kp[j+8 .. j+15] u kp[j+9 .. j+16].
    const __m256i pa = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kp + j));
    const __m256i pb = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kp + j + 8));
    const __m256i pc = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kp + j + 9));
    const int kmin = hmin_epi32(_mm256_min_epi32(_mm256_min_epi32(pa, pb), pc));
    const int kmax = hmax_epi32(_mm256_max_epi32(_mm256_max_epi32(pa, pb), pc));
    GroupColumns cols;
    if (fits_one_word(kmin, kmax)) {
      // candidate_columns' one-word case with the pointer bits set in registers (the same bitset).
      const int base = kmin - kSpreadVec;
      const __m256i base_v = _mm256_set1_epi32(base), one64 = _mm256_set1_epi64x(1);
      const __m256i ra = _mm256_sub_epi32(pa, base_v), rb = _mm256_sub_epi32(pb, base_v);
      __m256i bits = _mm256_or_si256(
          _mm256_or_si256(_mm256_sllv_epi64(one64, _mm256_cvtepi32_epi64(_mm256_castsi256_si128(ra))),
                          _mm256_sllv_epi64(one64, _mm256_cvtepi32_epi64(_mm256_extracti128_si256(ra, 1)))),
          _mm256_or_si256(_mm256_sllv_epi64(one64, _mm256_cvtepi32_epi64(_mm256_castsi256_si128(rb))),
                          _mm256_sllv_epi64(one64, _mm256_cvtepi32_epi64(_mm256_extracti128_si256(rb, 1)))));
      bits = _mm256_or_si256(bits, _mm256_permute4x64_epi64(bits, 0x4E));
      bits = _mm256_or_si256(bits, _mm256_shuffle_epi32(bits, 0x4E));
      const std::uint64_t w =
          static_cast<std::uint64_t>(_mm256_extract_epi64(bits, 0)) | (std::uint64_t{1} << (kp[j + kLanes] - base));
      one_word_columns(w, i, base, cols);
    } else if (!candidate_columns(kp, i, j, kmin, kmax, cols)) {
      fallback[n_fallback++] = j;
      continue;
    }
    // Per half q (lanes j + 8q .. j + 8q + 7): ray slopes, curvature terms, running horizon.
    __m256 jf[2], aj[2], best[2];
    __m256 best_k[2];  // as float (exact: k < 2^24): no integer broadcast per step
    for (int q = 0; q < 2; ++q) {
      jf[q] = _mm256_cvtepi32_ps(_mm256_add_epi32(_mm256_set1_epi32(j + 8 * q), lane));
      aj[q] = _mm256_loadu_ps(a_j + j + 8 * q);
      best[q] = _mm256_set1_ps(kNoHorizon);
      best_k[q] = _mm256_setzero_ps();
    }
    // Fold one sample (terrain z0, z1 a fraction f apart) at column k into half q's horizons.
    auto take = [&](int q, int k, __m256 kf, __m256 z0, __m256 z1, __m256 f) {
#if SKYCOVER_KERNEL_FMA  // kernel_lerp, kernel_slope
      const __m256 zs = _mm256_fmadd_ps(f, _mm256_sub_ps(z1, z0), z0);
      const __m256 v = _mm256_fmsub_ps(_mm256_sub_ps(zs, eye_v), _mm256_broadcast_ss(inv_k + k), _mm256_mul_ps(kf, aj[q]));
#else
      const __m256 zs = _mm256_add_ps(z0, _mm256_mul_ps(f, _mm256_sub_ps(z1, z0)));
      const __m256 v = _mm256_sub_ps(_mm256_mul_ps(_mm256_sub_ps(zs, eye_v), _mm256_broadcast_ss(inv_k + k)),
                                     _mm256_mul_ps(kf, aj[q]));
#endif
      const __m256 gt = _mm256_cmp_ps(v, best[q], _CMP_GT_OQ);
      best[q] = _mm256_max_ps(v, best[q]);  // v > best ? v : best
      best_k[q] = _mm256_blendv_ps(best_k[q], kf, gt);
    };
    // One exact sample of every lane's ray at column k. Within a half the lanes' interpolation
    // rows y0 span at most 7 cells (8 consecutive j, k < i), so two 8-wide loads and in-register
    // permutes fetch both interpolation points of its lanes (measured faster than gathers here).
    auto step = [&](int k) {
      const __m256 kf = _mm256_set1_ps(static_cast<float>(k));
      const float* lk = col0 + col_step * k;
      for (int q = 0; q < 2; ++q) {
        const __m256 pos = _mm256_div_ps(_mm256_mul_ps(kf, jf[q]), i_v);  // kernel_position
        const __m256i y0 = _mm256_cvttps_epi32(pos);
        const __m256 f = _mm256_sub_ps(pos, _mm256_cvtepi32_ps(y0));
        const int y_first = _mm256_cvtsi256_si32(y0);
        const __m256i d = _mm256_sub_epi32(y0, _mm256_set1_epi32(y_first));
        if (b > 0) {
          take(q, k, kf, _mm256_permutevar8x32_ps(_mm256_loadu_ps(lk + y_first), d),
               _mm256_permutevar8x32_ps(_mm256_loadu_ps(lk + y_first + 1), d), f);
        } else {  // lane l's point lk[-y0] is element 7 - d of the vector loaded at lk - y_first - 7
          const __m256i e = _mm256_sub_epi32(_mm256_set1_epi32(7), d);
          take(q, k, kf, _mm256_permutevar8x32_ps(_mm256_loadu_ps(lk - y_first - 7), e),
               _mm256_permutevar8x32_ps(_mm256_loadu_ps(lk - y_first - 8), e), f);
        }
      }
    };
    if (j >= kLanes) {
      // Column i-1 in closed form: lanes' points are cells j+l-1 and j+l, contiguous.
      const float* lp = col0 + col_step * (i - 1);
      const __m256 kf = _mm256_set1_ps(static_cast<float>(i - 1));
      for (int q = 0; q < 2; ++q) {
        const int jq = j + 8 * q;
        const __m256 f = _mm256_mul_ps(_mm256_sub_ps(i_v, jf[q]), inv_i_v);  // kernel_last_fraction
        if (b > 0)
          take(q, i - 1, kf, _mm256_loadu_ps(lp + jq - 1), _mm256_loadu_ps(lp + jq), f);
        else
          take(q, i - 1, kf, _mm256_permutevar8x32_ps(_mm256_loadu_ps(lp - jq - 6), rev),
               _mm256_permutevar8x32_ps(_mm256_loadu_ps(lp - jq - 7), rev), f);
      }
    } else {
      step(i - 1);
    }
    for_each_column(cols, step);
    for (int q = 0; q < 2; ++q) {
      const int jq = j + 8 * q;
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(kc + 1 + jq), _mm256_cvttps_epi32(best_k[q]));
      // The targets' terrain is line[b*jq .. b*(jq+7)], reversed when b < 0.
      __m256 zt = _mm256_loadu_ps(b > 0 ? line + jq : line - jq - 7);
      if (b < 0) zt = _mm256_permutevar8x32_ps(zt, rev);
#if SKYCOVER_KERNEL_FMA  // kernel_height
      const __m256 v = _mm256_sub_ps(_mm256_add_ps(_mm256_fmadd_ps(best[q], i_v, eye_v), _mm256_loadu_ps(drop_t + jq)), zt);
#else
      const __m256 v =
          _mm256_sub_ps(_mm256_add_ps(_mm256_add_ps(eye_v, _mm256_mul_ps(best[q], i_v)), _mm256_loadu_ps(drop_t + jq)), zt);
#endif
      // v < 0 -> 0; a void target is NaN.
      const __m256 clamped = _mm256_blendv_ps(v, _mm256_setzero_ps(), _mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_LT_OQ));
      const __m256 is_void = _mm256_cmp_ps(zt, _mm256_set1_ps(kVoidBelow), _CMP_LT_OQ);
      _mm256_storeu_ps(h + jq, _mm256_blendv_ps(clamped, _mm256_set1_ps(__builtin_nanf("")), is_void));
    }
  }
  return n_fallback;
}

}  // namespace

void sweep_octants_avx2(const SweepArgs& a) {
  sweep_octants(a, [](const ColumnContext& c, int* fallback) { return column_groups_avx2(c, fallback); });
}

}  // namespace skycover::detail
#endif
