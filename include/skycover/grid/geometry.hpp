// Grid geometry and rectangles of cells: the vocabulary every tiled stage shares.
//
// A `GridGeometry` is a north-up grid in projected metres. A `TileRect` is a rectangle of cells in
// a grid's own (col, row) coordinates, as GDAL's viewshed `Window` or TauDEM's partition windows:
// tiles, halos and windows are all TileRects, and `GridGeometry::window(rect)` gives the geometry
// of the grid cut to that rectangle (its cell (0, 0) is the parent's (rect.col0, rect.row0)).
// Lowest layer above core/: knows nothing of terrain, sites or stages.
#pragma once
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace skycover {

// A rectangle of cells [col0, col0 + width) x [row0, row0 + height). Empty when either side is <= 0.
struct TileRect {
  int col0 = 0, row0 = 0;
  int width = 0, height = 0;

  int col_end() const { return col0 + width; }  // one past the last column
  int row_end() const { return row0 + height; }
  bool empty() const { return width <= 0 || height <= 0; }
  std::int64_t cell_count() const { return empty() ? 0 : std::int64_t{width} * height; }
  bool contains(int col, int row) const { return col >= col0 && row >= row0 && col < col_end() && row < row_end(); }
  // Grown by `cells` on every side (a halo); not clipped.
  TileRect expanded(int cells) const { return {col0 - cells, row0 - cells, width + 2 * cells, height + 2 * cells}; }
  // The common cells (empty rectangle at col0/row0 of *this when they do not overlap).
  TileRect intersect(const TileRect& o) const {
    const int c0 = std::max(col0, o.col0), r0 = std::max(row0, o.row0);
    const int c1 = std::min(col_end(), o.col_end()), r1 = std::min(row_end(), o.row_end());
    if (c1 <= c0 || r1 <= r0) return {col0, row0, 0, 0};
    return {c0, r0, c1 - c0, r1 - r0};
  }
  // The same rectangle in the coordinates of a window whose cell (0, 0) is `origin`'s (col0, row0).
  TileRect relative_to(const TileRect& origin) const { return {col0 - origin.col0, row0 - origin.row0, width, height}; }
  // Chebyshev distance in cells from cell (col, row) to the nearest cell of the rectangle (0 inside).
  int distance_cells(int col, int row) const {
    const int dc = col < col0 ? col0 - col : (col >= col_end() ? col - col_end() + 1 : 0);
    const int dr = row < row0 ? row0 - row : (row >= row_end() ? row - row_end() + 1 : 0);
    return std::max(dc, dr);
  }
  bool operator==(const TileRect&) const = default;
};

// Geometry of a north-up grid. (x, y) are projected metres; row 0 is the northern edge.
struct GridGeometry {
  int width = 0;
  int height = 0;
  double origin_x_m = 0;   // x of the western edge of column 0
  double origin_y_m = 0;   // y of the northern edge of row 0
  double cell_size_m = 1;  // square cells
  std::string crs_wkt;     // projected CRS (WKT2); empty = local engineering CRS in metres

  // Centre of cell (col, row).
  double cell_center_x_m(int col) const { return origin_x_m + (col + 0.5) * cell_size_m; }
  double cell_center_y_m(int row) const { return origin_y_m - (row + 0.5) * cell_size_m; }
  // Continuous grid coordinates: col = 0.5 at the centre of column 0.
  double col_of(double x_m) const { return (x_m - origin_x_m) / cell_size_m; }
  double row_of(double y_m) const { return (origin_y_m - y_m) / cell_size_m; }
  bool contains_cell(int col, int row) const { return col >= 0 && row >= 0 && col < width && row < height; }
  std::int64_t cell_count() const { return std::int64_t{width} * height; }
  double cell_area_km2() const { return cell_size_m * cell_size_m * 1e-6; }
  // GDAL geotransform {origin_x, cell, 0, origin_y, 0, -cell}.
  std::vector<double> geotransform() const { return {origin_x_m, cell_size_m, 0.0, origin_y_m, 0.0, -cell_size_m}; }
  // Every cell of the grid.
  TileRect full_rect() const { return {0, 0, width, height}; }
  // The grid cut to `rect` (same CRS and cell size; rect may reach past the grid, e.g. a halo).
  GridGeometry window(const TileRect& rect) const {
    GridGeometry g = *this;
    g.width = rect.width;
    g.height = rect.height;
    g.origin_x_m = origin_x_m + rect.col0 * cell_size_m;
    g.origin_y_m = origin_y_m - rect.row0 * cell_size_m;
    return g;
  }
};

// Calls f(first, last) for each run [first, last) of non-zero bytes among in[0 .. n), in order:
// masks kept as runs of cells (the area's shape per row, a tile's area for its flat run).
template <class F>
void for_each_run(const std::uint8_t* in, int n, F&& f) {
  for (int c = 0; c < n;) {
    if (!in[c]) {
      ++c;
      continue;
    }
    const int c0 = c;
    while (c < n && in[c]) ++c;
    f(c0, c);
  }
}

// The Z-order (Morton) key of a cell: the bits of col and row (>= 0) interleaved, col in the even
// bits. Sorting cells by it keeps near cells together at every scale, and the cells of any
// aligned power-of-two square (a DEM's 256^2 or 1024^2 blocks) contiguous.
constexpr std::uint64_t z_order(int col, int row) {
  auto spread = [](std::uint64_t v) {  // bit k -> bit 2k
    v &= 0xFFFFFFFF;
    v = (v | (v << 16)) & 0x0000FFFF0000FFFFull;
    v = (v | (v << 8)) & 0x00FF00FF00FF00FFull;
    v = (v | (v << 4)) & 0x0F0F0F0F0F0F0F0Full;
    v = (v | (v << 2)) & 0x3333333333333333ull;
    v = (v | (v << 1)) & 0x5555555555555555ull;
    return v;
  };
  return spread(static_cast<std::uint64_t>(col)) | (spread(static_cast<std::uint64_t>(row)) << 1);
}

}  // namespace skycover
