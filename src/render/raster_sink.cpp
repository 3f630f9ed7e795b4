#include "skycover/render/raster_sink.hpp"

#include <cpl_string.h>
#include <fmt/format.h>
#include <gdal_priv.h>
#include <ogr_spatialref.h>
#include <vrtdataset.h>

#include "skycover/core/atomic_file.hpp"
#include "skycover/terrain/gdal_support.hpp"

namespace skycover {
namespace fs = std::filesystem;

namespace {

fs::path part_path(const fs::path& path, int part) {
  return path.parent_path() / fmt::format(".{}.part-{}.tif", path.filename().string(), part);
}

// Georeferencing, nodata and description: the same on a part and on the assembled VRT.
void describe(GDALDataset& ds, const GridGeometry& grid, double nodata, const std::string& description) {
  georeference(ds, grid);
  GDALRasterBand* band = ds.GetRasterBand(1);
  band->SetNoDataValue(nodata);
  if (!description.empty()) band->SetDescription(description.c_str());
}

}  // namespace

struct TiledRasterSink::State {
  fs::path path, part;
  GridGeometry grid;
  GDALDataType type = GDT_Float32;
  double nodata = 0;
  std::string description;
  DatasetPtr ds;
  bool handed_over = false;  // part closed: the root (or the staging folder) removes it
  ~State() {
    ds.reset();
    if (!handed_over) {
      std::error_code ec;
      fs::remove(part, ec);
    }
  }
};

TiledRasterSink::TiledRasterSink(std::unique_ptr<State> state) : state_(std::move(state)) {}
TiledRasterSink::TiledRasterSink(TiledRasterSink&&) noexcept = default;
TiledRasterSink& TiledRasterSink::operator=(TiledRasterSink&&) noexcept = default;
TiledRasterSink::~TiledRasterSink() = default;

Result<TiledRasterSink> TiledRasterSink::create(const fs::path& path, const GridGeometry& grid, RasterType type,
                                                double nodata, const std::string& description, int part) {
  ensure_gdal();
  auto s = std::make_unique<State>();
  s->path = path;
  s->part = part_path(path, part);
  s->grid = grid;
  s->type = type == RasterType::kFloat32 ? GDT_Float32 : GDT_UInt16;
  s->nodata = nodata;
  s->description = description;
  CPLStringList co;
  co.AddString("TILED=YES");
  co.AddString("BLOCKXSIZE=512");
  co.AddString("BLOCKYSIZE=512");
  co.AddString("COMPRESS=DEFLATE");
  co.AddString(type == RasterType::kFloat32 ? "PREDICTOR=3" : "PREDICTOR=2");
  co.AddString("BIGTIFF=IF_SAFER");
  co.AddString("SPARSE_OK=TRUE");  // a rank's part holds only its own tiles
  std::error_code ec;
  if (!path.parent_path().empty()) fs::create_directories(path.parent_path(), ec);
  GDALDriver* gtiff = GetGDALDriverManager()->GetDriverByName("GTiff");
  s->ds.reset(gtiff->Create(s->part.c_str(), grid.width, grid.height, 1, s->type, co.List()));
  if (!s->ds)
    return Status::IoError(fmt::format("{}: cannot create the raster: {}", s->part.string(), last_gdal_error()));
  describe(*s->ds, grid, nodata, description);
  return TiledRasterSink(std::move(s));
}

Status TiledRasterSink::write(const TileRect& r, const void* values) {
  if (!state_ || !state_->ds) return Status::Internal("raster sink written after its part was closed");
  if (r.intersect(state_->grid.full_rect()) != r)
    return Status::Internal(fmt::format("{}: tile outside the grid", state_->path.string()));
  if (state_->ds->GetRasterBand(1)->RasterIO(GF_Write, r.col0, r.row0, r.width, r.height, const_cast<void*>(values),
                                             r.width, r.height, state_->type, 0, 0) != CE_None)
    return Status::IoError(fmt::format("{}: writing a tile failed: {}", state_->part.string(), last_gdal_error()));
  return Status::Ok();
}

Status TiledRasterSink::close_part() {
  State& s = *state_;
  if (!s.ds) return Status::Ok();
  CPLErrorReset();
  s.ds->FlushCache();  // void in GDAL 3.6: failures show as the last error
  s.ds.reset();  // GDALClose: void in GDAL 3.6, so its failures too show as the last error
  if (CPLGetLastErrorType() >= CE_Failure)
    return Status::IoError(fmt::format("{}: writing the raster failed: {}", s.part.string(), last_gdal_error()));
  s.handed_over = true;
  return Status::Ok();
}

Status TiledRasterSink::assemble(const std::vector<std::vector<TileRect>>& rects_of_part) {
  State& s = *state_;
  GDALDriver* vrt_driver = GetGDALDriverManager()->GetDriverByName("VRT");
  DatasetPtr vrt(vrt_driver->Create("", s.grid.width, s.grid.height, 1, s.type, nullptr));
  if (!vrt) return Status::Internal(fmt::format("{}: cannot make the VRT of the parts: {}", s.path.string(), last_gdal_error()));
  describe(*vrt, s.grid, s.nodata, s.description);
  auto* band = static_cast<VRTSourcedRasterBand*>(vrt->GetRasterBand(1));
  for (std::size_t p = 0; p < rects_of_part.size(); ++p) {
    const std::string file = part_path(s.path, static_cast<int>(p)).string();
    for (const TileRect& r : rects_of_part[p])
      if (band->AddSimpleSource(file.c_str(), 1, r.col0, r.row0, r.width, r.height, r.col0, r.row0, r.width,
                                r.height) != CE_None)
        return Status::IoError(fmt::format("{}: cannot use the part {}: {}", s.path.string(), file, last_gdal_error()));
  }
  AtomicOutput out(s.path);
  const CogWriteSettings cog_settings;
  GDALDriver* cog = GetGDALDriverManager()->GetDriverByName("COG");
  CPLStringList co;
  co.AddString("COMPRESS=DEFLATE");
  co.AddString("PREDICTOR=YES");
  co.AddString("BIGTIFF=IF_SAFER");
  co.AddString(s.type == GDT_Float32 ? "RESAMPLING=AVERAGE" : "RESAMPLING=NEAREST");
  CPLErrorReset();
  std::unique_ptr<GDALDataset> written(cog->CreateCopy(out.temp_path().c_str(), vrt.get(), FALSE, co.List(), nullptr, nullptr));
  if (!written || CPLGetLastErrorType() >= CE_Failure)
    return Status::IoError(fmt::format("{}: cannot write the COG: {}", s.path.string(), last_gdal_error()));
  written.reset();
  vrt.reset();
  SKYCOVER_RETURN_IF_ERROR(out.commit());
  for (std::size_t p = 0; p < rects_of_part.size(); ++p) {
    std::error_code ec;
    fs::remove(part_path(s.path, static_cast<int>(p)), ec);
  }
  return Status::Ok();
}

}  // namespace skycover
