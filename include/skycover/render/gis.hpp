// GIS products: integer GeoTIFF/COG rasters and coverage polygons (GeoJSON, KML) from a cell mask.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "skycover/core/status.hpp"
#include "skycover/terrain/terrain.hpp"

namespace skycover {

// UInt16 raster on `geometry` (row-major values), deflate-compressed; `cog` = Cloud-Optimised
// GeoTIFF (GDAL COG driver, with overviews). Cells equal to `nodata` are flagged as nodata. Atomic.
Status write_uint16_raster(const std::filesystem::path& path, const GridGeometry& geometry,
                           const std::vector<std::uint16_t>& values, bool cog, const std::string& description,
                           std::uint16_t nodata = 65535);

// Polygons of the cells where mask != 0 (GDALPolygonize, 8-connected), simplified by half a cell
// (removes the staircase, keeps the shape to within half a cell), reprojected to WGS 84 lon/lat and
// written to each path: .geojson (RFC 7946) or .kml, chosen by extension. Each feature carries
// `name` plus the given string attributes. An empty mask writes a valid empty layer. Atomic.
struct PolygonAttribute {
  std::string name;
  std::string value;
};
Status write_mask_polygons(const GridGeometry& geometry, const std::vector<std::uint8_t>& mask,
                           const std::string& layer_name, const std::vector<PolygonAttribute>& attributes,
                           const std::vector<std::filesystem::path>& paths);

}  // namespace skycover
