// Small helpers shared by every module that talks to GDAL/OGR.
#pragma once
#include <memory>
#include <string>

#include <ogr_spatialref.h>

#include "skycover/core/status.hpp"

class GDALDataset;

namespace skycover {

// Register GDAL/OGR drivers once and route GDAL's own error printing away from stderr;
// callers turn failures into Status messages with last_gdal_error().
void ensure_gdal();
std::string last_gdal_error();

// Parse any CRS definition PROJ understands (EPSG:N, WKT, PROJ string) with
// traditional GIS axis order (x = easting/longitude, y = northing/latitude).
Result<OGRSpatialReference> parse_crs(const std::string& definition, const std::string& context);

// Owns an open GDAL dataset (raster or vector) and closes it with GDALClose. Wrap a C handle
// with DatasetPtr(GDALDataset::FromHandle(h)).
struct GdalDatasetCloser {
  void operator()(GDALDataset* ds) const;
};
using DatasetPtr = std::unique_ptr<GDALDataset, GdalDatasetCloser>;

}  // namespace skycover
