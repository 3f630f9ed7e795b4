// The fast viewshed kernel's octant sweep with an AVX-512 column step (viewshed_group.hpp): a
// group of kLanes = 16 targets in one register. Compiled with -mavx512f (CMakeLists.txt) and
// called only when the CPU has AVX-512F; the same bits as the portable and AVX2 steps (every lane
// evaluates the same expressions on the same columns). Like viewshed_avx2.cpp it uses no
// standard-library templates, only intrinsics and the internal-linkage code of viewshed_group.hpp.
#include "viewshed_group.hpp"

#if SKYCOVER_VIEWSHED_HAVE_AVX2
// GCC 12's AVX-512 intrinsics start from _mm512_undefined_*() and so trip -Wmaybe-uninitialized
// inside avx512fintrin.h (GCC bug 105593, fixed in GCC 13); the warning is about the header.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

namespace skycover::detail {
namespace {

inline int column_groups_avx512(const ColumnContext& c, int* fallback) {
  static_assert(kLanes == 16, "one 16-lane register per group");
  // Locals, not c's fields: the stores through kc and h could otherwise alias c and force reloads.
  const int i = c.i, nj = c.nj, b = c.b;
  const float* const col0 = c.col0;
  const std::ptrdiff_t col_step = c.col_step;
  const float* const inv_k = c.inv_k;
  const float* const line = c.line;
  const int* const kp = c.kp;
  const __m512 inv_i_v = _mm512_set1_ps(c.inv_i);
  const __m512 eye_v = _mm512_set1_ps(c.eye);
  const __m512 i_v = _mm512_set1_ps(static_cast<float>(i));
  const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const __m512i rev = _mm512_setr_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
  const __m512 zero = _mm512_setzero_ps();
  int n_fallback = 0;
  const __m512i one64 = _mm512_set1_epi64(1);
  for (int j = 0; j <= nj; j += kLanes) {
    // pointer_range and candidate_columns' one-word case in registers (the same bitset; wider
    // spans take the shared scalar code): the seventeen pointers' range, then one bit per pointer.
    const __m512i p = _mm512_loadu_si512(kp + j);
    const int p_last = kp[j + kLanes];
    const int pmin = _mm512_reduce_min_epi32(p), pmax = _mm512_reduce_max_epi32(p);
    const int kmin = pmin < p_last ? pmin : p_last, kmax = pmax > p_last ? pmax : p_last;
    GroupColumns cols;
    if (fits_one_word(kmin, kmax)) {
      const int base = kmin - kSpreadVec;
      const __m512i rel = _mm512_sub_epi32(p, _mm512_set1_epi32(base));
      const __m512i bits = _mm512_or_si512(_mm512_sllv_epi64(one64, _mm512_cvtepi32_epi64(_mm512_castsi512_si256(rel))),
                                           _mm512_sllv_epi64(one64, _mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64(rel, 1))));
      std::uint64_t w = static_cast<std::uint64_t>(_mm512_reduce_or_epi64(bits)) | (std::uint64_t{1} << (p_last - base));
      one_word_columns(w, i, base, cols);
    } else if (!candidate_columns(kp, i, j, kmin, kmax, cols)) {
      fallback[n_fallback++] = j;
      continue;
    }
    const __m512 jf = _mm512_cvtepi32_ps(_mm512_add_epi32(_mm512_set1_epi32(j), lane));
    const __m512 aj = _mm512_loadu_ps(c.a_j + j);
    __m512 best = _mm512_set1_ps(kNoHorizon);
    __m512 best_k = _mm512_setzero_ps();  // as float (exact: k < 2^24): no integer broadcast per step
    // Fold one sample (terrain z0, z1 a fraction f apart) at column k into every lane's horizon.
    auto take = [&](int k, __m512 kf, __m512 z0, __m512 z1, __m512 f) {
#if SKYCOVER_KERNEL_FMA  // kernel_lerp, kernel_slope
      const __m512 zs = _mm512_fmadd_ps(f, _mm512_sub_ps(z1, z0), z0);
      const __m512 v = _mm512_fmsub_ps(_mm512_sub_ps(zs, eye_v), _mm512_set1_ps(inv_k[k]), _mm512_mul_ps(kf, aj));
#else
      const __m512 zs = _mm512_add_ps(z0, _mm512_mul_ps(f, _mm512_sub_ps(z1, z0)));
      const __m512 v = _mm512_sub_ps(_mm512_mul_ps(_mm512_sub_ps(zs, eye_v), _mm512_set1_ps(inv_k[k])), _mm512_mul_ps(kf, aj));
#endif
      const __mmask16 gt = _mm512_cmp_ps_mask(v, best, _CMP_GT_OQ);
      best = _mm512_max_ps(v, best);  // v > best ? v : best
      best_k = _mm512_mask_mov_ps(best_k, gt, kf);
    };
    // One exact sample of every lane's ray at column k: the lanes' interpolation rows y0 span at
    // most 15 cells (16 consecutive j, k < i), so two 16-wide loads and in-register permutes.
    auto step = [&](int k) {
      const __m512 kf = _mm512_set1_ps(static_cast<float>(k));
      const __m512 pos = _mm512_div_ps(_mm512_mul_ps(kf, jf), i_v);  // kernel_position
      const __m512i y0 = _mm512_cvttps_epi32(pos);
      const __m512 f = _mm512_sub_ps(pos, _mm512_cvtepi32_ps(y0));
      const int y_first = _mm_cvtsi128_si32(_mm512_castsi512_si128(y0));
      const __m512i d = _mm512_sub_epi32(y0, _mm512_set1_epi32(y_first));
      const float* lk = col0 + col_step * k;
      if (b > 0) {
        take(k, kf, _mm512_permutexvar_ps(d, _mm512_loadu_ps(lk + y_first)),
             _mm512_permutexvar_ps(d, _mm512_loadu_ps(lk + y_first + 1)), f);
      } else {  // lane l's point lk[-y0] is element 15 - d of the vector loaded at lk - y_first - 15
        const __m512i e = _mm512_sub_epi32(_mm512_set1_epi32(15), d);
        take(k, kf, _mm512_permutexvar_ps(e, _mm512_loadu_ps(lk - y_first - 15)),
             _mm512_permutexvar_ps(e, _mm512_loadu_ps(lk - y_first - 16)), f);
      }
    };
    if (j >= kLanes) {
      // Column i-1 in closed form: lanes' points are cells j+l-1 and j+l, contiguous.
      const float* lp = col0 + col_step * (i - 1);
      const __m512 kf = _mm512_set1_ps(static_cast<float>(i - 1));
      const __m512 f = _mm512_mul_ps(_mm512_sub_ps(i_v, jf), inv_i_v);  // kernel_last_fraction
      if (b > 0)
        take(i - 1, kf, _mm512_loadu_ps(lp + j - 1), _mm512_loadu_ps(lp + j), f);
      else
        take(i - 1, kf, _mm512_permutexvar_ps(rev, _mm512_loadu_ps(lp - j - 14)),
             _mm512_permutexvar_ps(rev, _mm512_loadu_ps(lp - j - 15)), f);
    } else {
      step(i - 1);
    }
    for_each_column(cols, step);
    _mm512_storeu_si512(c.kc + 1 + j, _mm512_cvttps_epi32(best_k));
    // The targets' terrain is line[b*j .. b*(j+15)], reversed when b < 0.
    __m512 zt = _mm512_loadu_ps(b > 0 ? line + j : line - j - 15);
    if (b < 0) zt = _mm512_permutexvar_ps(rev, zt);
#if SKYCOVER_KERNEL_FMA  // kernel_height
    const __m512 v = _mm512_sub_ps(_mm512_add_ps(_mm512_fmadd_ps(best, i_v, eye_v), _mm512_loadu_ps(c.drop_t + j)), zt);
#else
    const __m512 v = _mm512_sub_ps(_mm512_add_ps(_mm512_add_ps(eye_v, _mm512_mul_ps(best, i_v)), _mm512_loadu_ps(c.drop_t + j)), zt);
#endif
    // v < 0 -> 0; a void target is NaN.
    const __m512 clamped = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(v, zero, _CMP_LT_OQ), v, zero);
    const __mmask16 is_void = _mm512_cmp_ps_mask(zt, _mm512_set1_ps(kVoidBelow), _CMP_LT_OQ);
    _mm512_storeu_ps(c.h + j, _mm512_mask_blend_ps(is_void, clamped, _mm512_set1_ps(__builtin_nanf(""))));
  }
  return n_fallback;
}

}  // namespace

void sweep_octants_avx512(const SweepArgs& a) {
  sweep_octants(a, [](const ColumnContext& c, int* fallback) { return column_groups_avx512(c, fallback); });
}

}  // namespace skycover::detail
#endif
