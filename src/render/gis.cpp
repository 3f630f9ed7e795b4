#include "skycover/render/gis.hpp"

#include <cpl_string.h>
#include <gdal_alg.h>
#include <gdal_priv.h>
#include <gdal_utils.h>
#include <cpl_vsi.h>
#include <ogrsf_frmts.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <memory>

#include "skycover/core/atomic_file.hpp"
#include "skycover/terrain/gdal_support.hpp"

namespace skycover {
namespace fs = std::filesystem;

namespace {
std::unique_ptr<GDALDataset> mem_raster(const GridGeometry& g, GDALDataType type) {
  GDALDriver* mem = GetGDALDriverManager()->GetDriverByName("MEM");
  std::unique_ptr<GDALDataset> ds(mem->Create("", g.width, g.height, 1, type, nullptr));
  georeference(*ds, g);
  return ds;
}

}  // namespace

Status write_uint16_raster(const fs::path& path, const GridGeometry& g, const std::vector<std::uint16_t>& values,
                           bool cog, const std::string& description, std::uint16_t nodata) {
  ensure_gdal();
  if (static_cast<std::int64_t>(values.size()) != g.cell_count()) {
    return Status::Internal(fmt::format("write_uint16_raster {}: {} values for a {}x{} grid", path.string(),
                                        values.size(), g.width, g.height));
  }
  auto tmp = mem_raster(g, GDT_UInt16);
  GDALRasterBand* band = tmp->GetRasterBand(1);
  band->SetNoDataValue(nodata);
  if (!description.empty()) band->SetDescription(description.c_str());
  if (band->RasterIO(GF_Write, 0, 0, g.width, g.height, const_cast<std::uint16_t*>(values.data()), g.width, g.height,
                     GDT_UInt16, 0, 0) != CE_None) {
    return Status::Internal(fmt::format("in-memory raster write failed: {}", last_gdal_error()));
  }
  AtomicOutput out(path);
  const CogWriteSettings cog_settings;
  GDALDriver* drv = GetGDALDriverManager()->GetDriverByName(cog ? "COG" : "GTiff");
  CPLStringList co;
  co.AddString("COMPRESS=DEFLATE");
  co.AddString("PREDICTOR=2");
  if (!cog) co.AddString("TILED=YES");
  CPLErrorReset();
  std::unique_ptr<GDALDataset> written(drv->CreateCopy(out.temp_path().c_str(), tmp.get(), FALSE, co.List(), nullptr, nullptr));
  if (!written) return Status::IoError(fmt::format("{}: cannot write GeoTIFF: {}", path.string(), last_gdal_error()));
  written.reset();
  SKYCOVER_RETURN_IF_ERROR(gdal_write_status(path));
  return out.commit();
}

namespace {
// The mask as an in-memory Byte raster on the grid (what GDALPolygonize reads).
Result<std::unique_ptr<GDALDataset>> mask_raster(const GridGeometry& g, const std::vector<std::uint8_t>& mask) {
  auto raster = mem_raster(g, GDT_Byte);
  if (raster->GetRasterBand(1)->RasterIO(GF_Write, 0, 0, g.width, g.height, const_cast<std::uint8_t*>(mask.data()),
                                         g.width, g.height, GDT_Byte, 0, 0) != CE_None)
    return Status::Internal(fmt::format("in-memory mask write failed: {}", last_gdal_error()));
  return raster;
}

// A new layer of `ds` in the CRS `crs_wkt` (empty: none); errors name `path`.
Result<OGRLayer*> create_layer(GDALDataset& ds, const fs::path& path, const std::string& name,
                               const std::string& crs_wkt, OGRwkbGeometryType type) {
  OGRSpatialReference srs;
  if (!crs_wkt.empty() && srs.importFromWkt(crs_wkt.c_str()) != OGRERR_NONE)
    return Status::Internal(fmt::format("{}: the grid's CRS is not WKT GDAL reads", path.string()));
  OGRLayer* layer = ds.CreateLayer(name.c_str(), crs_wkt.empty() ? nullptr : &srs, type, nullptr);
  if (!layer) return Status::IoError(fmt::format("{}: cannot create layer {}: {}", path.string(), name, last_gdal_error()));
  return layer;
}

// Polygonize the mask into an in-memory vector dataset in the grid's CRS.
Result<DatasetPtr> polygonize(const GridGeometry& g, const std::vector<std::uint8_t>& mask,
                                 const std::string& layer_name, const std::vector<PolygonAttribute>& attributes) {
  SKYCOVER_ASSIGN_OR_RETURN(auto raster, mask_raster(g, mask));
  GDALRasterBand* band = raster->GetRasterBand(1);
  GDALDriver* mem = GetGDALDriverManager()->GetDriverByName("Memory");
  DatasetPtr vec(mem->Create("", 0, 0, 0, GDT_Unknown, nullptr));
  SKYCOVER_ASSIGN_OR_RETURN(OGRLayer* layer, create_layer(*vec, layer_name, layer_name, g.crs_wkt, wkbPolygon));
  OGRFieldDefn value("value", OFTInteger);
  layer->CreateField(&value);
  CPLStringList opts;
  opts.AddString("8CONNECTED=8");
  // The band is its own mask: cells with 0 produce no polygon.
  if (GDALPolygonize(band, band, layer, 0, opts.List(), nullptr, nullptr) != CE_None) {
    return Status::Internal(fmt::format("GDALPolygonize failed: {}", last_gdal_error()));
  }
  OGRFieldDefn name("name", OFTString);
  layer->CreateField(&name);
  for (const auto& a : attributes) {
    OGRFieldDefn f(a.name.c_str(), OFTString);
    layer->CreateField(&f);
  }
  layer->ResetReading();
  std::unique_ptr<OGRFeature> feature;
  while (feature.reset(layer->GetNextFeature()), feature) {
    feature->SetField("name", layer_name.c_str());
    for (const auto& a : attributes) feature->SetField(a.name.c_str(), a.value.c_str());
    if (layer->SetFeature(feature.get()) != OGRERR_NONE)
      return Status::Internal(fmt::format("setting polygon attributes failed: {}", last_gdal_error()));
  }
  return vec;
}

// GeoJSON and KML: WGS 84 lon/lat (RFC 7946 and KML require it), generalised to `simplify_m`
// (Douglas-Peucker), which each feature states in `generalised_m`. (GeoPackages: polygons_to_gpkg.)
Status translate_to(GDALDatasetH src, const fs::path& path, double simplify_m,
                    const std::string& fields) {
  const std::string ext = lower_extension(path);
  const char* driver = ext == ".geojson" || ext == ".json" ? "GeoJSON" : ext == ".kml" ? "KML" : nullptr;
  if (!driver) {
    return Status::Invalid(
        fmt::format("{}: unknown vector format '{}' (use .gpkg, .geojson or .kml)", path.string(), ext));
  }
  CPLStringList args;
  for (const char* a : {"-f", driver, "-t_srs", "EPSG:4326", "-simplify"})
    args.AddString(a);
  args.AddString(fmt::format("{}", simplify_m).c_str());
  args.AddString("-select");  // drop polygonize's `value` (always 1)
  args.AddString((fields + ",generalised_m").c_str());
  if (std::string(driver) == "GeoJSON") {
    args.AddString("-lco");
    args.AddString("RFC7946=YES");
  }
  std::unique_ptr<GDALVectorTranslateOptions, decltype(&GDALVectorTranslateOptionsFree)> opts(
      GDALVectorTranslateOptionsNew(args.List(), nullptr), &GDALVectorTranslateOptionsFree);
  if (!opts) return Status::Internal(fmt::format("ogr2ogr options rejected: {}", last_gdal_error()));
  AtomicOutput out(path);
  int usage_error = 0;
  CPLErrorReset();
  DatasetPtr dst(GDALDataset::FromHandle(GDALVectorTranslate(out.temp_path().c_str(), nullptr, 1, &src, opts.get(), &usage_error)));
  const bool written = dst != nullptr;
  dst.reset();
  if (!written) return Status::IoError(fmt::format("{}: cannot write polygons: {}", path.string(), last_gdal_error()));
  SKYCOVER_RETURN_IF_ERROR(gdal_write_status(path));
  return out.commit();
}
// A new GeoPackage at `path` filled by `fill(dataset)`, written to a temporary sibling and renamed
// into place. A GeoPackage records when it was last changed: a fixed date (OGR_CURRENT_DATE, this
// thread only) keeps the file the same bytes for the same contents.
template <class Fill>
Status write_gpkg(const fs::path& path, Fill&& fill) {
  AtomicOutput out(path);
  {
    const ScopedThreadConfig date("OGR_CURRENT_DATE", "1970-01-01T00:00:00Z");
    GDALDriver* gpkg = GetGDALDriverManager()->GetDriverByName("GPKG");
    if (!gpkg) return Status::Internal("GDAL has no GPKG driver");
    DatasetPtr ds(gpkg->Create(out.temp_path().c_str(), 0, 0, 0, GDT_Unknown, nullptr));
    if (!ds) return Status::IoError(fmt::format("{}: cannot create: {}", path.string(), last_gdal_error()));
    SKYCOVER_RETURN_IF_ERROR(fill(*ds));
    ds.reset();
    SKYCOVER_RETURN_IF_ERROR(gdal_write_status(path));
  }
  return out.commit();
}

// GeoPackage: the exact cell edges (no generalisation) in the grid's own CRS, so areas measured in
// a GIS are the analysis' own. The polygons of the non-zero cells of `band` (8-connected) go
// straight into a new layer with the fields `name` and the attributes, in one transaction, each
// written as GDALPolygonize closes it (no copy of the layer in memory). The change date is fixed
// (write_gpkg) so that the same cells give the same bytes.
Status polygons_to_gpkg(GDALRasterBand* band, const std::string& crs_wkt, const fs::path& path,
                        const std::string& layer_name, const std::vector<PolygonAttribute>& attributes) {
  return write_gpkg(path, [&](GDALDataset& ds) -> Status {
    SKYCOVER_ASSIGN_OR_RETURN(OGRLayer* layer, create_layer(ds, path, layer_name, crs_wkt, wkbPolygon));
    // Every feature has the same name and attributes: the fields' default values (SQL literals),
    // which each polygon GDALPolygonize inserts takes (an UPDATE after would rewrite every row).
    std::vector<PolygonAttribute> fields{{"name", layer_name}};
    fields.insert(fields.end(), attributes.begin(), attributes.end());
    for (const auto& [field, value] : fields) {
      OGRFieldDefn f(field.c_str(), OFTString);
      std::string literal = "'";
      for (const char ch : value) literal += ch == '\'' ? std::string("''") : std::string(1, ch);
      f.SetDefault((literal + "'").c_str());
      if (layer->CreateField(&f) != OGRERR_NONE)
        return Status::IoError(fmt::format("{}: cannot add field {}: {}", path.string(), field, last_gdal_error()));
    }
    if (ds.StartTransaction() != OGRERR_NONE)
      return Status::IoError(fmt::format("{}: {}", path.string(), last_gdal_error()));
    CPLStringList opts;
    opts.AddString("8CONNECTED=8");
    // The band is its own mask: cells with 0 produce no polygon; -1: no pixel-value field.
    if (GDALPolygonize(band, band, layer, -1, opts.List(), nullptr, nullptr) != CE_None)
      // Writing each polygon into the file is what fails here (a full disk, say): an I/O error.
      return Status::IoError(fmt::format("{}: cannot write polygons: {}", path.string(), last_gdal_error()));
    if (ds.CommitTransaction() != OGRERR_NONE)
      return Status::IoError(fmt::format("{}: cannot write polygons: {}", path.string(), last_gdal_error()));
    return Status::Ok();
  });
}

}  // namespace

Status write_raster_polygons(const fs::path& raster, const GridGeometry& g, std::uint16_t nodata, const fs::path& gpkg,
                             const std::string& layer_name, const std::vector<PolygonAttribute>& attributes) {
  ensure_gdal();
  DatasetPtr src(GDALDataset::Open(raster.string().c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY, nullptr, nullptr, nullptr));
  if (!src) return Status::IoError(fmt::format("{}: cannot open: {}", raster.string(), last_gdal_error()));
  // A VRT over the raster mapping 0 and nodata to 0 and every count to 1 (a lookup table), read
  // row by row by GDALPolygonize: nothing the size of the grid is held.
  const int w = src->GetRasterXSize(), h = src->GetRasterYSize();
  if (w != g.width || h != g.height)
    return Status::Internal(fmt::format("{}: {}x{} cells, not the grid's {}x{}", raster.string(), w, h, g.width, g.height));
  src.reset();
  const std::string lut = nodata == 0 ? "0:0,1:1,65535:1"
                                      : fmt::format("0:0,1:1,{}:1,{}:0{}", nodata - 1, nodata,
                                                    nodata < 65535 ? fmt::format(",{}:0,65535:0", nodata + 1) : "");
  char* escaped = CPLEscapeString(raster.string().c_str(), -1, CPLES_XML);  // CPLMalloc'ed: freed below
  const std::string path_xml = escaped ? escaped : "";
  CPLFree(escaped);
  const std::string xml = fmt::format(
      "<VRTDataset rasterXSize=\"{}\" rasterYSize=\"{}\"><VRTRasterBand dataType=\"Byte\" band=\"1\"><ComplexSource>"
      "<SourceFilename relativeToVRT=\"0\">{}</SourceFilename><SourceBand>1</SourceBand><LUT>{}</LUT>"
      "</ComplexSource></VRTRasterBand></VRTDataset>",
      w, h, path_xml, lut);
  DatasetPtr mask(GDALDataset::Open(xml.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY, nullptr, nullptr, nullptr));
  if (!mask) return Status::Internal(fmt::format("{}: cannot make its mask: {}", raster.string(), last_gdal_error()));
  auto gt = g.geotransform();
  mask->SetGeoTransform(gt.data());
  return polygons_to_gpkg(mask->GetRasterBand(1), g.crs_wkt, gpkg, layer_name, attributes);
}

Status write_mask_polygons(const GridGeometry& g, const std::vector<std::uint8_t>& mask, const std::string& layer_name,
                           const std::vector<PolygonAttribute>& attributes, const std::vector<fs::path>& paths) {
  ensure_gdal();
  if (static_cast<std::int64_t>(mask.size()) != g.cell_count()) {
    return Status::Internal(fmt::format("write_mask_polygons: {} mask values for a {}x{} grid", mask.size(), g.width,
                                        g.height));
  }
  const double simplify_m = g.cell_size_m / 2;
  std::vector<PolygonAttribute> with_tolerance = attributes;
  with_tolerance.push_back({"generalised_m", fmt::format("{:g}", simplify_m)});
  std::string fields = "name";
  for (const auto& a : attributes) fields += "," + a.name;
  DatasetPtr vec;  // the polygons in memory, made once for the GeoJSON and KML
  for (const auto& p : paths) {
    if (lower_extension(p) == ".gpkg") {
      // The same writer as a tiled run's (write_raster_polygons): the same bytes for the same cells.
      SKYCOVER_ASSIGN_OR_RETURN(auto raster, mask_raster(g, mask));
      SKYCOVER_RETURN_IF_ERROR(polygons_to_gpkg(raster->GetRasterBand(1), g.crs_wkt, p, layer_name, attributes));
      continue;
    }
    if (!vec) {
      SKYCOVER_ASSIGN_OR_RETURN(vec, polygonize(g, mask, layer_name, with_tolerance));
    }
    SKYCOVER_RETURN_IF_ERROR(translate_to(vec.get(), p, simplify_m, fields));
  }
  return Status::Ok();
}

Status write_vector_layers(const fs::path& gpkg, const std::string& crs_wkt, const std::vector<VectorLayer>& layers) {
  ensure_gdal();
  // Every feature checked before anything is written.
  for (const VectorLayer& l : layers) {
    for (std::size_t k = 0; k < l.features.size(); ++k) {
      const VectorFeature& f = l.features[k];
      const bool fits = l.points ? f.xy.size() == 1 : f.xy.size() >= 2;
      if (!fits || f.values.size() != l.fields.size())
        return Status::Internal(fmt::format("{}: feature {} of layer {} has {} positions and {} values for {} fields",
                                            gpkg.string(), k, l.name, f.xy.size(), f.values.size(), l.fields.size()));
      for (std::size_t i = 0; i < l.fields.size(); ++i)
        if (f.values[i].index() != static_cast<std::size_t>(l.fields[i].type))
          return Status::Internal(fmt::format("{}: feature {} of layer {}: field {} holds a value of another type",
                                              gpkg.string(), k, l.name, l.fields[i].name));
    }
  }
  return write_gpkg(gpkg, [&](GDALDataset& ds) -> Status {
    if (ds.StartTransaction() != OGRERR_NONE)
      return Status::IoError(fmt::format("{}: {}", gpkg.string(), last_gdal_error()));
    for (const VectorLayer& l : layers) {
      SKYCOVER_ASSIGN_OR_RETURN(OGRLayer* layer,
                                create_layer(ds, gpkg, l.name, crs_wkt, l.points ? wkbPoint : wkbLineString));
      for (const VectorField& field : l.fields) {
        const OGRFieldType type = field.type == VectorField::Type::kInteger ? OFTInteger64
                                  : field.type == VectorField::Type::kReal  ? OFTReal
                                                                            : OFTString;
        OGRFieldDefn defn(field.name.c_str(), type);
        if (layer->CreateField(&defn) != OGRERR_NONE)
          return Status::IoError(
              fmt::format("{}: cannot add field {} to {}: {}", gpkg.string(), field.name, l.name, last_gdal_error()));
      }
      for (const VectorFeature& f : l.features) {
        OGRFeature feature(layer->GetLayerDefn());
        OGRErr set = OGRERR_NONE;
        if (l.points) {
          const OGRPoint point(f.xy[0][0], f.xy[0][1]);
          set = feature.SetGeometry(&point);
        } else {
          OGRLineString line;
          line.setNumPoints(static_cast<int>(f.xy.size()));
          for (std::size_t i = 0; i < f.xy.size(); ++i) line.setPoint(static_cast<int>(i), f.xy[i][0], f.xy[i][1]);
          set = feature.SetGeometry(&line);
        }
        if (set != OGRERR_NONE)
          return Status::Internal(fmt::format("{}: a geometry of {} was refused", gpkg.string(), l.name));
        for (std::size_t i = 0; i < f.values.size(); ++i) {
          const int at = static_cast<int>(i);
          if (const auto* n = std::get_if<std::int64_t>(&f.values[i])) feature.SetField(at, static_cast<GIntBig>(*n));
          else if (const auto* v = std::get_if<double>(&f.values[i])) feature.SetField(at, *v);
          else feature.SetField(at, std::get<std::string>(f.values[i]).c_str());
        }
        if (layer->CreateFeature(&feature) != OGRERR_NONE)
          return Status::IoError(fmt::format("{}: cannot write a feature of {}: {}", gpkg.string(), l.name, last_gdal_error()));
      }
    }
    if (ds.CommitTransaction() != OGRERR_NONE)
      return Status::IoError(fmt::format("{}: cannot write the layers: {}", gpkg.string(), last_gdal_error()));
    return Status::Ok();
  });
}

Result<std::vector<Ring>> mask_outlines(const GridGeometry& g, const std::vector<std::uint8_t>& mask,
                                        double simplify_m) {
  ensure_gdal();
  if (static_cast<std::int64_t>(mask.size()) != g.cell_count())
    return Status::Internal(fmt::format("mask_outlines: {} mask values for a {}x{} grid", mask.size(), g.width, g.height));
  SKYCOVER_ASSIGN_OR_RETURN(DatasetPtr vec, polygonize(g, mask, "outline", {}));
  std::vector<Ring> rings;
  OGRLayer* layer = vec->GetLayer(0);
  layer->ResetReading();
  std::unique_ptr<OGRFeature> feature;
  auto add = [&](const OGRLinearRing* ring) {
    if (!ring || ring->getNumPoints() < 4) return;
    Ring r;
    r.reserve(static_cast<std::size_t>(ring->getNumPoints()));
    for (int i = 0; i < ring->getNumPoints(); ++i) r.push_back({ring->getX(i), ring->getY(i)});
    rings.push_back(std::move(r));
  };
  while (feature.reset(layer->GetNextFeature()), feature) {
    const OGRGeometry* geom = feature->GetGeometryRef();
    if (!geom) continue;
    std::unique_ptr<OGRGeometry> simple(simplify_m > 0 ? geom->SimplifyPreserveTopology(simplify_m) : geom->clone());
    if (!simple || wkbFlatten(simple->getGeometryType()) != wkbPolygon) continue;
    const auto* poly = simple->toPolygon();
    add(poly->getExteriorRing());
    for (int k = 0; k < poly->getNumInteriorRings(); ++k) add(poly->getInteriorRing(k));
  }
  return rings;
}

namespace {
// The bytes GDAL wrote to a /vsimem/ file, which is then removed.
Result<std::string> take_vsimem(const std::string& name) {
  vsi_l_offset length = 0;
  GByte* data = VSIGetMemFileBuffer(name.c_str(), &length, FALSE);
  if (!data) return Status::Internal(fmt::format("{}: GDAL wrote nothing: {}", name, last_gdal_error()));
  std::string bytes(reinterpret_cast<const char*>(data), static_cast<std::size_t>(length));
  VSIUnlink(name.c_str());
  return bytes;
}

Result<std::string> copy_as(GDALDataset* src, const std::string& driver, int quality, const void* tag) {
  GDALDriver* drv = GetGDALDriverManager()->GetDriverByName(driver.c_str());
  if (!drv) return Status::Internal(fmt::format("GDAL has no {} driver", driver));
  CPLStringList co;
  if (driver == "WEBP") {
    if (quality >= 100) co.AddString("LOSSLESS=YES");
    else co.AddString(fmt::format("QUALITY={}", std::clamp(quality, 1, 99)).c_str());
  } else if (driver == "PNG") {
    co.AddString("ZLEVEL=9");
  }
  // Unique per call (the address of the caller's frame), so concurrent encodes never share a name.
  const std::string name = fmt::format("/vsimem/skycover-image-{}.{}", tag, driver == "PNG" ? "png" : "img");
  CPLErrorReset();
  DatasetPtr out(drv->CreateCopy(name.c_str(), src, FALSE, co.List(), nullptr, nullptr));
  if (!out) {
    VSIUnlink(name.c_str());
    return Status::Internal(fmt::format("encoding a {} image failed: {}", driver, last_gdal_error()));
  }
  out.reset();
  return take_vsimem(name);
}
}  // namespace

Result<std::string> encode_image(int width, int height, const std::vector<std::vector<std::uint8_t>>& planes,
                                 const std::string& driver, int quality) {
  ensure_gdal();
  const auto n = static_cast<std::size_t>(width) * static_cast<std::size_t>(height);
  if (width <= 0 || height <= 0 || planes.empty() || planes.size() == 2 || planes.size() > 4)
    return Status::Internal(fmt::format("encode_image: {}x{} pixels in {} planes", width, height, planes.size()));
  GDALDriver* mem = GetGDALDriverManager()->GetDriverByName("MEM");
  std::unique_ptr<GDALDataset> ds(mem->Create("", width, height, static_cast<int>(planes.size()), GDT_Byte, nullptr));
  for (std::size_t b = 0; b < planes.size(); ++b) {
    if (planes[b].size() != n) return Status::Internal("encode_image: a plane of the wrong size");
    GDALRasterBand* band = ds->GetRasterBand(static_cast<int>(b + 1));
    if (planes.size() >= 3)
      band->SetColorInterpretation(b == 0 ? GCI_RedBand : b == 1 ? GCI_GreenBand : b == 2 ? GCI_BlueBand : GCI_AlphaBand);
    if (band->RasterIO(GF_Write, 0, 0, width, height, const_cast<std::uint8_t*>(planes[b].data()), width, height,
                       GDT_Byte, 0, 0) != CE_None)
      return Status::Internal(fmt::format("in-memory image write failed: {}", last_gdal_error()));
  }
  return copy_as(ds.get(), driver, quality, &n);
}

Result<std::string> transcode_image(std::string_view bytes, const std::string& driver, int quality) {
  ensure_gdal();
  const std::string in_name = fmt::format("/vsimem/skycover-in-{}", static_cast<const void*>(&bytes));
  // GDAL reads the caller's bytes in place (no copy, not taken over).
  VSILFILE* f = VSIFileFromMemBuffer(in_name.c_str(), reinterpret_cast<GByte*>(const_cast<char*>(bytes.data())),
                                     bytes.size(), FALSE);
  if (!f) return Status::Internal("transcode_image: cannot map the image in memory");
  VSIFCloseL(f);
  DatasetPtr src(GDALDataset::Open(in_name.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY, nullptr, nullptr, nullptr));
  if (!src) {
    VSIUnlink(in_name.c_str());
    return Status::Internal(fmt::format("transcode_image: GDAL cannot read the image: {}", last_gdal_error()));
  }
  auto out = copy_as(src.get(), driver, quality, &src);
  src.reset();
  VSIUnlink(in_name.c_str());
  return out;
}

}  // namespace skycover
