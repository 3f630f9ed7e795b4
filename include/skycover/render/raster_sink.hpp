// A raster written window by window: tiled runs hand it one tile at a time, so a 1e9-cell product
// never sits in memory. Cells go into a tiled, deflate-compressed GeoTIFF (BigTIFF when needed)
// beside the destination; finish() turns it into a Cloud-Optimised GeoTIFF with overviews (GDAL's
// COG driver, which streams) and renames it into place. Until then nothing exists at `path`, and a
// sink dropped unfinished removes its temporary file.
#pragma once
#include <filesystem>
#include <memory>
#include <string>

#include "skycover/core/status.hpp"
#include "skycover/grid/geometry.hpp"

class GDALDataset;

namespace skycover {

enum class RasterType { kFloat32, kUInt16 };

class TiledRasterSink {
 public:
  // nodata: NaN for float rasters, e.g. 65535 for counts.
  static Result<TiledRasterSink> create(const std::filesystem::path& path, const GridGeometry& grid, RasterType type,
                                        double nodata, const std::string& description);
  TiledRasterSink(TiledRasterSink&&) noexcept;
  TiledRasterSink& operator=(TiledRasterSink&&) noexcept;
  ~TiledRasterSink();

  // Row-major values of `rect` (float for kFloat32, std::uint16_t for kUInt16).
  Status write(const TileRect& rect, const void* values);
  // COG with overviews at `path`; the temporary GeoTIFF is removed.
  Status finish();

 private:
  struct State;
  explicit TiledRasterSink(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace skycover
