// Terrain: a north-up elevation grid in a *metric* projected CRS with square cells.
//
// Every later stage (visibility, coverage, tracks) works in metres on this grid. Geographic
// (lat/lon) DEMs are reprojected on load to the local UTM zone of their centre, so a cell
// is cell_size_m x cell_size_m on the ground to within UTM's scale error (< 0.1 % inside a zone).
// Elevations are metres above the DEM's vertical datum; nodata cells hold NaN.
//
// Clutter (optional, [terrain] clutter, docs/visibility.md "Clutter"): per cell the height (m,
// >= 0) of trees or buildings standing on the ground. It blocks lines of sight (rays see ground +
// clutter) but is not ground: AGL bands, sites' eyes and envelope heights stay relative to the bare
// elevation. A terrain without clutter holds an empty layer (no memory).
#pragma once
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "skycover/core/status.hpp"
#include "skycover/grid/geometry.hpp"

namespace skycover {

class Terrain {
 public:
  Terrain() = default;
  Terrain(GridGeometry geometry, std::vector<float> elevation_m);
  // With a clutter layer (one height >= 0 per cell, row-major; empty = none).
  Terrain(GridGeometry geometry, std::vector<float> elevation_m, std::vector<float> clutter_m);

  const GridGeometry& geometry() const { return geometry_; }
  int width() const { return geometry_.width; }
  int height() const { return geometry_.height; }
  double cell_size_m() const { return geometry_.cell_size_m; }

  // Elevation (m) of cell (col, row); NaN for nodata. Caller guarantees the cell is on the grid.
  float elevation_m(int col, int row) const { return elevation_m_[index(col, row)]; }
  bool is_valid(int col, int row) const {
    return geometry_.contains_cell(col, row) && !std::isnan(elevation_m(col, row));
  }
  // Cell containing projected point (x, y), if on the grid.
  std::optional<std::pair<int, int>> cell_of(double x_m, double y_m) const;
  // Bilinear elevation between cell centres; NaN if any of the four neighbours is nodata or off-grid.
  double elevation_bilinear_m(double x_m, double y_m) const;

  const std::vector<float>& elevations_m() const { return elevation_m_; }
  std::size_t index(int col, int row) const { return static_cast<std::size_t>(row) * geometry_.width + col; }
  std::int64_t valid_cell_count() const;
  // The cells of `rect` (which must lie inside the grid) as a terrain of their own: a copy on
  // geometry().window(rect), clutter included. Reading a window of the whole grid, as a
  // TerrainSource does.
  Terrain crop(const TileRect& rect) const;

  bool has_clutter() const { return !clutter_m_.empty(); }
  // Clutter height (m) on cell (col, row); 0 without a clutter layer.
  float clutter_m(int col, int row) const { return clutter_m_.empty() ? 0.f : clutter_m_[index(col, row)]; }
  const std::vector<float>& clutter_m() const { return clutter_m_; }
  // Attach a clutter layer (one height >= 0 per cell, row-major; empty removes it).
  void set_clutter(std::vector<float> clutter_m);
  // What a line of sight meets: elevation + clutter per cell (nodata stays NaN), with no clutter
  // layer of its own. Where clutter is 0 the cell's float is the elevation's, bit for bit.
  Terrain surface() const;
  // The same elevations without the clutter layer.
  Terrain bare() const { return Terrain(geometry_, elevation_m_); }

 private:
  GridGeometry geometry_;
  std::vector<float> elevation_m_;
  std::vector<float> clutter_m_;
};

enum class ElevationUnit { kMetres, kFeet };
constexpr double kMetresPerFoot = 0.3048;  // international foot (exact by definition)

struct TerrainLoadOptions {
  ElevationUnit unit = ElevationUnit::kMetres;
  // Target cell size after reprojection/resampling; unset = the DEM's own (smallest metric side).
  std::optional<double> cell_size_m;
  // Target CRS (any GDAL/PROJ definition, e.g. "EPSG:32619"); unset = keep a projected DEM's CRS,
  // local UTM for a geographic one.
  std::optional<std::string> target_crs;
};

// Load band 1 of any GDAL raster (GeoTIFF, SRTM .hgt, AAIGrid, netCDF, ...). Nodata -> NaN.
Result<Terrain> load_terrain(const std::filesystem::path& path, const TerrainLoadOptions& options = {});

// EPSG code of the UTM zone (WGS 84) containing lon/lat.
int utm_epsg_for(double lon_deg, double lat_deg);

// Write a float32 raster on `geometry` (NaN as nodata) as a tiled, deflate-compressed GeoTIFF,
// atomically. `cog=true` writes a Cloud-Optimised GeoTIFF via GDAL's COG driver.
Status write_float_raster(const std::filesystem::path& path, const GridGeometry& geometry,
                          const std::vector<float>& values, bool cog = false,
                          const std::string& description = {});
Status write_terrain(const std::filesystem::path& path, const Terrain& terrain);

}  // namespace skycover
