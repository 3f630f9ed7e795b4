// Internal: one window-row segment of one site folded into the engagement union's grids (the
// lowest engageable height and the per-band site counts). Included by engagement_union.cpp (its
// x86-64 baseline SSE2 loop), union_fold_avx2.cpp (compiled with -mavx2: the AVX2 loop) and
// union_fold_avx512.cpp (-mavx512f -mavx512bw -mavx512vl), the vector ones chosen at run time
// (widest_fold_row); every loop, the scalar tail included, gives the same bits as the others, so the
// result does not depend on the CPU. No standard-library templates here (see viewshed_group.hpp).
//
// envelope_agl_intervals (systems/envelope.hpp) gives one interval [base - dz_max, base + dz_max]
// when the target is beyond the minimum range, else two with the gap (base - dz_min, base + dz_min).
// With dz_min = 0 the two-interval form [base - dz_max, base - 0] u [base + 0, base + dz_max] is the
// same set with the same lowest point, so rows that cross the minimum-range disc use the
// two-interval form everywhere: the loops are branch-free and vectorise. The arithmetic is float
// (the tables of square roots are computed in double and rounded), so cells within ~0.1 mm of an
// envelope boundary may differ from the double-precision envelope_agl_intervals.
//
// One pass per row segment: the interval ends stay in registers and every band's count is
// updated from them in the same pass (a saturating +1 per band where the band's height lies in
// an interval), instead of storing the ends and re-reading them once per band.
#pragma once
#include <cstddef>
#include <cstdint>

#if defined(__AVX2__) || defined(__SSE2__)
// GCC 12's AVX-512 intrinsics trip -Wmaybe-uninitialized inside avx512fintrin.h (GCC bug 105593).
#if defined(__AVX512F__) && defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>
#endif

