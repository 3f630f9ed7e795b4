#include "skycover/grid/tiling.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace skycover {

TileRect TilePlan::tile(int index) const {
  const int tx = index % tiles_x(), ty = index / tiles_x();
  const TileRect t{tx * tile_cells, ty * tile_cells, tile_cells, tile_cells};
  return t.intersect({0, 0, grid_width, grid_height});
}

TileRect TilePlan::window(int index) const {
  return tile(index).expanded(halo_cells).intersect({0, 0, grid_width, grid_height});
}

TilePlan make_tile_plan(int grid_width, int grid_height, int tile_cells, int halo_cells) {
  TilePlan p;
  p.grid_width = grid_width;
  p.grid_height = grid_height;
  const int whole = std::max(grid_width, grid_height);
  p.tile_cells = tile_cells <= 0 || tile_cells >= whole ? std::max(1, whole) : tile_cells;
  p.halo_cells = std::max(0, halo_cells);
  return p;
}

std::int64_t TileCost::bytes(int tile_side, int halo_cells) const {
  const std::int64_t t = tile_side, w = t + 2 * std::int64_t{halo_cells};
  return w * w * window_bytes_per_cell + t * t * tile_bytes_per_cell + fixed_bytes;
}

TileCost coverage_tile_cost(std::size_t n_bands, int radius_cells, int threads, bool clutter, int readiness_classes) {
  TileCost c;
  // terrain (4) + padded copy and transpose (8); clutter layer (4) + surface (4). (The flat runs
  // come after the tile pass, on one flat window (4) with nothing else held: less than this.)
  c.window_bytes_per_cell = 12 + (clutter ? 8 : 0);
  // the tile's own terrain cells (4) and area mask (1) + two unions alive at once (masked, kept
  // for products, and clear): lowest height (4) + a 16-bit count per band
  c.tile_bytes_per_cell = 5 + std::max(2, readiness_classes) * (4 + 2 * static_cast<std::int64_t>(n_bands));
  // Per thread, kBatch = 4 viewshed scratch sets of three (2R+1)^2 float windows, plus the
  // per-system envelope tables (two windows); plus ~192 MB for the process, libraries and GDAL's
  // block cache (capped by the run).
  const std::int64_t side = 2 * std::int64_t{radius_cells} + 1;
  c.fixed_bytes = std::max(1, threads) * 4 * 3 * side * side * 4 + 2 * side * side * 4 + (std::int64_t{192} << 20);
  return c;
}

Result<int> tile_side_for_budget(const TileCost& cost, int grid_width, int grid_height, int halo_cells,
                                 std::int64_t budget_bytes) {
  const int whole = std::max(grid_width, grid_height);
  if (cost.bytes(whole, halo_cells) <= budget_bytes) return whole;
  constexpr int kStep = 256;
  if (cost.bytes(kStep, halo_cells) > budget_bytes) {
    const std::int64_t need_mb = (cost.bytes(kStep, halo_cells) + (1 << 20) - 1) >> 20;
    return Status::Invalid(fmt::format(
        "memory budget {} MB is too small for one {}-cell tile with its {}-cell halo (twice the longest range); "
        "the smallest budget that works is {} MB: raise --memory-mb to at least {}, or use coarser cells, a shorter "
        "range or fewer bands",
        budget_bytes >> 20, kStep, halo_cells, need_mb, need_mb));
  }
  int lo = kStep, hi = (whole / kStep + 1) * kStep;  // lo fits, hi does not (or is beyond the grid)
  while (hi - lo > kStep) {
    const int mid = (lo + hi) / 2 / kStep * kStep;
    if (cost.bytes(mid, halo_cells) <= budget_bytes) lo = mid; else hi = mid;
  }
  return lo;
}

}  // namespace skycover
