// The area's shape on the grid, without reading the terrain: the cells whose centre lies inside
// the [area] polygons (every cell without polygons), as runs per row. Placement draws cells from
// it (the k-th cell of uniform placement, whether a point is inside) and reads the elevation of
// only the cells it draws; a cell with no terrain is drawn again (sites.cpp). So the DEM is read
// once, by the coverage tiles, and not surveyed first.
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

namespace skycover {

struct AreaSurvey {
  GridGeometry grid;
  // Per row, the inside cells as [first, last) column runs in order.
  std::vector<std::vector<std::pair<int, int>>> runs;
  std::vector<std::int64_t> inside_before_row;  // height + 1 prefix counts

  std::int64_t inside_cells() const { return inside_before_row.empty() ? 0 : inside_before_row.back(); }
  // (col, row) of the k-th inside cell in row-major order, 0 <= k < inside_cells().
  std::pair<int, int> cell(std::int64_t k) const;
  bool inside(int col, int row) const;
};

// Most runs a survey keeps (8 bytes each): an area mask speckled beyond this (millions of nodata
// holes) is refused with a message rather than exhausting memory.
inline constexpr std::int64_t kMaxSurveyRuns = 64'000'000;

// Rasterises the area's shape (AreaSource::read_shape) over `grid` in tiles of `tile_cells`;
// `progress` (may be null) advances per tile. Spread over `world`'s ranks (null: alone), each rank
// rasterises only its own tiles (tile_owner); rank 0 joins the runs and sends the whole survey to
// every rank: the same survey, so the same sites, for any rank count.
Result<AreaSurvey> survey_area(const AreaSource& area, const GridGeometry& grid, int tile_cells,
                               Progress* progress = nullptr, Collective* world = nullptr);

}  // namespace skycover
