// The engagement union's row fold (src/visibility/union_fold.hpp) has a scalar loop, an SSE2 loop
// (x86-64 baseline), and AVX2 and AVX-512 loops chosen at run time; all must give the same bytes, so that
// coverage does not depend on the CPU. White-box: random rows with nodata, both interval forms,
// AGL and MSL bands, compared byte for byte.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "visibility/union_fold.hpp"

namespace skycover::detail {
namespace {

struct Row {
  std::vector<float> z, v, dz_max, dz_min, lowest;
  std::vector<std::vector<std::uint16_t>> counts;
};

Row random_row(int n, bool one_interval, std::mt19937& rng) {
  std::uniform_real_distribution<float> u(0.f, 1.f);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Row r;
  for (int x = 0; x < n; ++x) {
    r.z.push_back(u(rng) < 0.05f ? nan : 200.f + 800.f * u(rng));
    r.v.push_back(u(rng) < 0.05f ? nan : (u(rng) < 0.3f ? 0.f : 400.f * u(rng)));
    r.dz_max.push_back(6000.f * u(rng));
    r.dz_min.push_back(one_interval ? 0.f : 500.f * u(rng));
    r.lowest.push_back(u(rng) < 0.5f ? std::numeric_limits<float>::infinity() : 300.f * u(rng));
  }
  for (int b = 0; b < 5; ++b) {
    std::vector<std::uint16_t> c;
    for (int x = 0; x < n; ++x) c.push_back(u(rng) < 0.02f ? 0xFFFF : static_cast<std::uint16_t>(100 * u(rng)));
    r.counts.push_back(c);
  }
  return r;
}

RowFold fold_of(Row& r, int x0, int n, bool one_interval, bool update_lowest, float h_floor) {
  RowFold f;
  f.seg_w = n;
  f.z = r.z.data() + x0, f.v = r.v.data() + x0, f.dz_max = r.dz_max.data() + x0, f.dz_min = r.dz_min.data() + x0;
  f.lowest = update_lowest ? r.lowest.data() + x0 : nullptr;
  const float alt[5] = {30.f, 150.f, 1000.f, 3000.f, 1200.f};
  const bool msl[5] = {false, false, false, false, true};
  f.n_bands = 5;
  for (int b = 0; b < 5; ++b) f.count[b] = r.counts[b].data() + x0, f.alt[b] = alt[b], f.msl[b] = msl[b];
  f.eye = 650.f, f.ceiling_msl = 4100.f, f.h_floor = h_floor;
  f.one_interval = one_interval;
  return f;
}

bool same_bytes(const Row& a, const Row& b) {
  if (std::memcmp(a.lowest.data(), b.lowest.data(), a.lowest.size() * sizeof(float)) != 0) return false;
  for (std::size_t k = 0; k < a.counts.size(); ++k)
    if (a.counts[k] != b.counts[k]) return false;
  return true;
}

TEST(UnionFold, VectorLoopsEqualTheScalarLoopAndEachOther) {
  std::mt19937 rng(2026);
  // h_floor -0: a minimum altitude of "-0" must not let the loops disagree on the sign of zero.
  for (float h_floor : {10.f, -0.f})
  for (bool one_interval : {true, false})
    for (bool update_lowest : {true, false})
      for (int trial = 0; trial < 20; ++trial) {
        const int n = 37 + trial * 13;
        const Row base = random_row(n, one_interval, rng);
        Row whole = base, scalar = base;
        fold_row(fold_of(whole, 0, n, one_interval, update_lowest, h_floor));  // this build's vector loop
        for (int x = 0; x < n; ++x) fold_row(fold_of(scalar, x, 1, one_interval, update_lowest, h_floor));  // scalar tail only
        EXPECT_TRUE(same_bytes(whole, scalar)) << "one_interval " << one_interval << " trial " << trial;
        const Row changed = whole;
        EXPECT_FALSE(same_bytes(changed, base)) << "the fold changed nothing: the test would be vacuous";
#if SKYCOVER_UNION_HAVE_AVX2
        if (__builtin_cpu_supports("avx2")) {
          Row avx2 = base;
          fold_row_avx2(fold_of(avx2, 0, n, one_interval, update_lowest, h_floor));
          EXPECT_TRUE(same_bytes(whole, avx2)) << "one_interval " << one_interval << " trial " << trial;
        }
        if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
            __builtin_cpu_supports("avx512vl")) {
          Row avx512 = base;
          fold_row_avx512(fold_of(avx512, 0, n, one_interval, update_lowest, h_floor));
          EXPECT_TRUE(same_bytes(whole, avx512)) << "one_interval " << one_interval << " trial " << trial;
        }
#endif
        Row widest = base;  // what engagement_union runs on this CPU
        widest_fold_row()(fold_of(widest, 0, n, one_interval, update_lowest, h_floor));
        EXPECT_TRUE(same_bytes(whole, widest)) << "one_interval " << one_interval << " trial " << trial;
      }
}

}  // namespace
}  // namespace skycover::detail
