#include "skycover/terrain/terrain.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <condition_variable>
#include <fstream>
#include <limits>
#include <memory>
#include <mutex>

#include <cpl_string.h>
#include <fmt/format.h>
#include <gdal_alg.h>
#include <gdal_priv.h>
#include <gdal_utils.h>
#include <ogr_spatialref.h>
#include <spdlog/spdlog.h>

#include "skycover/core/atomic_file.hpp"
#include "skycover/terrain/gdal_support.hpp"
#include "skycover/terrain/projection.hpp"
#include "skycover/terrain/terrain_source.hpp"

namespace skycover {
namespace fs = std::filesystem;

Terrain::Terrain(GridGeometry geometry, std::vector<float> elevation_m)
    : geometry_(std::move(geometry)), elevation_m_(std::move(elevation_m)) {
  assert(static_cast<std::int64_t>(elevation_m_.size()) == geometry_.cell_count());
}

Terrain::Terrain(GridGeometry geometry, std::vector<float> elevation_m, std::vector<float> clutter_m)
    : Terrain(std::move(geometry), std::move(elevation_m)) {
  set_clutter(std::move(clutter_m));
}

void Terrain::set_clutter(std::vector<float> clutter_m) {
  assert(clutter_m.empty() || clutter_m.size() == elevation_m_.size());
  clutter_m_ = std::move(clutter_m);
}

Terrain Terrain::surface() const {
  std::vector<float> s = elevation_m_;
  // Only where clutter stands: z + 0 would turn an elevation of -0 into +0, and a zero layer must
  // give the bytes of no layer (tests/visibility/clutter_test.cpp).
  for (std::size_t i = 0; i < clutter_m_.size(); ++i)
    if (clutter_m_[i] > 0) s[i] += clutter_m_[i];
  return Terrain(geometry_, std::move(s));
}

std::optional<std::pair<int, int>> Terrain::cell_of(double x_m, double y_m) const {
  const double c = std::floor(geometry_.col_of(x_m));
  const double r = std::floor(geometry_.row_of(y_m));
  if (c < 0 || r < 0 || c >= geometry_.width || r >= geometry_.height) return std::nullopt;
  return std::make_pair(static_cast<int>(c), static_cast<int>(r));
}

double Terrain::elevation_bilinear_m(double x_m, double y_m) const {
  const double fc = geometry_.col_of(x_m) - 0.5;
  const double fr = geometry_.row_of(y_m) - 0.5;
  if (!(fc >= -0.5 && fr >= -0.5 && fc <= geometry_.width - 0.5 && fr <= geometry_.height - 0.5))
    return std::numeric_limits<double>::quiet_NaN();  // off the grid, or a NaN coordinate
  const int c0 = static_cast<int>(std::floor(fc));
  const int r0 = static_cast<int>(std::floor(fr));
  // The weights from the distance to the cell centre, not from fc's fraction: the centre is exact
  // (origin + (c + 0.5) cell), so a window of the grid (another origin, the same cells) gives the
  // same bits as the whole grid, while fc's rounding depends on its magnitude.
  const double tc = (x_m - geometry_.cell_center_x_m(c0)) / geometry_.cell_size_m;
  const double tr = (geometry_.cell_center_y_m(r0) - y_m) / geometry_.cell_size_m;
  // Points within half a cell of the edge use the edge cells (clamped), not NaN.
  auto at = [&](int c, int r) -> double {
    c = std::clamp(c, 0, geometry_.width - 1);
    r = std::clamp(r, 0, geometry_.height - 1);
    return elevation_m(c, r);
  };
  const double top = at(c0, r0) * (1 - tc) + at(c0 + 1, r0) * tc;
  const double bottom = at(c0, r0 + 1) * (1 - tc) + at(c0 + 1, r0 + 1) * tc;
  return top * (1 - tr) + bottom * tr;  // NaN propagates from any nodata neighbour
}

std::int64_t Terrain::valid_cell_count() const {
  return std::count_if(elevation_m_.begin(), elevation_m_.end(), [](float v) { return !std::isnan(v); });
}

Terrain Terrain::crop(const TileRect& rect) const {
  assert(rect.intersect(geometry_.full_rect()) == rect);
  auto cut = [&](const std::vector<float>& layer) {
    std::vector<float> out(static_cast<std::size_t>(rect.cell_count()));
    for (int r = 0; r < rect.height; ++r)
      std::copy_n(layer.begin() + static_cast<std::ptrdiff_t>(index(rect.col0, rect.row0 + r)), rect.width,
                  out.begin() + static_cast<std::ptrdiff_t>(r) * rect.width);
    return out;
  };
  return Terrain(geometry_.window(rect), cut(elevation_m_), has_clutter() ? cut(clutter_m_) : std::vector<float>{});
}

int utm_epsg_for(double lon_deg, double lat_deg) {
  int zone = static_cast<int>(std::floor((lon_deg + 180.0) / 6.0)) + 1;
  zone = std::clamp(zone, 1, 60);
  return (lat_deg >= 0 ? 32600 : 32700) + zone;
}

namespace {

// Is this CRS projected with metre units (so cells can be used as they are)?
bool is_metric_projected(const OGRSpatialReference& srs) {
  return srs.IsProjected() && std::abs(srs.GetLinearUnits() - 1.0) < 1e-9;
}

// The analysis grid of a north-up, square-celled dataset (its geotransform and CRS).
Result<GridGeometry> dataset_geometry(GDALDataset& ds, const fs::path& path) {
  std::array<double, 6> gt{};
  if (ds.GetGeoTransform(gt.data()) != CE_None) {
    return Status::Invalid(fmt::format("{}: raster has no georeferencing (geotransform); "
                                       "give it one, e.g. with gdal_translate -a_ullr -a_srs", path.string()));
  }
  if (gt[2] != 0.0 || gt[4] != 0.0) {
    return Status::Internal(fmt::format("{}: rotated grid reached the reader; it should have been warped", path.string()));
  }
  GridGeometry g;
  g.width = ds.GetRasterXSize();
  g.height = ds.GetRasterYSize();
  g.cell_size_m = gt[1];
  g.origin_x_m = gt[0];
  g.origin_y_m = gt[3];
  if (const OGRSpatialReference* srs = ds.GetSpatialRef()) {
    char* wkt = nullptr;
    const char* opts[] = {"FORMAT=WKT2_2019", nullptr};
    srs->exportToWkt(&wkt, opts);
    g.crs_wkt = wkt ? wkt : "";
    CPLFree(wkt);
  }
  return g;
}

// A GDAL dataset (the DEM itself, or a warped VRT over it) read window by window. GDAL datasets
// are not thread-safe, so each concurrent read leases a handle of its own from a small pool:
// tiles are read one at a time, but placement reads thousands of single cells, each decoding a
// whole compressed DEM block (~1 ms for 256^2 ZSTD, ~25 ms for GLO-30's 1024^2 DEFLATE), and two
// threads on two handles halve that wall time (5.1 s to 2.8 s for 5,000 cells of bench/
// tiled_scale.py's mosaic). A further handle reopens the file by its path, or a warped VRT from
// its own XML serialisation; all share GDAL's one block cache, so memory stays bounded. A handle
// that cannot be reopened, or whose grid differs, is not used: reads then take turns on the first.
// `src` keeps the underlying file open while a warped VRT refers to it.
class GdalTerrainSource final : public TerrainSource {
 public:
  GdalTerrainSource(DatasetPtr src, DatasetPtr view, GridGeometry geometry, fs::path path, ElevationUnit unit)
      : src_(std::move(src)), geometry_(std::move(geometry)), path_(std::move(path)), unit_(unit) {
    GDALDataset& first = view ? *view : *src_;
    GDALRasterBand* band = first.GetRasterBand(1);
    int has = 0;
    nodata_ = band->GetNoDataValue(&has);
    has_nodata_ = has != 0;
    if (view) {
      // The warped VRT's XML names the source file and the warp options (GDAL opens an XML string
      // as a VRT).
      if (char** xml = first.GetMetadata("xml:VRT"); xml && xml[0]) reopen_as_ = xml[0];
    } else {
      reopen_as_ = path_.string();
    }
    free_.push_back(view ? std::move(view) : DatasetPtr());  // null: the first handle is src_ itself
  }
  const GridGeometry& geometry() const override { return geometry_; }
  Result<Terrain> read(const TileRect& rect) const override {
    if (rect.empty() || rect.intersect(geometry_.full_rect()) != rect)
      return Status::Internal(fmt::format("{}: window {}x{} at ({}, {}) is outside the {}x{} grid", path_.string(),
                                          rect.width, rect.height, rect.col0, rect.row0, geometry_.width, geometry_.height));
    std::vector<float> z(static_cast<std::size_t>(rect.cell_count()));
    {
      const Lease handle(*this);
      SKYCOVER_RETURN_IF_ERROR(read_float_window(handle.dataset(), rect, z.data(), path_, "band 1"));
    }
    const double scale = (unit_ == ElevationUnit::kFeet) ? kMetresPerFoot : 1.0;
    const float nodata = static_cast<float>(nodata_);
    for (float& v : z) {
      if (has_nodata_ && (v == nodata || (std::isnan(nodata_) && std::isnan(v)))) {
        v = std::numeric_limits<float>::quiet_NaN();
      } else if (!std::isfinite(v)) {
        v = std::numeric_limits<float>::quiet_NaN();  // NaN/Inf in data are nodata too, explicitly
      } else {
        v = static_cast<float>(v * scale);
      }
    }
    return Terrain(geometry_.window(rect), std::move(z));
  }

