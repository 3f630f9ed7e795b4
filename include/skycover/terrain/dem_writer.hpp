// Writing a terrain source to disk window by window: a country-sized DEM (1e9 cells and more) is
// never held whole. `skycover terrain synth` writes its surface through this; any TerrainSource
// works (a reprojected mosaic, a synthetic surface).
#pragma once
#include <filesystem>

#include "skycover/core/progress.hpp"
#include "skycover/core/status.hpp"
#include "skycover/terrain/terrain_source.hpp"

namespace skycover {

enum class DemCompression {
  kNone,     // fastest to write and to read; 4 bytes per cell
  kDeflate,  // DEFLATE with the floating-point predictor: the most widely read (default)
  kZstd,     // ZSTD level 1 with the predictor: about DEFLATE's size, faster to write and read
};

struct DemWriteOptions {
  DemCompression compression = DemCompression::kDeflate;
  // Side, in cells, of each GeoTIFF of a VRT mosaic (a multiple of the 256-cell block).
  int vrt_tile_cells = 4096;
};

// Every cell of `source` into `path`, as float32 metres with NaN as nodata:
// - `*.tif`: one tiled GeoTIFF (256^2 blocks; BigTIFF when it may pass 4 GB). Windows of 256 rows
//   are generated while the previous one is compressed and written.
// - `*.vrt`: a mosaic. One tiled GeoTIFF per vrt_tile_cells^2 tile, named r<row>_c<col>.tif, in
//   the folder "<stem>_tiles" beside the VRT, written in parallel; then the VRT (GDALBuildVRT),
//   which refers to them by paths relative to itself, so the pair can be moved together.
// All or nothing: until every cell is written, nothing at `path` or in the tiles folder changes;
// an error or an interrupt (core/interrupt.hpp) removes the partial files. The disk space needed
// is estimated first, and a shortfall is an I/O error naming both figures.
Status write_dem(const std::filesystem::path& path, const TerrainSource& source, const DemWriteOptions& options,
                 Progress* progress = nullptr);

// The bytes write_dem is expected to need: 4 per cell, less the usual compression of terrain
// (estimated, 0.7 of that for DEFLATE and ZSTD).
std::int64_t estimated_dem_bytes(const GridGeometry& grid, DemCompression compression);

}  // namespace skycover
