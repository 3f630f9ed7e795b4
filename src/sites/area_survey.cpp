#include "skycover/sites/area_survey.hpp"

#include <algorithm>
#include <cmath>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <fmt/format.h>

#include "skycover/core/interrupt.hpp"
#include "skycover/grid/tiling.hpp"

namespace skycover {

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

namespace {

// A survey's runs as bytes: per row with runs, (row, count, runs...); then -1.
void put_survey(ByteWriter& out, const AreaSurvey& s) {
  for (std::size_t r = 0; r < s.runs.size(); ++r) {
    if (s.runs[r].empty()) continue;
    out.put(static_cast<std::int32_t>(r));
    out.put(static_cast<std::int32_t>(s.runs[r].size()));
    for (const auto& [c0, c1] : s.runs[r]) out.put(c0), out.put(c1);
  }
  out.put(std::int32_t{-1});
}

// Adds the runs of `bytes` (put_survey) into `s`; false when malformed.
bool add_survey(ByteReader& in, AreaSurvey& s) {
  std::int32_t row = 0, n = 0;
  while (in.get(row) && row >= 0) {
    if (row >= static_cast<std::int32_t>(s.runs.size()) || !in.get(n) || n < 0) return false;
    auto& runs = s.runs[static_cast<std::size_t>(row)];
    for (std::int32_t i = 0; i < n; ++i) {
      std::pair<int, int> run;
      if (!in.get(run.first) || !in.get(run.second)) return false;
      runs.push_back(run);
    }
  }
  return row == -1;
}

// Runs of each row in column order, those that meet at a tile seam joined: the runs one process
// surveying every tile west to east makes.
void join_runs(AreaSurvey& s) {
  for (auto& runs : s.runs) {
    std::sort(runs.begin(), runs.end());
    std::vector<std::pair<int, int>> joined;
    for (const auto& run : runs) {
      if (!joined.empty() && joined.back().second == run.first)
        joined.back().second = run.second;
      else
        joined.push_back(run);
    }
    runs = std::move(joined);
  }
}

Status check_run_count(std::int64_t n_runs) {
  if (n_runs <= kMaxSurveyRuns) return Status::Ok();
  return Status::Invalid(fmt::format(
      "the analysis area breaks into more than {} runs of cells (many nodata holes, or a very ragged polygon); "
      "fill small DEM voids (gdal_fillnodata) or simplify the [area] polygon",
      kMaxSurveyRuns));
}

// Rank 0 joins every rank's runs, then sends the whole survey to every rank.
Status share_survey(Collective& world, AreaSurvey& s) {
  ByteWriter mine;
  put_survey(mine, s);
  AreaSurvey whole;
  whole.grid = s.grid;
  whole.runs.resize(s.runs.size());
  Status gathered = world.gather(mine.bytes(), [&](int rank, std::span<const std::byte> bytes) -> Status {
    ByteReader in(bytes);
    if (!add_survey(in, whole) || !in.done())
      return Status::Internal(fmt::format("survey: rank {} sent a malformed survey", rank));
    return Status::Ok();
  });
  std::string text;
  if (world.is_root() && gathered.ok()) {
    join_runs(whole);
    std::int64_t n_runs = 0;
    for (const auto& runs : whole.runs) n_runs += static_cast<std::int64_t>(runs.size());
    gathered = check_run_count(n_runs);
    ByteWriter all;
    put_survey(all, whole);
    text.assign(reinterpret_cast<const char*>(all.bytes().data()), all.bytes().size());
  }
  SKYCOVER_RETURN_IF_ERROR(world.agree(gathered));
  SKYCOVER_RETURN_IF_ERROR(world.broadcast(text));
  AreaSurvey shared;
  shared.grid = s.grid;
  shared.runs.resize(s.runs.size());
  ByteReader in(std::as_bytes(std::span(text)));
  if (!add_survey(in, shared) || !in.done()) return Status::Internal("survey: rank 0 sent a malformed survey");
  s = std::move(shared);
  return Status::Ok();
}

}  // namespace

Result<AreaSurvey> survey_area(const AreaSource& area, const GridGeometry& grid, int tile_cells, Progress* progress,
                               Collective* world) {
  SoloCollective solo;
  Collective& ranks = world ? *world : solo;
  AreaSurvey s;
  s.grid = grid;
  const TilePlan plan = make_tile_plan(s.grid.width, s.grid.height, tile_cells, 0);
  s.runs.resize(static_cast<std::size_t>(s.grid.height));
  int mine_n = 0;
  for (int t = 0; t < plan.tile_count(); ++t) mine_n += tile_owner(t, ranks.size()) == ranks.rank();
  if (progress) progress->set_total(mine_n);
  std::int64_t n_runs = 0;
  // Row-major tiles: within a row, tile columns arrive west to east, so runs append in order
  // (a run that continues across a tile seam is extended). A rank's tiles in a row are never
  // neighbours; rank 0 joins their runs (share_survey).
  auto survey_tile = [&](const TileRect& tile) -> Status {
    SKYCOVER_ASSIGN_OR_RETURN(const std::vector<std::uint8_t> shape, area.read_shape(s.grid.window(tile), tile));
    tbb::parallel_for(tbb::blocked_range<int>(0, tile.height, 64), [&](const tbb::blocked_range<int>& rows) {
      for (int r = rows.begin(); r < rows.end(); ++r) {
        auto& runs = s.runs[static_cast<std::size_t>(tile.row0 + r)];
        for_each_run(shape.data() + static_cast<std::size_t>(r) * tile.width, tile.width, [&](int c0, int c1) {
          if (!runs.empty() && runs.back().second == tile.col0 + c0)  // continues across the seam
            runs.back().second = tile.col0 + c1;
          else
            runs.emplace_back(tile.col0 + c0, tile.col0 + c1);
        });
      }
    });
    for (int r = 0; r < tile.height; ++r) n_runs += static_cast<std::int64_t>(s.runs[static_cast<std::size_t>(tile.row0 + r)].size());
    if (progress) progress->advance();
    return check_run_count(n_runs);
  };
  Status read = Status::Ok();
  for (int t = 0; t < plan.tile_count() && read.ok(); ++t)
    if (tile_owner(t, ranks.size()) == ranks.rank()) read = interrupted() ? interrupted_status() : survey_tile(plan.tile(t));
  SKYCOVER_RETURN_IF_ERROR(ranks.agree(read));
  if (ranks.size() > 1) SKYCOVER_RETURN_IF_ERROR(share_survey(ranks, s));
  s.inside_before_row.assign(static_cast<std::size_t>(s.grid.height) + 1, 0);
  for (int r = 0; r < s.grid.height; ++r) {
    std::int64_t n = 0;
    for (const auto& [c0, c1] : s.runs[static_cast<std::size_t>(r)]) n += c1 - c0;
    s.inside_before_row[static_cast<std::size_t>(r) + 1] = s.inside_before_row[static_cast<std::size_t>(r)] + n;
  }
  return s;
}

}  // namespace skycover
