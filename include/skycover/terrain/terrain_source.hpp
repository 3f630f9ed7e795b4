// Terrain sources: a DEM's geometry without its pixels, and any window of it on demand.
//
// Tiled runs read terrain one window (tile + halo) at a time, so a country-sized DEM (1e9 cells
// and more, a VRT mosaic of hundreds of files) is never held whole. `open_terrain_source` checks
// and georeferences the DEM as load_terrain always did (unit, CRS choice, reprojection and square
// cells), but a reprojection is a *warped VRT*: GDAL warps each window when it is read, with
// gdalwarp's own bilinear algorithm, and its block cache bounds the memory. load_terrain is
// read(full_rect()) of such a source: the whole-grid run is the one-tile case.
#pragma once
#include <filesystem>
#include <memory>
#include <span>
#include <string>

#include "skycover/core/status.hpp"
#include "skycover/grid/geometry.hpp"
#include "skycover/terrain/terrain.hpp"

namespace skycover {

class TerrainSource {
 public:
  virtual ~TerrainSource() = default;
  // The analysis grid (after any reprojection): metres, square cells, north up.
  virtual const GridGeometry& geometry() const = 0;
  // Elevations (m; NaN = nodata) of `rect`, which must lie inside the grid. Thread-safe, and
  // concurrent reads of a GDAL source run in parallel (each on a handle of its own).
  virtual Result<Terrain> read(const TileRect& rect) const = 0;
  // The same elevations into out[0 .. rect.cell_count()), row-major: a caller streaming many
  // windows (write_dem) reuses one buffer instead of faulting in fresh pages for each. The
  // default copies read()'s; sources that can fill a buffer directly override it.
  virtual Status read_into(const TileRect& rect, std::span<float> out) const;
  // Whether the windows read() returns carry a clutter layer (terrain/clutter.hpp).
  virtual bool has_clutter() const { return false; }
};

// A terrain already in memory (tests, whole-grid runs): read() copies the window.
class InMemoryTerrainSource final : public TerrainSource {
 public:
  explicit InMemoryTerrainSource(const Terrain& terrain) : terrain_(terrain) {}
  const GridGeometry& geometry() const override { return terrain_.geometry(); }
  Result<Terrain> read(const TileRect& rect) const override;
  bool has_clutter() const override { return terrain_.has_clutter(); }

 private:
  const Terrain& terrain_;
};

// Any GDAL raster, opened and georeferenced (see load_terrain for the rules); no pixels read.
Result<std::unique_ptr<TerrainSource>> open_terrain_source(const std::filesystem::path& path,
                                                           const TerrainLoadOptions& options = {});

}  // namespace skycover