namespace skycover::detail {

// Bands counted per pass (more are done in further passes over the same segment).
constexpr std::size_t kMaxFoldBands = 16;

// One row segment of one site: its cells' terrain, minimum visible heights and range tables, the
// grids to update, and the site's constants (float: at elevations of a few km float resolves
// ~0.25 mm).
struct RowFold {
  int seg_w = 0;                     // cells
  const float* z = nullptr;          // target ground (MSL), NaN = nodata
  const float* v = nullptr;          // minimum visible height above ground, NaN = none
  const float* dz_max = nullptr;     // sqrt(max_range^2 - d^2)
  const float* dz_min = nullptr;     // sqrt(min_range^2 - d^2), 0 beyond min range
  float* lowest = nullptr;           // grid: lowest engageable height; null = not updated
  std::uint16_t* count[kMaxFoldBands] = {};  // grids: sites per band
  float alt[kMaxFoldBands] = {};     // band altitude (AGL, or MSL when msl)
  bool msl[kMaxFoldBands] = {};
  std::size_t n_bands = 0;
  float eye = 0, ceiling_msl = 0, h_floor = 0;
  bool one_interval = false;         // no cell of the row is within min range (dz_min == 0)
};

namespace {  // internal linkage: each including file compiles its own copy with its own flags

constexpr float kEmptyLo = __builtin_inff();
constexpr float kEmptyHi = -__builtin_inff();
inline float max_first(float a, float b) { return a < b ? b : a; }  // std::max(a, b)
inline float min_first(float a, float b) { return b < a ? b : a; }  // std::min(a, b)

#if defined(__SSE2__) && !defined(__AVX2__)
// SSE2 (the x86-64 baseline) has no blendv: select b where mask is set, else a.
inline __m128 select_ps(__m128 a, __m128 b, __m128 mask) { return _mm_or_ps(_mm_and_ps(mask, b), _mm_andnot_ps(mask, a)); }
#endif

inline void fold_row(const RowFold& r) {
  const int seg_w = r.seg_w;
  const float* __restrict z = r.z;
  const float* __restrict v = r.v;
  const float* __restrict dz_max = r.dz_max;
  const float* __restrict dz_min = r.dz_min;
  float* __restrict lowest = r.lowest;
  const bool update_lowest = lowest != nullptr;
  std::uint16_t* const* count = r.count;
  const float* alt = r.alt;
  const bool* msl = r.msl;
  const std::size_t nbp = r.n_bands;
  // + 0: a minimum altitude of -0 becomes +0. The loops pick between equal operands in different
  // orders (the one-interval loops need NaN to propagate), which only shows for signed zeros:
  // with no -0 among the inputs (visibility figures are +0 or more, eye - z is never -0), every
  // loop stores the same bits, and the per-cell minimum does not depend on the order of sites.
  const float eye = r.eye, ceiling_msl = r.ceiling_msl, h_floor = r.h_floor + 0.f;
  const bool one_interval = r.one_interval;
  int x = 0;
  // Rows clear of the minimum-range disc have dz_min = 0 everywhere, and then the two intervals
  // [max(base - dz_max, bottom), min(base, top)] and [max(base, bottom), min(base + dz_max, top)]
  // are one, [L, H] = [max(base - dz_max, bottom), min(base + dz_max, top)] (whichever side of
  // `base` bottom and top fall; L and H have the values of l0 and h1). Inside the
  // row's chord dz_max is finite, and NaN needs no mask: max_ps/min_ps return their second
  // operand when either is NaN, so a NaN line-of-sight height makes `bottom` and L NaN, a NaN
  // target ground makes `top` and H NaN, and every comparison with them is false (empty).
#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__)
  // Sixteen cells at a time; the same operations in the same operand order as the AVX2 loops
  // below, with compare masks instead of blend vectors and a masked saturating +1 per band (no
  // pack of the 32-bit masks to 16 bits). The last partial group runs masked too (lanes past the
  // segment load zeros and store nothing) instead of the scalar loop: at the claim's ~400-cell
  // rows the scalar tail was a third of the fold's time.
  auto lanes = [seg_w](int at) -> __mmask16 {
    return seg_w - at >= 16 ? __mmask16{0xFFFF} : static_cast<__mmask16>((1u << (seg_w - at)) - 1u);
  };
  if (one_interval) {
    const __m512 eye_v = _mm512_set1_ps(eye), ceil_v = _mm512_set1_ps(ceiling_msl), floor_v = _mm512_set1_ps(h_floor);
    const __m512 inf = _mm512_set1_ps(kEmptyLo);
    const __m256i one = _mm256_set1_epi16(1);
    for (; x < seg_w; x += 16) {
      const __mmask16 m = lanes(x);
      const __m512 zt = _mm512_maskz_loadu_ps(m, z + x), dmax = _mm512_maskz_loadu_ps(m, dz_max + x);
      const __m512 base = _mm512_sub_ps(eye_v, zt), top = _mm512_sub_ps(ceil_v, zt);
      const __m512 bottom = _mm512_max_ps(floor_v, _mm512_maskz_loadu_ps(m, v + x));
      const __m512 lo = _mm512_max_ps(_mm512_sub_ps(base, dmax), bottom);
      const __m512 hi = _mm512_min_ps(_mm512_add_ps(base, dmax), top);
      if (update_lowest) {
        const __m512 low = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(lo, hi, _CMP_LE_OQ), inf, lo);
        _mm512_mask_storeu_ps(lowest + x, m, _mm512_min_ps(low, _mm512_maskz_loadu_ps(m, lowest + x)));
      }
      for (std::size_t q = 0; q < nbp; ++q) {
        const __m512 hb = msl[q] ? _mm512_sub_ps(_mm512_set1_ps(alt[q]), zt) : _mm512_set1_ps(alt[q]);
        const __mmask16 in = _mm512_mask_cmp_ps_mask(_mm512_mask_cmp_ps_mask(m, hb, lo, _CMP_GE_OQ), hb, hi, _CMP_LE_OQ);
        std::uint16_t* const cp = count[q] + x;
        const __m256i c = _mm256_maskz_loadu_epi16(m, cp);
        _mm256_mask_storeu_epi16(cp, in, _mm256_adds_epu16(c, one));  // saturating +1 where in
      }
    }
  } else {
    const __m512 eye_v = _mm512_set1_ps(eye), ceil_v = _mm512_set1_ps(ceiling_msl), floor_v = _mm512_set1_ps(h_floor);
    const __m512 inf = _mm512_set1_ps(kEmptyLo), ninf = _mm512_set1_ps(kEmptyHi);
    const __m256i one = _mm256_set1_epi16(1);
    for (; x < seg_w; x += 16) {
      const __mmask16 m = lanes(x);
      const __m512 zt = _mm512_maskz_loadu_ps(m, z + x), hv = _mm512_maskz_loadu_ps(m, v + x);
      const __m512 dmax = _mm512_maskz_loadu_ps(m, dz_max + x), dmin = _mm512_maskz_loadu_ps(m, dz_min + x);
      const __mmask16 ok = _mm512_cmp_ps_mask(dmax, dmax, _CMP_ORD_Q) & _mm512_cmp_ps_mask(zt, zt, _CMP_ORD_Q) &
                           _mm512_cmp_ps_mask(hv, hv, _CMP_ORD_Q);
      const __m512 base = _mm512_sub_ps(eye_v, zt), top = _mm512_sub_ps(ceil_v, zt);
      const __m512 bottom = _mm512_max_ps(hv, floor_v);
      const __m512 l0 = _mm512_mask_blend_ps(ok, inf, _mm512_max_ps(bottom, _mm512_sub_ps(base, dmax)));
      const __m512 h0 = _mm512_mask_blend_ps(ok, ninf, _mm512_min_ps(top, _mm512_sub_ps(base, dmin)));
      const __m512 l1 = _mm512_mask_blend_ps(ok, inf, _mm512_max_ps(bottom, _mm512_add_ps(base, dmin)));
      const __m512 h1 = _mm512_mask_blend_ps(ok, ninf, _mm512_min_ps(top, _mm512_add_ps(base, dmax)));
      if (update_lowest) {
        const __m512 low = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(l0, h0, _CMP_LE_OQ),
                                                _mm512_mask_blend_ps(_mm512_cmp_ps_mask(l1, h1, _CMP_LE_OQ), inf, l1), l0);
        _mm512_mask_storeu_ps(lowest + x, m, _mm512_min_ps(low, _mm512_maskz_loadu_ps(m, lowest + x)));
      }
      for (std::size_t q = 0; q < nbp; ++q) {
        const __m512 hb = msl[q] ? _mm512_sub_ps(_mm512_set1_ps(alt[q]), zt) : _mm512_set1_ps(alt[q]);
        const __mmask16 in =
            _mm512_mask_cmp_ps_mask(_mm512_mask_cmp_ps_mask(m, hb, l0, _CMP_GE_OQ), hb, h0, _CMP_LE_OQ) |
            _mm512_mask_cmp_ps_mask(_mm512_mask_cmp_ps_mask(m, hb, l1, _CMP_GE_OQ), hb, h1, _CMP_LE_OQ);
        std::uint16_t* const cp = count[q] + x;
        const __m256i c = _mm256_maskz_loadu_epi16(m, cp);
        _mm256_mask_storeu_epi16(cp, in, _mm256_adds_epu16(c, one));  // saturating +1 where in
      }
    }
  }
#elif defined(__AVX2__)
  if (one_interval) {
    const __m256 eye_v = _mm256_set1_ps(eye), ceil_v = _mm256_set1_ps(ceiling_msl), floor_v = _mm256_set1_ps(h_floor);
    const __m256 inf = _mm256_set1_ps(kEmptyLo);
    const __m128i one = _mm_set1_epi16(1);
    for (; x + 8 <= seg_w; x += 8) {
      const __m256 zt = _mm256_loadu_ps(z + x), dmax = _mm256_loadu_ps(dz_max + x);
      const __m256 base = _mm256_sub_ps(eye_v, zt), top = _mm256_sub_ps(ceil_v, zt);
      const __m256 bottom = _mm256_max_ps(floor_v, _mm256_loadu_ps(v + x));
      const __m256 lo = _mm256_max_ps(_mm256_sub_ps(base, dmax), bottom);
      const __m256 hi = _mm256_min_ps(_mm256_add_ps(base, dmax), top);
      if (update_lowest) {
        const __m256 low = _mm256_blendv_ps(inf, lo, _mm256_cmp_ps(lo, hi, _CMP_LE_OQ));
        _mm256_storeu_ps(lowest + x, _mm256_min_ps(low, _mm256_loadu_ps(lowest + x)));
      }
      for (std::size_t q = 0; q < nbp; ++q) {
        const __m256 hb = msl[q] ? _mm256_sub_ps(_mm256_set1_ps(alt[q]), zt) : _mm256_set1_ps(alt[q]);
        const __m256 in = _mm256_and_ps(_mm256_cmp_ps(hb, lo, _CMP_GE_OQ), _mm256_cmp_ps(hb, hi, _CMP_LE_OQ));
        const __m256i in32 = _mm256_castps_si256(in);
        const __m128i in16 = _mm_and_si128(_mm_packs_epi32(_mm256_castsi256_si128(in32), _mm256_extracti128_si256(in32, 1)), one);
        __m128i* cp = reinterpret_cast<__m128i*>(count[q] + x);
        _mm_storeu_si128(cp, _mm_adds_epu16(_mm_loadu_si128(cp), in16));
      }
    }
  } else {
    // The same selects as the scalar loop below, eight cells at a time (GCC 12 does not
    // vectorise that loop by itself).
    const __m256 eye_v = _mm256_set1_ps(eye), ceil_v = _mm256_set1_ps(ceiling_msl), floor_v = _mm256_set1_ps(h_floor);
    const __m256 inf = _mm256_set1_ps(kEmptyLo), ninf = _mm256_set1_ps(kEmptyHi);
    const __m128i one = _mm_set1_epi16(1);
    for (; x + 8 <= seg_w; x += 8) {
      const __m256 zt = _mm256_loadu_ps(z + x), hv = _mm256_loadu_ps(v + x);
      const __m256 dmax = _mm256_loadu_ps(dz_max + x), dmin = _mm256_loadu_ps(dz_min + x);
      const __m256 ok = _mm256_and_ps(_mm256_and_ps(_mm256_cmp_ps(dmax, dmax, _CMP_ORD_Q), _mm256_cmp_ps(zt, zt, _CMP_ORD_Q)),
                                      _mm256_cmp_ps(hv, hv, _CMP_ORD_Q));
      const __m256 base = _mm256_sub_ps(eye_v, zt), top = _mm256_sub_ps(ceil_v, zt);
      const __m256 bottom = _mm256_max_ps(hv, floor_v);  // the SSE2 loop's operand order throughout
      const __m256 l0 = _mm256_blendv_ps(inf, _mm256_max_ps(bottom, _mm256_sub_ps(base, dmax)), ok);
      const __m256 h0 = _mm256_blendv_ps(ninf, _mm256_min_ps(top, _mm256_sub_ps(base, dmin)), ok);
      const __m256 l1 = _mm256_blendv_ps(inf, _mm256_max_ps(bottom, _mm256_add_ps(base, dmin)), ok);
      const __m256 h1 = _mm256_blendv_ps(ninf, _mm256_min_ps(top, _mm256_add_ps(base, dmax)), ok);
      if (update_lowest) {
        const __m256 low = _mm256_blendv_ps(_mm256_blendv_ps(inf, l1, _mm256_cmp_ps(l1, h1, _CMP_LE_OQ)), l0,
                                            _mm256_cmp_ps(l0, h0, _CMP_LE_OQ));
        _mm256_storeu_ps(lowest + x, _mm256_min_ps(low, _mm256_loadu_ps(lowest + x)));
      }
      for (std::size_t q = 0; q < nbp; ++q) {
        const __m256 hb = msl[q] ? _mm256_sub_ps(_mm256_set1_ps(alt[q]), zt) : _mm256_set1_ps(alt[q]);
        const __m256 in = _mm256_or_ps(
            _mm256_and_ps(_mm256_cmp_ps(hb, l0, _CMP_GE_OQ), _mm256_cmp_ps(hb, h0, _CMP_LE_OQ)),
            _mm256_and_ps(_mm256_cmp_ps(hb, l1, _CMP_GE_OQ), _mm256_cmp_ps(hb, h1, _CMP_LE_OQ)));
        const __m256i in32 = _mm256_castps_si256(in);  // lanes all-ones or zero
        const __m128i in16 = _mm_and_si128(_mm_packs_epi32(_mm256_castsi256_si128(in32), _mm256_extracti128_si256(in32, 1)), one);
        __m128i* cp = reinterpret_cast<__m128i*>(count[q] + x);
        _mm_storeu_si128(cp, _mm_adds_epu16(_mm_loadu_si128(cp), in16));  // saturating +1
      }
    }
  }
#elif defined(__SSE2__)
  if (one_interval) {
    const __m128 eye_v = _mm_set1_ps(eye), ceil_v = _mm_set1_ps(ceiling_msl), floor_v = _mm_set1_ps(h_floor);
    const __m128 inf = _mm_set1_ps(kEmptyLo);
    const __m128i one = _mm_set1_epi16(1);
    for (; x + 4 <= seg_w; x += 4) {
      const __m128 zt = _mm_loadu_ps(z + x), dmax = _mm_loadu_ps(dz_max + x);
      const __m128 base = _mm_sub_ps(eye_v, zt), top = _mm_sub_ps(ceil_v, zt);
      const __m128 bottom = _mm_max_ps(floor_v, _mm_loadu_ps(v + x));
      const __m128 lo = _mm_max_ps(_mm_sub_ps(base, dmax), bottom);
      const __m128 hi = _mm_min_ps(_mm_add_ps(base, dmax), top);
      if (update_lowest) {
        const __m128 low = select_ps(inf, lo, _mm_cmple_ps(lo, hi));
        const __m128 cur = _mm_loadu_ps(lowest + x);
        _mm_storeu_ps(lowest + x, select_ps(cur, low, _mm_cmplt_ps(low, cur)));
      }
      for (std::size_t q = 0; q < nbp; ++q) {
        const __m128 hb = msl[q] ? _mm_sub_ps(_mm_set1_ps(alt[q]), zt) : _mm_set1_ps(alt[q]);
        const __m128i in32 = _mm_castps_si128(_mm_and_ps(_mm_cmpge_ps(hb, lo), _mm_cmple_ps(hb, hi)));
        const __m128i in16 = _mm_and_si128(_mm_packs_epi32(in32, in32), one);
        __m128i* cp = reinterpret_cast<__m128i*>(count[q] + x);
        _mm_storel_epi64(cp, _mm_adds_epu16(_mm_loadl_epi64(cp), in16));
      }
    }
  } else {
    // Four cells at a time with the x86-64 baseline instruction set. Operand order makes
    // _mm_max_ps / _mm_min_ps reproduce std::max / std::min exactly (NaN and signed zeros), so
    // these lanes equal the scalar loop's bit for bit.
    const __m128 eye_v = _mm_set1_ps(eye), ceil_v = _mm_set1_ps(ceiling_msl), floor_v = _mm_set1_ps(h_floor);
    const __m128 inf = _mm_set1_ps(kEmptyLo), ninf = _mm_set1_ps(kEmptyHi);
    const __m128i one = _mm_set1_epi16(1);
    for (; x + 4 <= seg_w; x += 4) {
      const __m128 zt = _mm_loadu_ps(z + x), hv = _mm_loadu_ps(v + x);
      const __m128 dmax = _mm_loadu_ps(dz_max + x), dmin = _mm_loadu_ps(dz_min + x);
      const __m128 ok = _mm_and_ps(_mm_and_ps(_mm_cmpord_ps(dmax, dmax), _mm_cmpord_ps(zt, zt)), _mm_cmpord_ps(hv, hv));
      const __m128 base = _mm_sub_ps(eye_v, zt), top = _mm_sub_ps(ceil_v, zt);
      const __m128 bottom = _mm_max_ps(hv, floor_v);  // std::max(h_floor, hv)
      const __m128 l0 = select_ps(inf, _mm_max_ps(bottom, _mm_sub_ps(base, dmax)), ok);
      const __m128 h0 = select_ps(ninf, _mm_min_ps(top, _mm_sub_ps(base, dmin)), ok);
      const __m128 l1 = select_ps(inf, _mm_max_ps(bottom, _mm_add_ps(base, dmin)), ok);
      const __m128 h1 = select_ps(ninf, _mm_min_ps(top, _mm_add_ps(base, dmax)), ok);
      if (update_lowest) {
        const __m128 low = select_ps(select_ps(inf, l1, _mm_cmple_ps(l1, h1)), l0, _mm_cmple_ps(l0, h0));
        const __m128 cur = _mm_loadu_ps(lowest + x);
        _mm_storeu_ps(lowest + x, select_ps(cur, low, _mm_cmplt_ps(low, cur)));  // low < cur ? low : cur
      }
      for (std::size_t q = 0; q < nbp; ++q) {
        const __m128 hb = msl[q] ? _mm_sub_ps(_mm_set1_ps(alt[q]), zt) : _mm_set1_ps(alt[q]);
        const __m128 in = _mm_or_ps(_mm_and_ps(_mm_cmpge_ps(hb, l0), _mm_cmple_ps(hb, h0)),
                                    _mm_and_ps(_mm_cmpge_ps(hb, l1), _mm_cmple_ps(hb, h1)));
        const __m128i in32 = _mm_castps_si128(in);
        const __m128i in16 = _mm_and_si128(_mm_packs_epi32(in32, in32), one);  // low 4 lanes
        __m128i* cp = reinterpret_cast<__m128i*>(count[q] + x);  // 4 x uint16 = 8 bytes
        _mm_storel_epi64(cp, _mm_adds_epu16(_mm_loadl_epi64(cp), in16));  // saturating +1
      }
    }
  }
#endif
  for (; x < seg_w; ++x) {
    const float zt = z[x];
    const float hv = v[x];
    // Out of range (dz_max NaN), nodata target, or no visibility figure: nothing engageable.
    const bool ok = (dz_max[x] == dz_max[x]) & (zt == zt) & (hv == hv);
    const float base = eye - zt;
    const float top = ceiling_msl - zt;               // ceiling, as height above the target's ground
    const float bottom = max_first(h_floor, hv);      // min altitude, and line of sight
    const float a0 = max_first(base - dz_max[x], bottom), b0i = min_first(base - dz_min[x], top);
    const float a1 = max_first(base + dz_min[x], bottom), b1i = min_first(base + dz_max[x], top);
    const float l0 = ok ? a0 : kEmptyLo, h0 = ok ? b0i : kEmptyHi;
    const float l1 = ok ? a1 : kEmptyLo, h1 = ok ? b1i : kEmptyHi;
    if (update_lowest) {
      const float low = l0 <= h0 ? l0 : (l1 <= h1 ? l1 : kEmptyLo);
      const float cur = lowest[x];
      lowest[x] = low < cur ? low : cur;
    }
    for (std::size_t q = 0; q < nbp; ++q) {
      const float h = msl[q] ? alt[q] - zt : alt[q];  // MSL band: height above this cell's ground
      const int in = ((h >= l0) & (h <= h0)) | ((h >= l1) & (h <= h1));
      std::uint16_t& c = count[q][x];
      c = static_cast<std::uint16_t>(c + (in & (c != 0xFFFF)));  // saturating
    }
  }
}

}  // namespace

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define SKYCOVER_UNION_HAVE_AVX2 1
void fold_row_avx2(const RowFold& r);    // union_fold_avx2.cpp; needs a CPU with AVX2
void fold_row_avx512(const RowFold& r);  // union_fold_avx512.cpp; needs AVX-512 F, BW and VL
#else
#define SKYCOVER_UNION_HAVE_AVX2 0
#endif
// The widest of the loops above that this CPU runs (engagement_union.cpp; asked once per union,
// not per row). They give the same bits, so this is speed only.
using FoldRowFn = void (*)(const RowFold&);
FoldRowFn widest_fold_row();

}  // namespace skycover::detail
