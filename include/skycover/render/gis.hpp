// GIS products: integer GeoTIFF/COG rasters and coverage polygons (GeoPackage, GeoJSON, KML) from a cell mask.
#pragma once
#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "skycover/core/status.hpp"
#include "skycover/terrain/terrain.hpp"

namespace skycover {

// UInt16 raster on `geometry` (row-major values), deflate-compressed; `cog` = Cloud-Optimised
// GeoTIFF (GDAL COG driver, with overviews). Cells equal to `nodata` are flagged as nodata. Atomic.
Status write_uint16_raster(const std::filesystem::path& path, const GridGeometry& geometry,
                           const std::vector<std::uint16_t>& values, bool cog, const std::string& description,
                           std::uint16_t nodata = 65535);

// Polygons of the cells where mask != 0 (GDALPolygonize, 8-connected), written to each path, in the
// format its extension names:
// - .gpkg: GeoPackage, the exact cell edges in the grid's CRS (areas as the analysis counts them),
//   layer `layer_name`; the same bytes for the same inputs (its change date is fixed at 1970);
// - .geojson (RFC 7946) and .kml: WGS 84 lon/lat, generalised by half a cell (Douglas-Peucker:
//   removes the staircase, keeps the shape to within half a cell, and keeps the files small); each
//   feature states the tolerance in `generalised_m`.
// Each feature carries `name` plus the given string attributes. An empty mask writes a valid empty
// layer. Atomic.
struct PolygonAttribute {
  std::string name;
  std::string value;
};
Status write_mask_polygons(const GridGeometry& geometry, const std::vector<std::uint8_t>& mask,
                           const std::string& layer_name, const std::vector<PolygonAttribute>& attributes,
                           const std::vector<std::filesystem::path>& paths);

// The GeoPackage of write_mask_polygons (the same bytes for the same cells) from a UInt16 raster
// file on `geometry` (its georeferencing and CRS are the grid's), for the cells whose value is
// neither 0 nor `nodata`: a multiplicity COG of a tiled run.
// GDALPolygonize reads the raster row by row and writes each polygon into the GeoPackage as it
// closes, so memory stays at a few rows and the open polygons, not the grid: exact polygons of a
// country.
Status write_raster_polygons(const std::filesystem::path& raster, const GridGeometry& geometry, std::uint16_t nodata,
                             const std::filesystem::path& gpkg,
                             const std::string& layer_name, const std::vector<PolygonAttribute>& attributes);

// Point or line features with typed fields, for GeoPackage layers that a caller fills row by row
// (the exposure's windows, intercepts and tracks).
struct VectorField {
  enum class Type { kInteger, kReal, kString };
  std::string name;
  Type type = Type::kReal;
};
using VectorValue = std::variant<std::int64_t, double, std::string>;  // in VectorField::Type order
struct VectorFeature {
  std::vector<std::array<double, 2>> xy;  // one position for a point layer, two or more for a line
  std::vector<VectorValue> values;        // one per field of the layer, of its type
};
struct VectorLayer {
  std::string name;
  bool points = false;  // Point features, else LineString
  std::vector<VectorField> fields;
  std::vector<VectorFeature> features;
};
// A GeoPackage holding `layers` (in order, features in order, fids from 1) in the CRS `crs_wkt`
// (empty: none), coordinates as given. The change date is fixed, as for write_mask_polygons: the
// same layers give the same bytes. Atomic. A feature whose positions or values do not fit its
// layer is an internal error (nothing is written).
Status write_vector_layers(const std::filesystem::path& gpkg, const std::string& crs_wkt,
                           const std::vector<VectorLayer>& layers);

// The boundaries of the cells where mask != 0 (GDALPolygonize, 8-connected; outer rings and holes)
// in the grid's metres, simplified to `simplify_m` (Douglas-Peucker, OGR). For outlines drawn on
// a web map: no reprojection, no file.
using Ring = std::vector<std::array<double, 2>>;
Result<std::vector<Ring>> mask_outlines(const GridGeometry& geometry, const std::vector<std::uint8_t>& mask,
                                        double simplify_m);

// An image of `width` x `height` pixels from 1 (grey), 3 (RGB) or 4 (RGBA) planes of bytes, each
// row-major, encoded by GDAL's `driver` ("PNG": lossless, level 9; "WEBP": lossy at `quality`
// 1..100, or lossless with quality 100) in memory. Returns the file's bytes.
Result<std::string> encode_image(int width, int height, const std::vector<std::vector<std::uint8_t>>& planes,
                                 const std::string& driver, int quality = 90);
// An encoded image (PNG, ...) re-encoded by `driver`: the inline copies of the static maps in a
// report are lossy WebP at a fraction of the PNG's size; the PNG files stay beside it.
Result<std::string> transcode_image(std::string_view bytes, const std::string& driver, int quality);

}  // namespace skycover
