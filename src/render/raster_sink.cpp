#include "skycover/render/raster_sink.hpp"

#include <cpl_string.h>
#include <fmt/format.h>
#include <gdal_priv.h>
#include <ogr_spatialref.h>

#include "skycover/core/atomic_file.hpp"
#include "skycover/terrain/gdal_support.hpp"

namespace skycover {
namespace fs = std::filesystem;

struct TiledRasterSink::State {
  fs::path path, temp;
  GridGeometry grid;
  GDALDataType type = GDT_Float32;
  DatasetPtr ds;
  bool finished = false;
  ~State() {
    ds.reset();
    if (!finished) {
      std::error_code ec;
      fs::remove(temp, ec);
    }
  }
};

TiledRasterSink::TiledRasterSink(std::unique_ptr<State> state) : state_(std::move(state)) {}
TiledRasterSink::TiledRasterSink(TiledRasterSink&&) noexcept = default;
TiledRasterSink& TiledRasterSink::operator=(TiledRasterSink&&) noexcept = default;
TiledRasterSink::~TiledRasterSink() = default;

Result<TiledRasterSink> TiledRasterSink::create(const fs::path& path, const GridGeometry& grid, RasterType type,
                                                double nodata, const std::string& description) {
  ensure_gdal();
  auto s = std::make_unique<State>();
  s->path = path;
  s->temp = path.parent_path() / fmt::format(".{}.tiles.tif", path.filename().string());
  s->grid = grid;
  s->type = type == RasterType::kFloat32 ? GDT_Float32 : GDT_UInt16;
  CPLStringList co;
  co.AddString("TILED=YES");
  co.AddString("BLOCKXSIZE=512");
  co.AddString("BLOCKYSIZE=512");
  co.AddString("COMPRESS=DEFLATE");
  co.AddString(type == RasterType::kFloat32 ? "PREDICTOR=3" : "PREDICTOR=2");
  co.AddString("BIGTIFF=IF_SAFER");
  std::error_code ec;
  if (!path.parent_path().empty()) fs::create_directories(path.parent_path(), ec);
  GDALDriver* gtiff = GetGDALDriverManager()->GetDriverByName("GTiff");
  s->ds.reset(gtiff->Create(s->temp.c_str(), grid.width, grid.height, 1, s->type, co.List()));
  if (!s->ds)
    return Status::IoError(fmt::format("{}: cannot create the raster: {}", s->temp.string(), last_gdal_error()));
  auto gt = grid.geotransform();
  s->ds->SetGeoTransform(gt.data());
  if (!grid.crs_wkt.empty()) {
    OGRSpatialReference srs;
    if (srs.importFromWkt(grid.crs_wkt.c_str()) == OGRERR_NONE) s->ds->SetSpatialRef(&srs);
  }
  GDALRasterBand* band = s->ds->GetRasterBand(1);
  band->SetNoDataValue(nodata);
  if (!description.empty()) band->SetDescription(description.c_str());
  return TiledRasterSink(std::move(s));
}

Status TiledRasterSink::write(const TileRect& r, const void* values) {
  if (!state_ || !state_->ds) return Status::Internal("raster sink written after finish()");
  if (r.intersect(state_->grid.full_rect()) != r)
    return Status::Internal(fmt::format("{}: tile outside the grid", state_->path.string()));
  if (state_->ds->GetRasterBand(1)->RasterIO(GF_Write, r.col0, r.row0, r.width, r.height, const_cast<void*>(values),
                                             r.width, r.height, state_->type, 0, 0) != CE_None)
    return Status::IoError(fmt::format("{}: writing a tile failed: {}", state_->temp.string(), last_gdal_error()));
  return Status::Ok();
}

Status TiledRasterSink::finish() {
  State& s = *state_;
  CPLErrorReset();
  s.ds->FlushCache();  // void in GDAL 3.6: failures show as the last error
  if (CPLGetLastErrorType() >= CE_Failure)
    return Status::IoError(fmt::format("{}: flushing failed: {}", s.temp.string(), last_gdal_error()));
  AtomicOutput out(s.path);
  GDALDriver* cog = GetGDALDriverManager()->GetDriverByName("COG");
  CPLStringList co;
  co.AddString("COMPRESS=DEFLATE");
  co.AddString("PREDICTOR=YES");
  co.AddString("BIGTIFF=IF_SAFER");
  co.AddString(s.type == GDT_Float32 ? "RESAMPLING=AVERAGE" : "RESAMPLING=NEAREST");
  std::unique_ptr<GDALDataset> written(cog->CreateCopy(out.temp_path().c_str(), s.ds.get(), FALSE, co.List(), nullptr, nullptr));
  if (!written) return Status::IoError(fmt::format("{}: cannot write the COG: {}", s.path.string(), last_gdal_error()));
  written.reset();
  s.ds.reset();
  SKYCOVER_RETURN_IF_ERROR(out.commit());
  s.finished = true;
  std::error_code ec;
  fs::remove(s.temp, ec);
  return Status::Ok();
}

}  // namespace skycover
