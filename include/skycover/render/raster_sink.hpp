// A raster written window by window: tiled runs hand it one tile at a time, so a 1e9-cell product
// never sits in memory. Each process (MPI rank; one in a plain run) writes its tiles into its own
// part, a sparse, tiled, deflate-compressed GeoTIFF (BigTIFF when needed) beside the destination.
// The root then assembles the parts: a VRT whose sources are the tiles, each from the part that
// holds it, made into a Cloud-Optimised GeoTIFF with overviews by GDAL's COG driver (which
// streams), renamed into place. One process goes through the same steps, so the COG is the same
// bytes for any rank count: its pixels and metadata do not depend on which part held a tile.
// Until then nothing exists at `path`; a sink dropped before close_part() removes its part, and
// parts handed over are removed by assemble() (or with the staging folder when a run fails).
#pragma once
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "skycover/core/status.hpp"
#include "skycover/grid/geometry.hpp"

class GDALDataset;

namespace skycover {

enum class RasterType { kFloat32, kUInt16 };

class TiledRasterSink {
 public:
  // nodata: NaN for float rasters, e.g. 65535 for counts. `part`: this process's rank.
  static Result<TiledRasterSink> create(const std::filesystem::path& path, const GridGeometry& grid, RasterType type,
                                        double nodata, const std::string& description, int part = 0);
  TiledRasterSink(TiledRasterSink&&) noexcept;
  TiledRasterSink& operator=(TiledRasterSink&&) noexcept;
  ~TiledRasterSink();

  // Row-major values of `rect` (float for kFloat32, std::uint16_t for kUInt16).
  Status write(const TileRect& rect, const void* values);
  // Flush and close this process's part (every rank, before the root assembles).
  Status close_part();
  // Root only, after every rank's close_part(): the COG at `path` from the parts, where
  // rects_of_part[p] are the rectangles part p holds; the parts are removed.
  Status assemble(const std::vector<std::vector<TileRect>>& rects_of_part);

 private:
  struct State;
  explicit TiledRasterSink(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace skycover
