// Small helpers shared by every module that talks to GDAL/OGR.
#pragma once
#include <filesystem>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <ogr_spatialref.h>

#include "skycover/core/status.hpp"
#include "skycover/grid/geometry.hpp"

class GDALDataset;

namespace skycover {

// Register GDAL/OGR drivers once and route GDAL's own error printing away from stderr;
// callers turn failures into Status messages with last_gdal_error().
void ensure_gdal();
std::string last_gdal_error();
// After writing `path` with GDAL (CPLErrorReset() before the first call): an I/O error naming the
// file when any GDAL call since failed. GDAL 3.6 reports a failed block write or close (a full
// disk) only through its error state: CreateCopy can return a dataset, and GDALClose is void.
Status gdal_write_status(const std::filesystem::path& path);

// Parse any CRS definition PROJ understands (EPSG:N, WKT, PROJ string) with
// traditional GIS axis order (x = easting/longitude, y = northing/latitude).
Result<OGRSpatialReference> parse_crs(const std::string& definition, const std::string& context);

// The dataset's geotransform and CRS from `grid` (no CRS for a local metric grid).
void georeference(GDALDataset& ds, const GridGeometry& grid);

// Band 1 of `ds`, window `rect`, as float32 into out[0 .. rect.cell_count()), row-major. A failure
// is an I/O error naming `path`, `what` ("band 1", "the clutter"), the window and the likely cause
// (a truncated or damaged file). The caller serialises access to `ds`.
Status read_float_window(GDALDataset& ds, const TileRect& rect, float* out, const std::filesystem::path& path,
                         std::string_view what);

// Owns an open GDAL dataset (raster or vector) and closes it with GDALClose. Wrap a C handle
// with DatasetPtr(GDALDataset::FromHandle(h)).
struct GdalDatasetCloser {
  void operator()(GDALDataset* ds) const;
};
using DatasetPtr = std::unique_ptr<GDALDataset, GdalDatasetCloser>;

// `src` through gdalwarp with `gdalwarp_args` (a NULL-terminated CSL list, e.g. CPLStringList::List())
// as a warped VRT: nothing is warped until a window is read. A failure is invalid input whose
// message is `failure` followed by GDAL's own ("{failure}: {GDAL's message}").
Result<DatasetPtr> warp_as_vrt(GDALDataset& src, char** gdalwarp_args, std::string_view failure);

// Open a vector input the user named (sites, area polygons, tracks). `what` names it in messages
// ("[area] polygon", "track 'a' file"); `expected` says what would work ("GeoJSON with a
// LineString, or CSV with columns x,y"). A missing or unreadable file is an I/O error (exit 3); a
// folder, or a file no OGR driver reads (malformed GeoJSON), is invalid input (exit 2).
Result<DatasetPtr> open_vector_input(const std::filesystem::path& path, std::string_view what,
                                     std::string_view expected);

// Sets a GDAL configuration option on the calling thread only, for this object's lifetime, then
// restores what the thread had (GDAL's thread-local options win over process-wide ones).
class ScopedThreadConfig {
 public:
  ScopedThreadConfig(const char* key, const char* value);
  ~ScopedThreadConfig();
  ScopedThreadConfig(const ScopedThreadConfig&) = delete;
  ScopedThreadConfig& operator=(const ScopedThreadConfig&) = delete;

 private:
  std::string key_;
  std::optional<std::string> old_;
};

// What every COG write holds: the COG driver builds the overviews in a temporary file that it
// compresses with ZSTD at level 9, and libtiff starts a ZSTD stream per block, which zeroes
// megabytes of match tables each time: 3.5-20 s (varying with page faults) against a steady
// 2.8 s with LZW for one 1.4e8-cell raster, 40 % of an all-products country run. The temporary
// file's compression does not change a byte of the COG (COG_TMP_COMPRESSION, GDAL >= 3.5).
class CogWriteSettings {
 public:
  CogWriteSettings() : tmp_compression_("COG_TMP_COMPRESSION", "LZW") {}

 private:
  ScopedThreadConfig tmp_compression_;
};

// For the lifetime of this object, GDAL decodes the blocks of a large window read on `threads`
// threads (GDAL_NUM_THREADS: compressed GeoTIFFs decode ~1.4x faster on 2 cores) and its block
// cache holds at most `cache_bytes` (GDAL_CACHEMAX; its default, 5 % of RAM, is outside any memory
// budget). Settings the user already made in the environment win. GDAL's configuration is
// process-wide: one tiled run at a time sets it.
class GdalReadSettings {
 public:
  GdalReadSettings(int threads, std::int64_t cache_bytes);
  ~GdalReadSettings();
  GdalReadSettings(const GdalReadSettings&) = delete;
  GdalReadSettings& operator=(const GdalReadSettings&) = delete;

 private:
  bool set_threads_ = false;
  std::int64_t old_cache_ = -1;
};

}  // namespace skycover
