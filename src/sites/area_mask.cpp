// Analysis area: GDAL/OGR polygons rasterised onto the terrain grid (cell centres inside), ANDed
// with valid (non-nodata) terrain.
#include <algorithm>
#include <memory>

#include <fmt/format.h>
#include <gdal_alg.h>
#include <gdal_priv.h>
#include <ogrsf_frmts.h>
#include <spdlog/spdlog.h>

#include "skycover/sites/site.hpp"
#include "skycover/terrain/gdal_support.hpp"

namespace skycover {

std::int64_t AreaMask::inside_count() const {
  std::int64_t n = 0;
  for (auto v : inside) n += v != 0;
  return n;
}

struct AreaSource::Polygons {
  std::vector<std::unique_ptr<OGRGeometry>> polys;  // in the terrain CRS
};

Result<AreaSource> AreaSource::open(const GridGeometry& g, const std::optional<std::filesystem::path>& polygon_path) {
  AreaSource source;
  if (!polygon_path) return source;
  source.where_ = fmt::format("area polygon {}", polygon_path->string());
  const std::string& where = source.where_;
  SKYCOVER_ASSIGN_OR_RETURN(DatasetPtr vec, open_vector_input(*polygon_path, "area polygon",
                                                              "GeoJSON, GeoPackage or Shapefile polygons"));

  OGRSpatialReference terrain_srs;
  const bool terrain_has_crs = !g.crs_wkt.empty() && terrain_srs.importFromWkt(g.crs_wkt.c_str()) == OGRERR_NONE;
  terrain_srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);

  // Collect polygons, reprojected to the terrain CRS ourselves (explicit axis order, no guessing).
  auto polygons = std::make_shared<Polygons>();
  for (OGRLayer* layer : vec->GetLayers()) {
    std::unique_ptr<OGRCoordinateTransformation> ct;
    const OGRSpatialReference* src = layer->GetSpatialRef();
    if (src && !terrain_has_crs)
      spdlog::warn("{}: the terrain has no CRS, so polygon coordinates are taken as its local metres, untransformed",
                   where);
    if (src && terrain_has_crs && !src->IsSame(&terrain_srs)) {
      OGRSpatialReference s2(*src);
      s2.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
      ct.reset(OGRCreateCoordinateTransformation(&s2, &terrain_srs));
      if (!ct)
        return Status::Invalid(fmt::format("{}: cannot transform its CRS to the terrain's: {}", where, last_gdal_error()));
    }
    layer->ResetReading();
    for (auto& feature : *layer) {
      const OGRGeometry* geom = feature->GetGeometryRef();
      if (!geom) continue;
      const auto type = wkbFlatten(geom->getGeometryType());
      if (type != wkbPolygon && type != wkbMultiPolygon) continue;
      std::unique_ptr<OGRGeometry> copy(geom->clone());
      if (ct && copy->transform(ct.get()) != OGRERR_NONE)
        return Status::Invalid(fmt::format("{}: feature {} could not be reprojected to the terrain CRS", where,
                                           feature->GetFID()));
      polygons->polys.push_back(std::move(copy));
    }
  }
  if (polygons->polys.empty())
    return Status::Invalid(fmt::format("{}: contains no Polygon or MultiPolygon features; the area must be a polygon",
                                       where));
  source.polygons_ = std::move(polygons);
  return source;
}

AreaSource AreaSource::from_mask(const AreaMask& mask) {
  AreaSource source;
  source.mask_ = &mask;
  return source;
}

Result<std::vector<std::uint8_t>> AreaSource::read_shape(const GridGeometry& window, const TileRect& rect) const {
  std::vector<std::uint8_t> inside(static_cast<std::size_t>(rect.cell_count()), 0);
  if (mask_) {
    for (int r = 0; r < rect.height; ++r)
      std::copy_n(mask_->inside.begin() + (static_cast<std::ptrdiff_t>(rect.row0 + r) * mask_->geometry.width + rect.col0),
                  rect.width, inside.begin() + static_cast<std::ptrdiff_t>(r) * rect.width);
    return inside;
  }
  if (!polygons_) {
    std::fill(inside.begin(), inside.end(), std::uint8_t{1});
    return inside;
  }
  // Rasterise into an in-memory byte raster on the window. Default GDAL rule: a cell is burnt
  // when its centre lies inside a polygon (ALL_TOUCHED off).
  GDALDriver* mem = GetGDALDriverManager()->GetDriverByName("MEM");
  DatasetPtr ds(mem->Create("", rect.width, rect.height, 1, GDT_Byte, nullptr));
  if (!ds) return Status::Internal("cannot create an in-memory raster for the area mask");
  auto gt = window.geotransform();
  ds->SetGeoTransform(gt.data());
  std::vector<OGRGeometryH> handles;
  for (auto& p : polygons_->polys) handles.push_back(OGRGeometry::ToHandle(p.get()));
  int band = 1;
  std::vector<double> burn(handles.size(), 1.0);
  if (GDALRasterizeGeometries(GDALDataset::ToHandle(ds.get()), 1, &band, static_cast<int>(handles.size()),
                              handles.data(), nullptr, nullptr, burn.data(), nullptr, nullptr, nullptr) != CE_None)
    return Status::Internal(fmt::format("{}: rasterisation failed: {}", where_, last_gdal_error()));
  if (ds->GetRasterBand(1)->RasterIO(GF_Read, 0, 0, rect.width, rect.height, inside.data(), rect.width, rect.height,
                                     GDT_Byte, 0, 0) != CE_None)
    return Status::Internal(fmt::format("{}: reading the rasterised mask failed: {}", where_, last_gdal_error()));
  return inside;
}

Result<AreaMask> AreaSource::read(const TileRect& rect, const Terrain& terrain) const {
  if (terrain.width() != rect.width || terrain.height() != rect.height)
    return Status::Internal("area window and terrain window differ in size");
  AreaMask mask;
  mask.geometry = terrain.geometry();
  SKYCOVER_ASSIGN_OR_RETURN(mask.inside, read_shape(mask.geometry, rect));
  if (mask_) return mask;  // a mask in memory already excludes nodata
  for (int r = 0; r < rect.height; ++r)
    for (int c = 0; c < rect.width; ++c)
      if (!terrain.is_valid(c, r)) mask.inside[terrain.index(c, r)] = 0;
  return mask;
}

Result<AreaMask> make_area_mask(const Terrain& terrain, const std::optional<std::filesystem::path>& polygon_path) {
  SKYCOVER_ASSIGN_OR_RETURN(const AreaSource source, AreaSource::open(terrain.geometry(), polygon_path));
  return source.read(terrain.geometry().full_rect(), terrain);
}

}  // namespace skycover
