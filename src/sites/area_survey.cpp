#include "skycover/sites/area_survey.hpp"

#include <algorithm>
#include <cmath>

#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include <fmt/format.h>

#include "skycover/grid/tiling.hpp"

namespace skycover {

void ElevationSum::add(const Terrain& terrain, const AreaMask& area) { add_rows(terrain, area, 0, terrain.height()); }

void ElevationSum::merge(const ElevationSum& o) {
  area_sum_ += o.area_sum_, all_sum_ += o.all_sum_, area_n_ += o.area_n_, all_n_ += o.all_n_;
}

void ElevationSum::add_rows(const Terrain& terrain, const AreaMask& area, int row0, int row1) {
  // Fixed point at 2^-24 m (rounded): an integer sum, so the order of cells and windows cannot
  // change it; |z| < 2^39 m fits an int64 term and 2^64 terms fit 128 bits.
  const auto& z = terrain.elevations_m();
  const auto w = static_cast<std::size_t>(terrain.width());
  for (std::size_t i = static_cast<std::size_t>(row0) * w, e = static_cast<std::size_t>(row1) * w; i < e; ++i) {
    if (std::isnan(z[i])) continue;
    const Wide v = std::llround(static_cast<double>(z[i]) * 16777216.0);
    all_sum_ += v, ++all_n_;
    if (area.inside[i]) area_sum_ += v, ++area_n_;
  }
}

double ElevationSum::mean_m() const {
  const Wide sum = area_n_ > 0 ? area_sum_ : all_sum_;  // empty area: every valid cell
  const std::int64_t n = area_n_ > 0 ? area_n_ : all_n_;
  if (n == 0) return 0.0;
  // Integer quotient and remainder first, so the double result does not depend on how large the sum is.
  const Wide q = sum / n, r = sum % n;
  return (static_cast<double>(q) + static_cast<double>(r) / static_cast<double>(n)) / 16777216.0;
}

std::pair<int, int> AreaSurvey::cell(std::int64_t k) const {
  const auto it = std::upper_bound(inside_before_row.begin(), inside_before_row.end(), k);
  const int row = static_cast<int>(it - inside_before_row.begin()) - 1;
  std::int64_t left = k - inside_before_row[static_cast<std::size_t>(row)];
  for (const auto& [c0, c1] : runs[static_cast<std::size_t>(row)]) {
    if (left < c1 - c0) return {c0 + static_cast<int>(left), row};
    left -= c1 - c0;
  }
  return {-1, row};  // unreachable for 0 <= k < inside_cells()
}

bool AreaSurvey::inside(int col, int row) const {
  if (!grid.contains_cell(col, row)) return false;
  const auto& r = runs[static_cast<std::size_t>(row)];
  const auto it = std::upper_bound(r.begin(), r.end(), std::make_pair(col, 1 << 30));
  return it != r.begin() && col < std::prev(it)->second;
}

Result<AreaSurvey> survey_area(const TerrainSource& terrain, const AreaSource& area, int tile_cells,
                               Progress* progress) {
  AreaSurvey s;
  s.grid = terrain.geometry();
  const TilePlan plan = make_tile_plan(s.grid.width, s.grid.height, tile_cells, 0);
  s.runs.resize(static_cast<std::size_t>(s.grid.height));
  if (progress) progress->set_total(plan.tile_count());
  std::int64_t n_runs = 0;
  // Row-major tiles: within a row, tile columns arrive west to east, so runs append in order
  // (a run that continues across a tile seam is extended).
  for (int t = 0; t < plan.tile_count(); ++t) {
    const TileRect tile = plan.tile(t);
    SKYCOVER_ASSIGN_OR_RETURN(const Terrain z, terrain.read(tile));
    SKYCOVER_ASSIGN_OR_RETURN(const AreaMask a, area.read(tile, z));
    // Rows in parallel: each chunk sums its own elevations (integers: merged in any order) and
    // fills its own rows' runs.
    tbb::enumerable_thread_specific<ElevationSum> sums;
    tbb::parallel_for(tbb::blocked_range<int>(0, tile.height, 64), [&](const tbb::blocked_range<int>& rows) {
      sums.local().add_rows(z, a, rows.begin(), rows.end());
    for (int r = rows.begin(); r < rows.end(); ++r) {
      auto& runs = s.runs[static_cast<std::size_t>(tile.row0 + r)];
      const std::uint8_t* in = a.inside.data() + static_cast<std::size_t>(r) * tile.width;
      for (int c = 0; c < tile.width;) {
        if (!in[c]) {
          ++c;
          continue;
        }
        const int c0 = c;
        while (c < tile.width && in[c]) ++c;
        if (!runs.empty() && runs.back().second == tile.col0 + c0)
          runs.back().second = tile.col0 + c;
        else
          runs.emplace_back(tile.col0 + c0, tile.col0 + c);
      }
    }
    });
    for (const ElevationSum& part : sums) s.elevation.merge(part);
    for (int r = 0; r < tile.height; ++r) n_runs += static_cast<std::int64_t>(s.runs[static_cast<std::size_t>(tile.row0 + r)].size());
    if (progress) progress->advance();
    if (n_runs > kMaxSurveyRuns)
      return Status::Invalid(fmt::format(
          "the analysis area breaks into more than {} runs of cells (many nodata holes, or a very ragged polygon); "
          "fill small DEM voids (gdal_fillnodata) or simplify the [area] polygon",
          kMaxSurveyRuns));
  }
  s.inside_before_row.assign(static_cast<std::size_t>(s.grid.height) + 1, 0);
  for (int r = 0; r < s.grid.height; ++r) {
    std::int64_t n = 0;
    for (const auto& [c0, c1] : s.runs[static_cast<std::size_t>(r)]) n += c1 - c0;
    s.inside_before_row[static_cast<std::size_t>(r) + 1] = s.inside_before_row[static_cast<std::size_t>(r)] + n;
  }
  return s;
}

}  // namespace skycover
