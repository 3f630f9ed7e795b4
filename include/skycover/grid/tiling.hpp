// Tile plans: how a grid is cut into square tiles, each read with a halo, and what a tile costs.
//
// Why a halo of 2R (R = the largest engagement range in cells): a site changes a cell only when it
// stands within R of it, and its viewshed reads terrain within R of the site (the kernel sweeps the
// site's whole (2R+1)^2 window), so every input a tile's cells depend on lies within 2R of the
// tile. With that halo a tiled run gives the same bytes as one whole-grid run (docs/tiling.md).
// Tiles are numbered row-major; the plan with one tile over the grid is the whole-grid run.
#pragma once
#include <cstdint>
#include <vector>

#include "skycover/core/status.hpp"
#include "skycover/grid/geometry.hpp"

namespace skycover {

struct TilePlan {
  int grid_width = 0, grid_height = 0;
  int tile_cells = 0;  // side of a tile (the last row/column of tiles may be smaller)
  int halo_cells = 0;  // read around each tile, clipped to the grid

  int tiles_x() const { return tile_cells > 0 ? (grid_width + tile_cells - 1) / tile_cells : 0; }
  int tiles_y() const { return tile_cells > 0 ? (grid_height + tile_cells - 1) / tile_cells : 0; }
  int tile_count() const { return tiles_x() * tiles_y(); }
  // Tile `index` (row-major), clipped to the grid.
  TileRect tile(int index) const;
  // Tile `index` with its halo, clipped to the grid: the terrain a tile run reads.
  TileRect window(int index) const;
};

// The rank that computes tile `index` when a run is spread over `ranks` processes: round robin in
// row-major tile order, so neighbouring tiles (and the edge tiles, which hold less area) spread
// evenly. Static and documented (docs/distributed.md): every rank knows every tile's owner, and
// rank 0 assembles the raster parts without asking.
inline int tile_owner(int index, int ranks) { return ranks > 1 ? index % ranks : 0; }

// A plan of square tiles of `tile_cells` (<= 0 or >= both grid sides: one tile over the whole grid).
TilePlan make_tile_plan(int grid_width, int grid_height, int tile_cells, int halo_cells);

// Memory of one coverage tile in flight, in bytes: per window cell (tile + halo) the terrain,
// its void-padded copy and transpose (viewshed kernel) and the flat-ground copy; per tile cell the
// area mask, the lowest engageable height and one 16-bit count per band, kept for three runs' histograms
// and handed to the raster writer. `threads` adds the per-thread kernel buffers for a range of R cells.
// `clutter`: the window also holds a clutter layer and, while the kernel's copy is made, the
// ground + clutter surface it is made from. `readiness_classes` > 2: the masked union runs once per
// class and that many unions are alive at once.
struct TileCost {
  std::int64_t window_bytes_per_cell = 0;
  std::int64_t tile_bytes_per_cell = 0;
  std::int64_t fixed_bytes = 0;
  std::int64_t bytes(int tile_side, int halo_cells) const;
};
TileCost coverage_tile_cost(std::size_t n_bands, int radius_cells, int threads, bool clutter = false,
                            int readiness_classes = 1);

// The largest tile side (a multiple of 256 cells, or the whole grid) whose cost fits
// `budget_bytes`. Error when even a 256-cell tile and its halo do not fit: the message states the
// smallest budget that works (in MB) and how to lower the need (coarser cells, fewer bands).
Result<int> tile_side_for_budget(const TileCost& cost, int grid_width, int grid_height, int halo_cells,
                                 std::int64_t budget_bytes);

}  // namespace skycover
