#include "skycover/terrain/clutter.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>

#include <cpl_string.h>
#include <fmt/format.h>
#include <gdal_priv.h>
#include <gdal_utils.h>
#include <ogr_spatialref.h>

#include "skycover/core/atomic_file.hpp"
#include "skycover/terrain/gdal_support.hpp"

namespace skycover {
namespace fs = std::filesystem;

namespace {

// The clutter raster warped onto a terrain grid (a warped VRT: each window is warped when read).
class ClutterReader {
 public:
  static Result<std::unique_ptr<ClutterReader>> open(const ClutterSpec& spec, const GridGeometry& grid);

  // Heights (m, >= 0) of `rect`'s cells, row-major. Thread-safe.
  Result<std::vector<float>> read(const TileRect& rect) const {
    std::vector<float> v(static_cast<std::size_t>(rect.cell_count()));
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      SKYCOVER_RETURN_IF_ERROR(read_float_window(*warped_, rect, v.data(), path_, "the clutter"));
    }
    for (std::size_t i = 0; i < v.size(); ++i) {
      float& x = v[i];
      if (!std::isfinite(x)) {  // nodata (NaN after the warp) and cells off the raster
        x = 0.f;
      } else if (!classes_.empty()) {
        x = class_height(x);
      } else if (x > kMaxClutterM) {
        const int col = rect.col0 + static_cast<int>(i % static_cast<std::size_t>(rect.width));
        const int row = rect.row0 + static_cast<int>(i / static_cast<std::size_t>(rect.width));
        return Status::Invalid(fmt::format(
            "{}: clutter height {:.1f} m at terrain cell ({}, {}) is above {:.0f} m: [terrain] clutter is the height "
            "of trees or buildings above the ground, not an elevation; give a canopy or building height raster in "
            "metres, or a land-cover raster with class_heights_m",
            path_.string(), x, col, row, kMaxClutterM));
      } else if (x < 0.f) {
        x = 0.f;  // nDSM noise below the ground: no obstruction
      }
    }
    return v;
  }

 private:
  float class_height(float code) const {
    if (code != std::floor(code)) return 0.f;
    const auto k = static_cast<std::int64_t>(code);
    const auto it = std::lower_bound(classes_.begin(), classes_.end(), std::make_pair(k, -1.0));
    return it != classes_.end() && it->first == k ? static_cast<float>(it->second) : 0.f;
  }

