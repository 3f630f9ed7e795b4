// The fast viewshed kernel's octant sweep with a 128-bit column step (viewshed_group.hpp).
// Compiled with -mavx (CMakeLists.txt: VEX-encoded 128-bit instructions, vpermilps) and called
// only when the CPU has AVX; like viewshed_avx2.cpp it uses nothing that could be shared with the
// portable build: only intrinsics and the internal-linkage code of viewshed_group.hpp.
//
// Why a 128-bit step beside the 256-bit one: the AVX2 step fetches each lane's two interpolation
// points with cross-lane permutes (vpermps) of 8-wide loads. CPUs that split 256-bit operations in
// two 128-bit halves (AMD Zen 1 and Zen 2, many low-power cores) run vpermps as several uops with a
// long latency, while an in-lane 128-bit permute (vpermilps) is one fast uop everywhere. Here a
// group of kLanes = 16 targets runs as four 4-lane quarters: within a quarter the lanes' rows span
// at most 3 cells (4 consecutive j, k < i), so one 4-wide load and vpermilps fetch each point.
// Which step is fastest on a CPU is measured at first use (viewshed.cpp: choose_column_step);
// every step gives the same bits.
#include "viewshed_group.hpp"

#if SKYCOVER_VIEWSHED_HAVE_AVX2
#include <immintrin.h>

