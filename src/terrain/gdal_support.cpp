#include "skycover/terrain/gdal_support.hpp"

#include <algorithm>
#include <mutex>
#include <string>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <fmt/format.h>
#include <gdal.h>
#include <gdal_priv.h>
#include <gdal_utils.h>
#include <ogrsf_frmts.h>

#include "skycover/core/atomic_file.hpp"

namespace skycover {

void ensure_gdal() {
  static std::once_flag once;
  std::call_once(once, [] {
    GDALAllRegister();
    CPLSetConfigOption("GDAL_PAM_ENABLED", "NO");  // no .aux.xml sidecars next to products
    CPLSetErrorHandler(CPLQuietErrorHandler);
  });
}

std::string last_gdal_error() {
  const char* msg = CPLGetLastErrorMsg();
  std::string text = (msg && *msg) ? std::string(msg) : std::string("(GDAL gave no detail)");
  // Quoted inside skycover's own sentences: a trailing full stop would end them early.
  while (!text.empty() && (text.back() == '.' || text.back() == ' ' || text.back() == '\n')) text.pop_back();
  return text;
}

void georeference(GDALDataset& ds, const GridGeometry& grid) {
  auto gt = grid.geotransform();
  ds.SetGeoTransform(gt.data());
  if (grid.crs_wkt.empty()) return;
  OGRSpatialReference srs;
  if (srs.importFromWkt(grid.crs_wkt.c_str()) == OGRERR_NONE) ds.SetSpatialRef(&srs);
}

Status read_float_window(GDALDataset& ds, const TileRect& rect, float* out, const std::filesystem::path& path,
                         std::string_view what) {
  if (ds.GetRasterBand(1)->RasterIO(GF_Read, rect.col0, rect.row0, rect.width, rect.height, out, rect.width,
                                    rect.height, GDT_Float32, 0, 0) == CE_None)
    return Status::Ok();
  return Status::IoError(fmt::format("{}: reading {} (window {}x{} at column {}, row {}) failed: {}; the file may be "
                                     "truncated or damaged (check it with gdalinfo -checksum, or copy or download it "
                                     "again)",
                                     path.string(), what, rect.width, rect.height, rect.col0, rect.row0,
                                     last_gdal_error()));
}

Result<DatasetPtr> warp_as_vrt(GDALDataset& src, char** gdalwarp_args, std::string_view failure) {
  std::unique_ptr<GDALWarpAppOptions, decltype(&GDALWarpAppOptionsFree)> options(
      GDALWarpAppOptionsNew(gdalwarp_args, nullptr), &GDALWarpAppOptionsFree);
  if (!options) return Status::Internal(fmt::format("gdalwarp options rejected: {}", last_gdal_error()));
  GDALDatasetH in = GDALDataset::ToHandle(&src);
  int usage_error = 0;
  DatasetPtr warped(GDALDataset::FromHandle(GDALWarp("", nullptr, 1, &in, options.get(), &usage_error)));
  if (!warped) return Status::Invalid(fmt::format("{}: {}", failure, last_gdal_error()));
  return warped;
}

Status gdal_write_status(const std::filesystem::path& path) {
  if (CPLGetLastErrorType() < CE_Failure) return Status::Ok();
  return Status::IoError(fmt::format("{}: writing failed: {} (is the disk full?)", path.string(), last_gdal_error()));
}

Result<OGRSpatialReference> parse_crs(const std::string& definition, const std::string& context) {
  ensure_gdal();
  OGRSpatialReference srs;
  if (srs.SetFromUserInput(definition.c_str()) != OGRERR_NONE) {
    return Status::Invalid(fmt::format("{}: '{}' is not a CRS that PROJ knows; use e.g. EPSG:4326 or EPSG:32619",
                                       context, definition));
  }
  srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  return srs;
}

void GdalDatasetCloser::operator()(GDALDataset* ds) const {
  if (ds) GDALClose(ds);
}

Result<DatasetPtr> open_vector_input(const std::filesystem::path& path, std::string_view what,
                                     std::string_view expected) {
  SKYCOVER_RETURN_IF_ERROR(check_input_file(path, what));
  ensure_gdal();
  CPLErrorReset();
  DatasetPtr ds(GDALDataset::Open(path.string().c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, nullptr, nullptr, nullptr));
  if (!ds)
    return Status::Invalid(fmt::format("{} {}: not a vector file GDAL can read ({}); use {}", what, path.string(),
                                       last_gdal_error(), expected));
  return ds;
}

ScopedThreadConfig::ScopedThreadConfig(const char* key, const char* value) : key_(key) {
  if (const char* old = CPLGetThreadLocalConfigOption(key, nullptr)) old_ = old;
  CPLSetThreadLocalConfigOption(key, value);
}

ScopedThreadConfig::~ScopedThreadConfig() {
  CPLSetThreadLocalConfigOption(key_.c_str(), old_ ? old_->c_str() : nullptr);
}

GdalReadSettings::GdalReadSettings(int threads, std::int64_t cache_bytes) {
  ensure_gdal();
  if (CPLGetConfigOption("GDAL_NUM_THREADS", nullptr) == nullptr) {
    CPLSetConfigOption("GDAL_NUM_THREADS", std::to_string(std::max(1, threads)).c_str());
    set_threads_ = true;
  }
  if (CPLGetConfigOption("GDAL_CACHEMAX", nullptr) == nullptr) {
    old_cache_ = GDALGetCacheMax64();
    GDALSetCacheMax64(cache_bytes);
  }
}

GdalReadSettings::~GdalReadSettings() {
  if (set_threads_) CPLSetConfigOption("GDAL_NUM_THREADS", nullptr);
  if (old_cache_ >= 0) GDALSetCacheMax64(old_cache_);
}

}  // namespace skycover