  DatasetPtr src_, warped_;
  fs::path path_;
  std::vector<std::pair<std::int64_t, double>> classes_;  // sorted by class
  mutable std::mutex mutex_;
};

// The raster's extent in the grid's CRS overlaps the grid (corners and edge midpoints transformed).
Status check_overlap(GDALDataset& ds, const GridGeometry& grid, const fs::path& path) {
  double gt[6];
  if (ds.GetGeoTransform(gt) != CE_None)
    return Status::Invalid(fmt::format("{}: the clutter raster has no georeferencing; give a GeoTIFF (or any GDAL "
                                       "raster) with a geotransform",
                                       path.string()));
  const double w = ds.GetRasterXSize(), h = ds.GetRasterYSize();
  std::vector<double> xs, ys;
  for (double fx : {0.0, 0.5, 1.0})
    for (double fy : {0.0, 0.5, 1.0}) {
      xs.push_back(gt[0] + fx * w * gt[1] + fy * h * gt[2]);
      ys.push_back(gt[3] + fx * w * gt[4] + fy * h * gt[5]);
    }
  const OGRSpatialReference* src_srs = ds.GetSpatialRef();
  if (src_srs && !grid.crs_wkt.empty()) {
    OGRSpatialReference dst;
    dst.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    if (dst.importFromWkt(grid.crs_wkt.c_str()) != OGRERR_NONE) return Status::Ok();  // let the warp report it
    OGRSpatialReference src(*src_srs);
    src.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    std::unique_ptr<OGRCoordinateTransformation> ct(OGRCreateCoordinateTransformation(&src, &dst));
    if (!ct || !ct->Transform(static_cast<int>(xs.size()), xs.data(), ys.data()))
      return Status::Invalid(fmt::format("{}: the clutter raster's CRS cannot be transformed to the terrain's: {}",
                                         path.string(), last_gdal_error()));
  }
  const double x0 = *std::min_element(xs.begin(), xs.end()), x1 = *std::max_element(xs.begin(), xs.end());
  const double y0 = *std::min_element(ys.begin(), ys.end()), y1 = *std::max_element(ys.begin(), ys.end());
  const double gx1 = grid.origin_x_m + grid.width * grid.cell_size_m, gy0 = grid.origin_y_m - grid.height * grid.cell_size_m;
  if (x1 <= grid.origin_x_m || x0 >= gx1 || y1 <= gy0 || y0 >= grid.origin_y_m)
    return Status::Invalid(fmt::format(
        "{}: the clutter raster does not overlap the terrain (its extent in the terrain's CRS is x {:.0f}..{:.0f}, y "
        "{:.0f}..{:.0f}; the terrain's is x {:.0f}..{:.0f}, y {:.0f}..{:.0f}); check its CRS and that it covers the "
        "same place",
        path.string(), x0, x1, y0, y1, grid.origin_x_m, gx1, gy0, grid.origin_y_m));
  return Status::Ok();
}

Result<std::unique_ptr<ClutterReader>> ClutterReader::open(const ClutterSpec& spec, const GridGeometry& grid) {
  ensure_gdal();
  const fs::path& path = spec.raster;
  SKYCOVER_RETURN_IF_ERROR(check_input_file(path, "clutter raster"));
  DatasetPtr src(GDALDataset::Open(path.string().c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY));
  if (!src)
    return Status::Invalid(fmt::format("{}: GDAL cannot read it as a raster: {}; give a GeoTIFF or another GDAL "
                                       "raster of clutter heights or land-cover classes",
                                       path.string(), last_gdal_error()));
  if (src->GetRasterCount() < 1) return Status::Invalid(fmt::format("{}: the clutter raster has no band", path.string()));
  SKYCOVER_RETURN_IF_ERROR(check_overlap(*src, grid, path));
  // Warp onto the terrain grid: same extent, cells and CRS. Exact transformer (-et 0) so a window
  // read equals the same cells of a whole read (see the terrain's own warp, terrain.cpp).
  const bool classes = !spec.class_heights_m.empty();
  CPLStringList args;
  for (const char* a : {"-of", "VRT", "-ot", "Float32", "-dstnodata", "nan", "-et", "0", "-r"}) args.AddString(a);
  args.AddString(classes ? "mode" : "average");
  const double x1 = grid.origin_x_m + grid.width * grid.cell_size_m, y0 = grid.origin_y_m - grid.height * grid.cell_size_m;
  args.AddString("-te");
  for (double v : {grid.origin_x_m, y0, x1, grid.origin_y_m}) args.AddString(fmt::format("{:.17g}", v).c_str());
  args.AddString("-ts");
  args.AddString(fmt::format("{}", grid.width).c_str());
  args.AddString(fmt::format("{}", grid.height).c_str());
  // A raster or a grid without a CRS: the other's coordinates are taken as the same ones.
  if (src->GetSpatialRef() && !grid.crs_wkt.empty()) {
    args.AddString("-t_srs");
    args.AddString(grid.crs_wkt.c_str());
  }
  SKYCOVER_ASSIGN_OR_RETURN(
      DatasetPtr warped,
      warp_as_vrt(*src, args.List(), fmt::format("{}: warping the clutter onto the terrain grid failed", path.string())));
  auto r = std::make_unique<ClutterReader>();
  r->src_ = std::move(src);
  r->warped_ = std::move(warped);
  r->path_ = path;
  r->classes_ = spec.class_heights_m;
  std::sort(r->classes_.begin(), r->classes_.end());
  return r;
}

class ClutteredTerrainSource final : public TerrainSource {
 public:
  ClutteredTerrainSource(std::unique_ptr<TerrainSource> ground, std::unique_ptr<ClutterReader> clutter)
      : ground_(std::move(ground)), clutter_(std::move(clutter)) {}
  const GridGeometry& geometry() const override { return ground_->geometry(); }
  Result<Terrain> read(const TileRect& rect) const override {
    SKYCOVER_ASSIGN_OR_RETURN(Terrain t, ground_->read(rect));
    SKYCOVER_ASSIGN_OR_RETURN(std::vector<float> c, clutter_->read(rect));
    t.set_clutter(std::move(c));
    return t;
  }
  Status read_into(const TileRect& rect, std::span<float> out) const override { return ground_->read_into(rect, out); }
  bool has_clutter() const override { return true; }

 private:
  std::unique_ptr<TerrainSource> ground_;
  std::unique_ptr<ClutterReader> clutter_;
};

}  // namespace

Result<std::unique_ptr<TerrainSource>> with_clutter(std::unique_ptr<TerrainSource> ground, const ClutterSpec& spec) {
  SKYCOVER_ASSIGN_OR_RETURN(auto clutter, ClutterReader::open(spec, ground->geometry()));
  return std::unique_ptr<TerrainSource>(std::make_unique<ClutteredTerrainSource>(std::move(ground), std::move(clutter)));
}

Result<Terrain> with_clutter(Terrain ground, const ClutterSpec& spec) {
  SKYCOVER_ASSIGN_OR_RETURN(auto clutter, ClutterReader::open(spec, ground.geometry()));
  SKYCOVER_ASSIGN_OR_RETURN(std::vector<float> c, clutter->read(ground.geometry().full_rect()));
  ground.set_clutter(std::move(c));
  return ground;
}

}  // namespace skycover
