// How far the analysis grid's projection is from true distances and areas, over the grid.
//
// Every stage measures in the grid's metres, so a projected CRS's scale error is the error of
// every range and area. PROJ's proj_factors gives, at a point, the Tissot indicatrix of the
// projection (Snyder 1987, "Map Projections - A Working Manual", ch. 4): semi-axes a >= b (the
// largest and smallest length scale there) and the areal scale s = a b. The worst distance error
// over the grid is max |a - 1|, |b - 1| and the worst area error max |s - 1|, sampled on a 17 x 17
// lattice of the grid's extent (edges and corners included). UTM within its zone: < 0.1 %
// (k0 = 0.9996, Snyder eq. 8-10); Lambert azimuthal equal-area: no area error, distance error
// growing with distance from its centre.
#pragma once
#include <optional>
#include <string>

#include "skycover/core/status.hpp"
#include "skycover/grid/geometry.hpp"

namespace skycover {

struct ProjectionError {
  std::string crs_name;            // e.g. "WGS 84 / UTM zone 19N"
  double max_distance_error = 0;   // fraction (0.001 = 0.1 %)
  double max_area_error = 0;       // fraction
};

// nullopt for a grid without a CRS (a local metric grid: no projection to err).
Result<std::optional<ProjectionError>> projection_error(const GridGeometry& grid);

// Largest distance error of an analysis CRS over its grid that skycover uses as it is: beyond it a
// DEM is reprojected to the default analysis CRS (Web Mercator: 1 / cos(latitude), 41 % at 45 deg),
// and a synthetic grid's `epsg` is refused.
inline constexpr double kMaxDistanceError = 0.01;

// Whether `definition` (EPSG:n, WKT or a PROJ string) can be an analysis CRS: known to PROJ,
// projected, in metres. The message says what it is instead (geographic degrees, US feet, unknown)
// and what to use.
Status check_metric_crs(const std::string& definition);

// The default analysis CRS for a lon/lat extent: the UTM zone (WGS 84) of its centre when the
// whole extent lies in that zone, else a Lambert azimuthal equal-area projection centred on it.
std::string default_analysis_crs(double lon_min_deg, double lon_max_deg, double lat_min_deg, double lat_max_deg);

}  // namespace skycover
