#include "skycover/terrain/projection.hpp"

#include <algorithm>
#include <cmath>
#include <memory>

#include <fmt/format.h>
#include <ogr_spatialref.h>
#include <proj.h>

#include "skycover/terrain/gdal_support.hpp"
#include "skycover/terrain/terrain.hpp"

namespace skycover {
namespace {

struct ProjContext {
  PJ_CONTEXT* ctx = proj_context_create();
  ~ProjContext() { proj_context_destroy(ctx); }
};
struct ProjObject {
  PJ* pj = nullptr;
  ~ProjObject() {
    if (pj) proj_destroy(pj);
  }
};

}  // namespace

Status check_metric_crs(const std::string& definition) {
  OGRSpatialReference srs;
  CPLPushErrorHandler(CPLQuietErrorHandler);  // our message, not GDAL's "crs not found" on stderr
  const OGRErr parsed = srs.SetFromUserInput(definition.c_str());
  CPLPopErrorHandler();
  const std::string fix =
      "use a projected CRS in metres, e.g. the UTM zone of the area (EPSG:326NN north of the equator, EPSG:327NN "
      "south)";
  if (parsed != OGRERR_NONE)
    return Status::Invalid(fmt::format("'{}' is not a CRS that PROJ knows; {}", definition, fix));
  const char* name = srs.GetName();
  const std::string what = name ? fmt::format("'{}' ({})", definition, name) : fmt::format("'{}'", definition);
  if (!srs.IsProjected())
    return Status::Invalid(fmt::format("{} is not projected: its coordinates are degrees (or it is not a map "
                                       "projection), while ranges and areas are measured in metres; {}",
                                       what, fix));
  const char* unit = nullptr;
  const double metres = srs.GetLinearUnits(&unit);
  if (std::abs(metres - 1.0) > 1e-9)
    return Status::Invalid(fmt::format("{} measures in {} ({:g} m), not metres; {}", what, unit ? unit : "other units",
                                       metres, fix));
  return Status::Ok();
}

Result<std::optional<ProjectionError>> projection_error(const GridGeometry& g) {
  if (g.crs_wkt.empty()) return std::optional<ProjectionError>();
  OGRSpatialReference srs;
  if (srs.importFromWkt(g.crs_wkt.c_str()) != OGRERR_NONE)
    return Status::Internal("projection error: the grid's CRS WKT could not be parsed");
  if (!srs.IsProjected())
    return Status::Invalid("projection error: the analysis grid's CRS is not projected (distances would be degrees)");
  srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  std::unique_ptr<OGRSpatialReference> geog(srs.CloneGeogCS());
  geog->SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  std::unique_ptr<OGRCoordinateTransformation> to_lonlat(OGRCreateCoordinateTransformation(&srs, geog.get()));
  if (!to_lonlat) return Status::Internal(fmt::format("projection error: no transformation to lon/lat: {}", last_gdal_error()));
  ProjContext ctx;
  ProjObject crs{proj_create(ctx.ctx, g.crs_wkt.c_str())};
  if (!crs.pj) return Status::Internal("projection error: PROJ cannot read the grid's CRS");
  // The map projection itself, from the CRS's PROJ string without "+type=crs" (radians in,
  // metres out): proj_factors on it is cheap, while on the CRS object PROJ rebuilds the
  // operation at every call (~15 ms each).
  std::string proj4;
  if (const char* s4 = proj_as_proj_string(ctx.ctx, crs.pj, PJ_PROJ_4, nullptr)) proj4 = s4;
  if (const auto at = proj4.find(" +type=crs"); at != std::string::npos) proj4.erase(at);
  ProjObject projection{proj4.empty() ? nullptr : proj_create(ctx.ctx, proj4.c_str())};
  PJ* scale_of = projection.pj ? projection.pj : crs.pj;
  ProjectionError e;
  const char* name = srs.GetName();
  e.crs_name = name ? name : "";
  constexpr int kSamples = 17;
  for (int j = 0; j < kSamples; ++j)
    for (int i = 0; i < kSamples; ++i) {
      double x = g.origin_x_m + g.width * g.cell_size_m * i / (kSamples - 1);
      double y = g.origin_y_m - g.height * g.cell_size_m * j / (kSamples - 1);
      if (!to_lonlat->Transform(1, &x, &y)) continue;
      const PJ_FACTORS f = proj_factors(scale_of, proj_coord(proj_torad(x), proj_torad(y), 0, 0));
      if (proj_context_errno(ctx.ctx) != 0) {
        proj_context_errno_string(ctx.ctx, proj_context_errno(ctx.ctx));
        return Status::Internal(fmt::format("projection error: PROJ cannot evaluate the scale of '{}'", e.crs_name));
      }
      e.max_distance_error = std::max({e.max_distance_error, std::abs(f.tissot_semimajor - 1), std::abs(f.tissot_semiminor - 1)});
      e.max_area_error = std::max(e.max_area_error, std::abs(f.areal_scale - 1));
    }
  return std::optional<ProjectionError>(e);
}

std::string default_analysis_crs(double lon_min, double lon_max, double lat_min, double lat_max) {
  const double lon_c = 0.5 * (lon_min + lon_max), lat_c = 0.5 * (lat_min + lat_max);
  if (utm_epsg_for(lon_min, lat_c) == utm_epsg_for(lon_max, lat_c) && (lat_min >= 0) == (lat_max >= 0) &&
      lat_max <= 84 && lat_min >= -80)
    return fmt::format("EPSG:{}", utm_epsg_for(lon_c, lat_c));
  // As WKT with a name that says what it is (a PROJ string's CRS is called "unknown").
  OGRSpatialReference laea;
  laea.SetProjCS(fmt::format("Lambert azimuthal equal-area centred on {:.4f}, {:.4f} (WGS 84)", lat_c, lon_c).c_str());
  laea.SetWellKnownGeogCS("WGS84");
  laea.SetLAEA(lat_c, lon_c, 0, 0);
  char* wkt = nullptr;
  const char* opts[] = {"FORMAT=WKT2_2019", nullptr};
  laea.exportToWkt(&wkt, opts);
  std::string out = wkt ? wkt : "";
  CPLFree(wkt);
  return out;
}

}  // namespace skycover