 private:
  // One handle for the duration of a read: a free one, else a new one (reopened), else the wait
  // for one to come back.
  class Lease {
   public:
    explicit Lease(const GdalTerrainSource& s) : s_(s) {
      std::unique_lock<std::mutex> lock(s_.mutex_);
      if (s_.free_.empty() && s_.can_reopen_) {
        lock.unlock();
        DatasetPtr more = s_.reopen();
        lock.lock();
        if (more) {
          handle_ = std::move(more);
          return;
        }
        s_.can_reopen_ = false;
      }
      s_.returned_.wait(lock, [&] { return !s_.free_.empty(); });
      handle_ = std::move(s_.free_.back());
      s_.free_.pop_back();
    }
    ~Lease() {
      {
        const std::lock_guard<std::mutex> lock(s_.mutex_);
        s_.free_.push_back(std::move(handle_));
      }
      s_.returned_.notify_one();
    }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    GDALDataset& dataset() const { return handle_ ? *handle_ : *s_.src_; }

   private:
    const GdalTerrainSource& s_;
    DatasetPtr handle_;  // null: src_
  };

  // Another handle on the same grid, or null.
  DatasetPtr reopen() const {
    if (reopen_as_.empty()) return nullptr;
    DatasetPtr ds(GDALDataset::FromHandle(GDALOpen(reopen_as_.c_str(), GA_ReadOnly)));
    if (!ds || ds->GetRasterCount() < 1 || ds->GetRasterXSize() != geometry_.width ||
        ds->GetRasterYSize() != geometry_.height)
      return nullptr;
    return ds;
  }

