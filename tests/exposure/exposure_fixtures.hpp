// Small hand-built terrains, systems and sites for the exposure and raid tests.
#pragma once
#include <string>
#include <vector>

#include "test_support.hpp"
#include "skycover/exposure/exposure.hpp"
#include "skycover/exposure/track.hpp"
#include "skycover/sites/site.hpp"
#include "skycover/systems/system.hpp"
#include "skycover/terrain/terrain.hpp"

namespace skycover::test {

// Flat terrain in a local metric grid (no CRS): x in [0, w*cell], y in [0, h*cell].
inline Terrain flat_terrain(int w, int h, double cell_m, float elevation_m = 0.0f) {
  return terrain_from_function(w, h, cell_m, [elevation_m](double, double) { return elevation_m; });
}

// Flat terrain whose cell centres lie on whole multiples of cell_m (x in [-cell/2, (w - 1/2) cell],
// y in [cell/2, (h + 1/2) cell]). A launcher stands on its cell centre (launcher_position), so
// hand-derived geometry with sites at round coordinates needs them on cell centres.
inline Terrain centred_flat_terrain(int w, int h, double cell_m, float elevation_m = 0.0f) {
  Terrain t = flat_terrain(w, h, cell_m, elevation_m);
  GridGeometry g = t.geometry();
  g.origin_x_m = -0.5 * cell_m;
  g.origin_y_m = (h + 0.5) * cell_m;
  return Terrain(g, t.elevations_m());
}

// An illustrative short-range system: 500..6000 m slant, 5..3500 m, 5 s reaction, 500 m/s.
inline SystemSpec test_system(double pk_cruise = 0.3) {
  SystemSpec s;
  s.name = "test-sam";
  s.min_range_m = 500;
  s.max_range_m = 6000;
  s.min_altitude_m = 5;
  s.max_altitude_m = 3500;
  s.reaction_time_s = 5;
  s.missile_speed_mps = 500;
  s.missiles_per_site = 4;
  s.pk.pk[static_cast<int>(TargetClass::kCruiseMissile)] = pk_cruise;
  s.pk.provenance = "user";
  return s;
}

inline Site make_site(const Terrain& t, std::string id, double x, double y, double height_agl = 10, int missiles = 4) {
  Site s;
  s.id = std::move(id);
  s.x_m = x;
  s.y_m = y;
  const auto cell = t.cell_of(x, y);
  s.ground_msl_m = t.elevation_m(cell->first, cell->second);
  s.height_agl_m = height_agl;
  s.system_index = 0;
  s.missiles = missiles;
  return s;
}

inline TrackSpec straight_track(std::string id, double x0, double y0, double x1, double y1, double speed_mps,
                                double altitude_m, AltitudeReference ref = AltitudeReference::kAgl) {
  TrackSpec t;
  t.id = std::move(id);
  t.waypoints = {{x0, y0}, {x1, y1}};
  t.speed_mps = speed_mps;
  t.altitude_m = altitude_m;
  t.altitude_reference = ref;
  t.source = "test";
  return t;
}

}  // namespace skycover::test
