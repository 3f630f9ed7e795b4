// The exact mean elevation of an area, summed window by window: the flat-ground run's level
// (coverage.hpp). Fixed point at 2^-24 m in 128 bits, so the mean is the same bits however the
// grid is cut into windows and in whatever order (or on whatever rank) they are added.
#pragma once
#include <array>
#include <cstdint>

#include "skycover/core/collective.hpp"
#include "skycover/core/status.hpp"
#include "skycover/sites/site.hpp"
#include "skycover/terrain/terrain.hpp"

namespace skycover {

// Mean elevation of the valid cells inside an area (of all valid cells if the area is empty).
class ElevationSum {
 public:
  void add(const Terrain& terrain, const AreaMask& area);
  void merge(const ElevationSum& other);
  double mean_m() const;
  // The exact state as words (to send between ranks) and back.
  std::array<std::int64_t, 6> words() const;
  static ElevationSum from_words(const std::array<std::int64_t, 6>& words);
  // An elevation's term: llround(z_m * 2^24).
  static std::int64_t fixed_point(float z_m);

 private:
  __extension__ using Wide = __int128;
  Wide area_sum_ = 0, all_sum_ = 0;  // elevations x 2^24
  std::int64_t area_n_ = 0, all_n_ = 0;
};

// Every rank's sum added up (rank 0 merges them and sends the total back): the same bits on every
// rank, for any rank count.
Status sum_over_ranks(Collective& world, ElevationSum& sum);

}  // namespace skycover