  DatasetPtr src_;
  GridGeometry geometry_;
  fs::path path_;
  ElevationUnit unit_;
  double nodata_ = 0;
  bool has_nodata_ = false;
  std::string reopen_as_;  // the path, or a warped VRT's XML; empty: one handle only
  mutable std::mutex mutex_;
  mutable std::condition_variable returned_;
  mutable std::vector<DatasetPtr> free_;  // idle handles (null stands for src_)
  mutable bool can_reopen_ = true;
};

Result<double> suggested_square_cell_m(GDALDatasetH src, const std::string& source_override, const std::string& target,
                                       const fs::path& path) {
  std::string wkt;
  if (!target.empty()) {
    SKYCOVER_ASSIGN_OR_RETURN(auto srs, parse_crs(target, path.string() + ": target CRS"));
    char* w = nullptr;
    srs.exportToWkt(&w);
    wkt = w ? w : "";
    CPLFree(w);
  }
  CPLStringList topts;
  if (!wkt.empty()) topts.SetNameValue("DST_SRS", wkt.c_str());
  if (!source_override.empty()) topts.SetNameValue("SRC_SRS", source_override.c_str());
  void* transformer = GDALCreateGenImgProjTransformer2(src, nullptr, topts.List());
  if (!transformer) return Status::Invalid(fmt::format("{}: cannot transform to {}: {}", path.string(), target, last_gdal_error()));
  std::array<double, 6> gt{};
  int px = 0, ln = 0;
  const CPLErr err = GDALSuggestedWarpOutput(src, GDALGenImgProjTransform, transformer, gt.data(), &px, &ln);
  GDALDestroyGenImgProjTransformer(transformer);
  if (err != CE_None) return Status::Invalid(fmt::format("{}: cannot plan the reprojection: {}", path.string(), last_gdal_error()));
  // gt[1] is x step; for the suggested output gdal uses the same step on both axes, but be safe.
  return std::sqrt(std::abs(gt[1]) * std::abs(gt[5]));
}

}  // namespace

Result<Terrain> InMemoryTerrainSource::read(const TileRect& rect) const {
  if (rect.empty() || rect.intersect(terrain_.geometry().full_rect()) != rect)
    return Status::Internal(fmt::format("terrain window {}x{} at ({}, {}) is outside the {}x{} grid", rect.width,
                                        rect.height, rect.col0, rect.row0, terrain_.width(), terrain_.height()));
  return terrain_.crop(rect);
}

Status TerrainSource::read_into(const TileRect& rect, std::span<float> out) const {
  SKYCOVER_ASSIGN_OR_RETURN(const Terrain window, read(rect));
  if (static_cast<std::int64_t>(out.size()) < rect.cell_count())
    return Status::Internal(fmt::format("terrain window of {} cells into a buffer of {}", rect.cell_count(), out.size()));
  std::copy(window.elevations_m().begin(), window.elevations_m().end(), out.begin());
  return Status::Ok();
}

Result<Terrain> load_terrain(const fs::path& path, const TerrainLoadOptions& options) {
  SKYCOVER_ASSIGN_OR_RETURN(auto source, open_terrain_source(path, options));
  return source->read(source->geometry().full_rect());
}

Result<std::unique_ptr<TerrainSource>> open_terrain_source(const fs::path& path, const TerrainLoadOptions& options) {
  ensure_gdal();
  // A missing or unreadable file is an I/O problem (exit 3); a folder, or a readable file GDAL does
  // not recognise as a raster, is bad input (exit 2) and usually means the wrong path or format.
  if (Status st = check_input_file(path, "DEM"); !st.ok())
    return Status(st.code(), st.message() + " (relative paths in a scenario are relative to the scenario file)");
  DatasetPtr src(GDALDataset::FromHandle(GDALOpen(path.string().c_str(), GA_ReadOnly)));
  if (!src) {
    return Status::Invalid(fmt::format("{}: the file exists but GDAL cannot read it as a raster ({}); convert it with "
                                       "gdal_translate, or check the path points to the DEM",
                                       path.string(), last_gdal_error()));
  }
  GDALDataset* ds = src.get();
  if (ds->GetRasterCount() < 1) {
    return Status::Invalid(fmt::format("{}: has no raster band; a DEM needs elevations in band 1", path.string()));
  }
  std::array<double, 6> gt{};
  const bool has_gt = ds->GetGeoTransform(gt.data()) == CE_None;
  const OGRSpatialReference* srs = ds->GetSpatialRef();
  if (!has_gt) {
    return Status::Invalid(fmt::format("{}: raster has no georeferencing; add it with gdal_translate -a_ullr ... -a_srs EPSG:N",
                                       path.string()));
  }

  // A DEM with no CRS (common for netCDF and bare AAIGrid) whose extent and steps only make
  // sense as degrees is taken as WGS 84 lon/lat; anything else as a local metric grid.
  OGRSpatialReference assumed_wgs84;
  std::string source_override;
  if (!srs) {
    const double x0 = gt[0], y0 = gt[3];
    const double x1 = gt[0] + gt[1] * ds->GetRasterXSize(), y1 = gt[3] + gt[5] * ds->GetRasterYSize();
    const bool looks_geographic = std::abs(gt[1]) < 1.0 && std::abs(gt[5]) < 1.0 && std::min(x0, x1) >= -180.0 &&
                                  std::max(x0, x1) <= 360.0 && std::min(y0, y1) >= -90.0 && std::max(y0, y1) <= 90.0;
    if (looks_geographic) {
      spdlog::warn("{}: no CRS recorded; its extent is in degrees, so it is read as WGS 84 lon/lat "
                   "(set one with gdal_translate -a_srs if that is wrong)", path.string());
      assumed_wgs84.SetWellKnownGeogCS("WGS84");
      srs = &assumed_wgs84;
      source_override = "EPSG:4326";
    } else {
      spdlog::warn("{}: no CRS recorded; assuming a local metric grid (x, y in metres)", path.string());
    }
  }

  // Decide the target CRS: the user's, else keep metric projected when its scale is true to within
  // kMaxDistanceError over the DEM, else the default analysis CRS (local UTM or equal-area). A
  // metric CRS can still be far from true metres: Web Mercator's scale is 1 / cos(latitude).
  std::string target;
  bool reproject = srs && !is_metric_projected(*srs);
  std::optional<ProjectionError> distortion;
  if (!options.target_crs && srs && !reproject && gt[2] == 0 && gt[4] == 0) {
    if (auto g = dataset_geometry(*ds, path); g.ok())
      if (auto pe = projection_error(*g); pe.ok() && *pe && (*pe)->max_distance_error > kMaxDistanceError) {
        reproject = true;
        distortion = **pe;
      }
  }
  if (options.target_crs) {
    target = *options.target_crs;
  } else if (reproject) {
    // The extent in lon/lat (corners and edge midpoints) picks the analysis CRS: the UTM zone of
    // the centre when the DEM lies in one zone, else a Lambert azimuthal equal-area projection
    // centred on it (projection.hpp; its distance and area errors go into summary.json).
    OGRSpatialReference wgs84;
    wgs84.SetWellKnownGeogCS("WGS84");
    wgs84.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    OGRSpatialReference src_srs(*srs);
    src_srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    std::unique_ptr<OGRCoordinateTransformation> ct(OGRCreateCoordinateTransformation(&src_srs, &wgs84));
    double lon_min = 1e9, lon_max = -1e9, lat_min = 1e9, lat_max = -1e9;
    const int w = ds->GetRasterXSize(), h = ds->GetRasterYSize();
    for (const auto& [px, py] : {std::pair{0, 0}, {w / 2, 0}, {w, 0}, {0, h / 2}, {w, h / 2}, {0, h}, {w / 2, h}, {w, h}}) {
      double lon = gt[0] + gt[1] * px + gt[2] * py, lat = gt[3] + gt[4] * px + gt[5] * py;
      if (!ct || !ct->Transform(1, &lon, &lat))
        return Status::Invalid(fmt::format("{}: cannot find the raster's extent in lon/lat: {}", path.string(), last_gdal_error()));
      lon_min = std::min(lon_min, lon), lon_max = std::max(lon_max, lon);
      lat_min = std::min(lat_min, lat), lat_max = std::max(lat_max, lat);
    }
    target = default_analysis_crs(lon_min, lon_max, lat_min, lat_max);
    if (distortion)
      spdlog::warn("{}: its CRS ({}) distorts distances by up to {:.1f} % over the DEM, so it is reprojected to {} "
                   "for the analysis (true metres; set [terrain] crs to choose another)",
                   path.string(), distortion->crs_name, distortion->max_distance_error * 100,
                   target.rfind("EPSG:", 0) == 0 ? target : std::string("a Lambert azimuthal equal-area projection"));
    if (target.rfind("EPSG:", 0) != 0)
      spdlog::info("{}: the DEM spans more than one UTM zone, so it is analysed in a Lambert azimuthal equal-area "
                   "projection centred on it (summary.json states its distance error)", path.string());
  }

  const bool square_north_up = gt[2] == 0 && gt[4] == 0 && std::abs(std::abs(gt[5]) - gt[1]) < 1e-9 * gt[1] && gt[5] < 0;
  const bool resample = options.cell_size_m && std::abs(*options.cell_size_m - gt[1]) > 1e-9;
  if (target.empty() && square_north_up && !resample) {
    SKYCOVER_ASSIGN_OR_RETURN(GridGeometry g, dataset_geometry(*ds, path));
    return std::unique_ptr<TerrainSource>(
        std::make_unique<GdalTerrainSource>(std::move(src), nullptr, std::move(g), path, options.unit));
  }

  // Warp (reproject and/or resample to square cells) with bilinear interpolation, propagating
  // nodata as NaN: gdalwarp's own algorithm, not ours. The output is a warped VRT, so nothing is
  // warped until a window is read, and then only that window.
  CPLStringList args;
  args.AddString("-of");
  args.AddString("VRT");
  args.AddString("-r");
  args.AddString("bilinear");
  args.AddString("-ot");
  args.AddString("Float32");
  args.AddString("-dstnodata");
  args.AddString("nan");
  // Exact coordinate transformation for every pixel (gdalwarp's default approximates it linearly
  // within 0.125 pixel over each warp chunk, so values would depend on how a grid is cut into
  // windows); with -et 0 a window read equals the same cells of a whole read, bit for bit.
  args.AddString("-et");
  args.AddString("0");
  if (!source_override.empty()) {
    args.AddString("-s_srs");
    args.AddString(source_override.c_str());
  }
  if (!target.empty()) {
    args.AddString("-t_srs");
    args.AddString(target.c_str());
  }
  if (options.cell_size_m) {
    args.AddString("-tr");
    args.AddString(fmt::format("{}", *options.cell_size_m).c_str());
    args.AddString(fmt::format("{}", *options.cell_size_m).c_str());
  } else {
    // Square cells: ask GDAL for the resolution it would pick, then use the geometric mean of its
    // x and y steps (keeps the cell count; gdalwarp 3.6 has no -square).
    SKYCOVER_ASSIGN_OR_RETURN(const double cell, suggested_square_cell_m(src.get(), source_override, target, path));
    args.AddString("-tr");
    args.AddString(fmt::format("{}", cell).c_str());
    args.AddString(fmt::format("{}", cell).c_str());
  }
  SKYCOVER_ASSIGN_OR_RETURN(DatasetPtr warped,
                            warp_as_vrt(*src, args.List(),
                                        fmt::format("{}: reprojecting to {} failed", path.string(),
                                                    target.empty() ? "square cells" : target)));
  // GDAL converts nodata to NaN as it warps; the source applies the unit factor.
  SKYCOVER_ASSIGN_OR_RETURN(GridGeometry g, dataset_geometry(*warped, path));
  if (g.crs_wkt.empty() && !target.empty()) return Status::Internal("warped DEM lost its CRS");
  // A very wide DEM (a continent, the globe) has no CRS true to scale everywhere: say how far off
  // the analysis CRS is (also in summary.json), rather than let it pass silently.
  if (auto pe = projection_error(g); pe.ok() && *pe && (*pe)->max_distance_error > kMaxDistanceError)
    spdlog::warn("{}: the DEM is too wide for one projection to keep true distances: in its analysis CRS ({}) they "
                 "are off by up to {:.1f} % near its edges (areas by up to {:.1f} %); analyse regions of at most "
                 "~2,000 km separately, or set [terrain] crs",
                 path.string(), (*pe)->crs_name, (*pe)->max_distance_error * 100, (*pe)->max_area_error * 100);
  return std::unique_ptr<TerrainSource>(
      std::make_unique<GdalTerrainSource>(std::move(src), std::move(warped), std::move(g), path, options.unit));
}

Status write_float_raster(const fs::path& path, const GridGeometry& geometry, const std::vector<float>& values,
                          bool cog, const std::string& description) {
  ensure_gdal();
  if (static_cast<std::int64_t>(values.size()) != geometry.cell_count()) {
    return Status::Internal(fmt::format("write_float_raster {}: {} values for a {}x{} grid", path.string(),
                                        values.size(), geometry.width, geometry.height));
  }
  GDALDriver* mem = GetGDALDriverManager()->GetDriverByName("MEM");
  std::unique_ptr<GDALDataset> tmp(mem->Create("", geometry.width, geometry.height, 1, GDT_Float32, nullptr));
  georeference(*tmp, geometry);
  GDALRasterBand* band = tmp->GetRasterBand(1);
  band->SetNoDataValue(std::numeric_limits<double>::quiet_NaN());
  if (!description.empty()) band->SetDescription(description.c_str());
  if (band->RasterIO(GF_Write, 0, 0, geometry.width, geometry.height, const_cast<float*>(values.data()),
                     geometry.width, geometry.height, GDT_Float32, 0, 0) != CE_None) {
    return Status::Internal(fmt::format("in-memory raster write failed: {}", last_gdal_error()));
  }
  AtomicOutput out(path);
  const CogWriteSettings cog_settings;
  GDALDriver* drv = GetGDALDriverManager()->GetDriverByName(cog ? "COG" : "GTiff");
  CPLStringList co;
  co.AddString("COMPRESS=DEFLATE");
  co.AddString("PREDICTOR=3");
  if (!cog) co.AddString("TILED=YES");
  CPLErrorReset();
  std::unique_ptr<GDALDataset> written(drv->CreateCopy(out.temp_path().c_str(), tmp.get(), FALSE, co.List(), nullptr, nullptr));
  if (!written) {
    return Status::IoError(fmt::format("{}: cannot write GeoTIFF: {}", path.string(), last_gdal_error()));
  }
  written.reset();  // flush and close before the rename
  SKYCOVER_RETURN_IF_ERROR(gdal_write_status(path));
  return out.commit();
}

Status write_terrain(const fs::path& path, const Terrain& terrain) {
  return write_float_raster(path, terrain.geometry(), terrain.elevations_m(), false, "elevation_m");
}

}  // namespace skycover
