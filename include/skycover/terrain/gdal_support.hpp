// Small helpers shared by every module that talks to GDAL/OGR.
#pragma once
#include <string>

#include <ogr_spatialref.h>

#include "skycover/core/status.hpp"

namespace skycover {

// Register GDAL/OGR drivers once and route GDAL's own error printing away from stderr;
// callers turn failures into Status messages with last_gdal_error().
void ensure_gdal();
std::string last_gdal_error();

// Parse any CRS definition PROJ understands (EPSG:N, WKT, PROJ string) with
// traditional GIS axis order (x = easting/longitude, y = northing/latitude).
Result<OGRSpatialReference> parse_crs(const std::string& definition, const std::string& context);

}  // namespace skycover
