// add_count_histogram (count_histogram.hpp).
#include "skycover/coverage/count_histogram.hpp"

#include <array>

namespace skycover {

void add_count_histogram(std::span<const std::uint16_t> counts, std::span<const std::uint8_t> inside,
                         std::span<std::int64_t> hist) {
  constexpr std::size_t kSmall = 256, kWays = 4;
  std::array<std::array<std::uint32_t, kSmall>, kWays> small{};
  const std::size_t n = counts.size();
  const std::uint16_t* c = counts.data();
  const std::uint8_t* in = inside.data();
  auto one = [&](std::size_t way, std::size_t i) {
    const std::uint32_t add = in[i] != 0;
    if (c[i] < kSmall) small[way][c[i]] += add;
    else hist[c[i]] += add;
  };
  std::size_t i = 0;
  for (; i + kWays <= n; i += kWays) one(0, i), one(1, i + 1), one(2, i + 2), one(3, i + 3);
  for (; i < n; ++i) one(0, i);
  for (std::size_t k = 0; k < kSmall; ++k) hist[k] += std::int64_t{small[0][k]} + small[1][k] + small[2][k] + small[3][k];
}

}  // namespace skycover
