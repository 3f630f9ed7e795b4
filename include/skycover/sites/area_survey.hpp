// One pass over a tiled grid that gathers what site placement and the coverage engine need from
// the whole area, so that neither has to read the grid again: the inside cells of each row as
// runs (to find the k-th inside cell of uniform placement, or whether a point is inside), and the
// exact sum of elevations over the area (the flat-ground run's level).
#pragma once
#include <array>
#include <cstdint>
#include <utility>
#include <vector>

#include "skycover/core/collective.hpp"
#include "skycover/core/progress.hpp"
#include "skycover/core/status.hpp"
#include "skycover/grid/geometry.hpp"
#include "skycover/sites/site.hpp"
#include "skycover/terrain/terrain_source.hpp"

namespace skycover {

// Mean elevation of the valid cells inside an area (of all valid cells if the area is empty),
// summed exactly: fixed point at 2^-24 m in 128 bits, so the mean is the same bits however the
// grid is cut into windows and in whatever order they are added.
class ElevationSum {
 public:
  void add(const Terrain& terrain, const AreaMask& area);
  void add_rows(const Terrain& terrain, const AreaMask& area, int row0, int row1);  // rows [row0, row1)
  void merge(const ElevationSum& other);
  double mean_m() const;
  // The exact state as words (to send between ranks) and back.
  std::array<std::int64_t, 6> words() const;
  static ElevationSum from_words(const std::array<std::int64_t, 6>& words);

 private:
  __extension__ using Wide = __int128;
  Wide area_sum_ = 0, all_sum_ = 0;  // elevations x 2^24
  std::int64_t area_n_ = 0, all_n_ = 0;
};

struct AreaSurvey {
  GridGeometry grid;
  // Per row, the inside cells as [first, last) column runs in order.
  std::vector<std::vector<std::pair<int, int>>> runs;
  std::vector<std::int64_t> inside_before_row;  // height + 1 prefix counts
  ElevationSum elevation;

  std::int64_t inside_cells() const { return inside_before_row.empty() ? 0 : inside_before_row.back(); }
  // (col, row) of the k-th inside cell in row-major order, 0 <= k < inside_cells().
  std::pair<int, int> cell(std::int64_t k) const;
  bool inside(int col, int row) const;
};

// Most runs a survey keeps (8 bytes each): an area mask speckled beyond this (millions of nodata
// holes) is refused with a message rather than exhausting memory.
inline constexpr std::int64_t kMaxSurveyRuns = 64'000'000;

// Reads every tile of `tile_cells` once (no halo); `progress` (may be null) advances per tile.
// Spread over `world`'s ranks (null: alone), each rank reads only its own tiles (tile_owner); rank
// 0 joins the runs and sums and sends the whole survey to every rank: the same survey, so the
// same sites, for any rank count.
Result<AreaSurvey> survey_area(const TerrainSource& terrain, const AreaSource& area, int tile_cells,
                               Progress* progress = nullptr, Collective* world = nullptr);

}  // namespace skycover
