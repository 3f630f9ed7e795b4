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

// The default analysis CRS for a lon/lat extent: the UTM zone (WGS 84) of its centre when the
// whole extent lies in that zone, else a Lambert azimuthal equal-area projection centred on it.
std::string default_analysis_crs(double lon_min_deg, double lon_max_deg, double lat_min_deg, double lat_max_deg);

}  // namespace skycover
