// add_count_histogram against the one-line histogram it replaces, on counts that cross the
// 256-bin fast path, an area with holes and lengths that leave a remainder.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "skycover/coverage/count_histogram.hpp"

namespace skycover {
namespace {

TEST(CountHistogram, EqualsThePlainHistogram) {
  std::mt19937 rng(7);
  for (const std::size_t n : {0u, 1u, 3u, 4u, 5u, 1000u, 100003u}) {
    std::vector<std::uint16_t> counts(n);
    std::vector<std::uint8_t> inside(n);
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint32_t r = rng();
      // Runs of equal small counts (as coverage grids hold), some large, the top bin too.
      counts[i] = r % 50 == 0 ? static_cast<std::uint16_t>(r >> 16) : i > 0 && r % 3 ? counts[i - 1] : r % 300;
      if (r % 997 == 0) counts[i] = 65535;
      inside[i] = static_cast<std::uint8_t>((r >> 8) % 5 ? (r >> 12) % 7 + 1 : 0);  // any non-zero is inside
    }
    std::vector<std::int64_t> want(65536, 0), got(65536, 5);
    for (std::size_t i = 0; i < n; ++i) want[counts[i]] += inside[i] != 0;
    for (auto& v : want) v += 5;  // it adds to what is there
    add_count_histogram(counts, inside, got);
    EXPECT_EQ(got, want) << n << " cells";
  }
}

}  // namespace
}  // namespace skycover