namespace skycover::detail {
namespace {

inline __m128 reverse4(__m128 v) { return _mm_shuffle_ps(v, v, 0x1B); }

// Every lane evaluates column_groups_portable's expressions, in order.
inline int column_groups_avx128(const ColumnContext& c, int* fallback) {
  static_assert(kLanes == 16, "four 4-lane quarters per group");
  constexpr int kQ = 4;  // quarters
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
  const __m128 inv_i_v = _mm_set1_ps(c.inv_i);
  const __m128 eye_v = _mm_set1_ps(c.eye);
  const __m128 i_v = _mm_set1_ps(static_cast<float>(i));
  const __m128i lane = _mm_setr_epi32(0, 1, 2, 3);
  const __m128i three = _mm_set1_epi32(3);
  int n_fallback = 0;
  for (int j = 0; j <= nj; j += kLanes) {
    // pointer_range in registers: kp[j .. j+15] as four quarters, and kp[j+16].
    __m128i lo = _mm_loadu_si128(reinterpret_cast<const __m128i*>(kp + j)), hi = lo;
    for (int q = 1; q < kQ; ++q) {
      const __m128i p = _mm_loadu_si128(reinterpret_cast<const __m128i*>(kp + j + 4 * q));
      lo = _mm_min_epi32(lo, p), hi = _mm_max_epi32(hi, p);
    }
    lo = _mm_min_epi32(lo, _mm_shuffle_epi32(lo, 0x4E)), hi = _mm_max_epi32(hi, _mm_shuffle_epi32(hi, 0x4E));
    lo = _mm_min_epi32(lo, _mm_shuffle_epi32(lo, 0xB1)), hi = _mm_max_epi32(hi, _mm_shuffle_epi32(hi, 0xB1));
    const int p_last = kp[j + kLanes], lo_s = _mm_cvtsi128_si32(lo), hi_s = _mm_cvtsi128_si32(hi);
    const int kmin = lo_s < p_last ? lo_s : p_last, kmax = hi_s > p_last ? hi_s : p_last;
    GroupColumns cols;
    if (!candidate_columns(kp, i, j, kmin, kmax, cols)) {
      fallback[n_fallback++] = j;
      continue;
    }
    __m128 jf[kQ], aj[kQ], best[kQ];
    __m128 best_k[kQ];  // as float (exact: k < 2^24): no integer broadcast per step
    for (int q = 0; q < kQ; ++q) {
      jf[q] = _mm_cvtepi32_ps(_mm_add_epi32(_mm_set1_epi32(j + 4 * q), lane));
      aj[q] = _mm_loadu_ps(a_j + j + 4 * q);
      best[q] = _mm_set1_ps(kNoHorizon);
      best_k[q] = _mm_setzero_ps();
    }
    // Fold one sample (terrain z0, z1 a fraction f apart) at column k into quarter q's horizons.
    auto take = [&](int q, int k, __m128 kf, __m128 z0, __m128 z1, __m128 f) {
#if SKYCOVER_KERNEL_FMA  // kernel_lerp, kernel_slope
      const __m128 zs = _mm_fmadd_ps(f, _mm_sub_ps(z1, z0), z0);
      const __m128 v = _mm_fmsub_ps(_mm_sub_ps(zs, eye_v), _mm_broadcast_ss(inv_k + k), _mm_mul_ps(kf, aj[q]));
#else
      const __m128 zs = _mm_add_ps(z0, _mm_mul_ps(f, _mm_sub_ps(z1, z0)));
      const __m128 v =
          _mm_sub_ps(_mm_mul_ps(_mm_sub_ps(zs, eye_v), _mm_broadcast_ss(inv_k + k)), _mm_mul_ps(kf, aj[q]));
#endif
      const __m128 gt = _mm_cmpgt_ps(v, best[q]);
      best[q] = _mm_max_ps(v, best[q]);  // v > best ? v : best
      best_k[q] = _mm_blendv_ps(best_k[q], kf, gt);
    };
    // One exact sample of every lane's ray at column k.
    auto step = [&](int k) {
      const __m128 kf = _mm_set1_ps(static_cast<float>(k));
      const float* lk = col0 + col_step * k;
      for (int q = 0; q < kQ; ++q) {
        const __m128 pos = _mm_div_ps(_mm_mul_ps(kf, jf[q]), i_v);  // kernel_position
        const __m128i y0 = _mm_cvttps_epi32(pos);
        const __m128 f = _mm_sub_ps(pos, _mm_cvtepi32_ps(y0));
        const int y_first = _mm_cvtsi128_si32(y0);
        const __m128i d = _mm_sub_epi32(y0, _mm_set1_epi32(y_first));  // 0..3
        if (b > 0) {
          take(q, k, kf, _mm_permutevar_ps(_mm_loadu_ps(lk + y_first), d),
               _mm_permutevar_ps(_mm_loadu_ps(lk + y_first + 1), d), f);
        } else {  // lane l's point lk[-y0] is element 3 - d of the vector loaded at lk - y_first - 3
          const __m128i e = _mm_sub_epi32(three, d);
          take(q, k, kf, _mm_permutevar_ps(_mm_loadu_ps(lk - y_first - 3), e),
               _mm_permutevar_ps(_mm_loadu_ps(lk - y_first - 4), e), f);
        }
      }
    };
    if (j >= kLanes) {
      // Column i-1 in closed form: lanes' points are cells j+l-1 and j+l, contiguous.
      const float* lp = col0 + col_step * (i - 1);
      const __m128 kf = _mm_set1_ps(static_cast<float>(i - 1));
      for (int q = 0; q < kQ; ++q) {
        const int jq = j + 4 * q;
        const __m128 f = _mm_mul_ps(_mm_sub_ps(i_v, jf[q]), inv_i_v);  // kernel_last_fraction
        if (b > 0)
          take(q, i - 1, kf, _mm_loadu_ps(lp + jq - 1), _mm_loadu_ps(lp + jq), f);
        else
          take(q, i - 1, kf, reverse4(_mm_loadu_ps(lp - jq - 2)), reverse4(_mm_loadu_ps(lp - jq - 3)), f);
      }
    } else {
      step(i - 1);
    }
    for_each_column(cols, step);
    for (int q = 0; q < kQ; ++q) {
      const int jq = j + 4 * q;
      _mm_storeu_si128(reinterpret_cast<__m128i*>(kc + 1 + jq), _mm_cvttps_epi32(best_k[q]));
      // The targets' terrain is line[b*jq .. b*(jq+3)], reversed when b < 0.
      const __m128 zt = b > 0 ? _mm_loadu_ps(line + jq) : reverse4(_mm_loadu_ps(line - jq - 3));
#if SKYCOVER_KERNEL_FMA  // kernel_height
      const __m128 v = _mm_sub_ps(_mm_add_ps(_mm_fmadd_ps(best[q], i_v, eye_v), _mm_loadu_ps(drop_t + jq)), zt);
#else
      const __m128 v = _mm_sub_ps(_mm_add_ps(_mm_add_ps(eye_v, _mm_mul_ps(best[q], i_v)), _mm_loadu_ps(drop_t + jq)), zt);
#endif
      // v < 0 -> 0; a void target is NaN.
      const __m128 clamped = _mm_blendv_ps(v, _mm_setzero_ps(), _mm_cmplt_ps(v, _mm_setzero_ps()));
      const __m128 is_void = _mm_cmplt_ps(zt, _mm_set1_ps(kVoidBelow));
      _mm_storeu_ps(h + jq, _mm_blendv_ps(clamped, _mm_set1_ps(__builtin_nanf("")), is_void));
    }
  }
  return n_fallback;
}

}  // namespace

void sweep_octants_avx128(const SweepArgs& a) {
  sweep_octants(a, [](const ColumnContext& c, int* fallback) { return column_groups_avx128(c, fallback); });
}

}  // namespace skycover::detail
#endif
