// ElevationSum: the flat-ground run's level, summed exactly (elevation_sum.hpp).
#include "skycover/coverage/elevation_sum.hpp"

#include <cmath>
#include <string>

#include <fmt/format.h>
#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

namespace skycover {

std::int64_t ElevationSum::fixed_point(float z_m) {
  // llround(x) without the libm call (a third of a country run's single-threaded sum went to
  // it): x = z * 2^24 has at most 24 significant bits, so x + 0.5 (away from zero) is exact in a
  // double and truncating it rounds half away from zero, as llround does (tested on every
  // exponent, halves included).
  const double x = static_cast<double>(z_m) * 16777216.0;
  return static_cast<std::int64_t>(x + std::copysign(0.5, x));
}

void ElevationSum::add(const Terrain& terrain, const AreaMask& area) {
  // Fixed point at 2^-24 m (rounded): an integer sum, so the order of cells, rows and windows
  // cannot change it; |z| < 2^39 m fits an int64 term and 2^64 terms fit 128 bits. Rows in
  // parallel, each chunk's partial sums merged (integers: the same for any split).
  const auto w = static_cast<std::size_t>(terrain.width());
  const float* z = terrain.elevations_m().data();
  const std::uint8_t* inside = area.inside.data();
  tbb::enumerable_thread_specific<ElevationSum> partial;
  tbb::parallel_for(tbb::blocked_range<int>(0, terrain.height(), 64), [&](const tbb::blocked_range<int>& rows) {
    ElevationSum& mine = partial.local();
    for (std::size_t i = static_cast<std::size_t>(rows.begin()) * w, e = static_cast<std::size_t>(rows.end()) * w; i < e;
         ++i) {
      if (std::isnan(z[i])) continue;
      const std::int64_t v = fixed_point(z[i]);
      mine.all_sum_ += v, ++mine.all_n_;
      if (inside[i]) mine.area_sum_ += v, ++mine.area_n_;
    }
  });
  for (const ElevationSum& p : partial) merge(p);
}

void ElevationSum::merge(const ElevationSum& o) {
  area_sum_ += o.area_sum_, all_sum_ += o.all_sum_, area_n_ += o.area_n_, all_n_ += o.all_n_;
}

std::array<std::int64_t, 6> ElevationSum::words() const {
  __extension__ using U = unsigned __int128;
  auto lo = [](Wide v) { return static_cast<std::int64_t>(static_cast<std::uint64_t>(static_cast<U>(v))); };
  auto hi = [](Wide v) { return static_cast<std::int64_t>(static_cast<std::uint64_t>(static_cast<U>(v) >> 64)); };
  return {lo(area_sum_), hi(area_sum_), lo(all_sum_), hi(all_sum_), area_n_, all_n_};
}

ElevationSum ElevationSum::from_words(const std::array<std::int64_t, 6>& w) {
  __extension__ using U = unsigned __int128;
  auto wide = [](std::int64_t lo, std::int64_t hi) {
    return static_cast<Wide>((static_cast<U>(static_cast<std::uint64_t>(hi)) << 64) |
                             static_cast<U>(static_cast<std::uint64_t>(lo)));
  };
  ElevationSum e;
  e.area_sum_ = wide(w[0], w[1]), e.all_sum_ = wide(w[2], w[3]), e.area_n_ = w[4], e.all_n_ = w[5];
  return e;
}

double ElevationSum::mean_m() const {
  const Wide sum = area_n_ > 0 ? area_sum_ : all_sum_;  // empty area: every valid cell
  const std::int64_t n = area_n_ > 0 ? area_n_ : all_n_;
  if (n == 0) return 0.0;
  // Integer quotient and remainder first, so the double result does not depend on how large the sum is.
  const Wide q = sum / n, r = sum % n;
  return (static_cast<double>(q) + static_cast<double>(r) / static_cast<double>(n)) / 16777216.0;
}

Status sum_over_ranks(Collective& world, ElevationSum& sum) {
  if (world.size() == 1) return Status::Ok();
  ByteWriter mine;
  mine.put(sum.words());
  ElevationSum total;
  Status gathered = world.gather(mine.bytes(), [&](int rank, std::span<const std::byte> bytes) -> Status {
    ByteReader in(bytes);
    std::array<std::int64_t, 6> words{};
    if (!in.get(words) || !in.done())
      return Status::Internal(fmt::format("elevation sum: rank {} sent a malformed sum", rank));
    total.merge(ElevationSum::from_words(words));
    return Status::Ok();
  });
  std::string text;
  if (world.is_root() && gathered.ok()) {
    ByteWriter all;
    all.put(total.words());
    text.assign(reinterpret_cast<const char*>(all.bytes().data()), all.bytes().size());
  }
  SKYCOVER_RETURN_IF_ERROR(world.agree(gathered));
  SKYCOVER_RETURN_IF_ERROR(world.broadcast(text));
  ByteReader in(std::as_bytes(std::span(text)));
  std::array<std::int64_t, 6> words{};
  if (!in.get(words) || !in.done()) return Status::Internal("elevation sum: rank 0 sent a malformed sum");
  sum = ElevationSum::from_words(words);
  return Status::Ok();
}

}  // namespace skycover
