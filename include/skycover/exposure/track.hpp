// Flight tracks made concrete: waypoints read from a file or the scenario, reprojected to the
// terrain's CRS, and sampled in time along the path.
//
// Model (docs/exposure.md):
//  * A track is a polyline of waypoints flown leg by leg in straight lines (in the terrain's
//    projected plane) at a constant speed per leg: the leg's starting waypoint's speed_mps if it
//    states one, else the track's speed_mps.
//  * Altitude is either above the ground under the target (AGL: terrain-following at a constant
//    height) or above the vertical datum (MSL). A waypoint may state its own altitude (same
//    reference); it is interpolated linearly along each leg.
//  * The path is sampled every <= max_step_m metres (default: half a terrain cell, so every cell
//    the track crosses holds at least one sample), always including every waypoint. Each sample
//    carries its time from the start, position, altitude above the datum and the ground height
//    (bilinear between cell centres).
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "skycover/core/status.hpp"
#include "skycover/scenario/track_spec.hpp"
#include "skycover/systems/system.hpp"
#include "skycover/terrain/terrain.hpp"

namespace skycover {

struct TrackSample {
  double t_s = 0;           // time since the track's start
  double x_m = 0;           // terrain CRS
  double y_m = 0;
  double z_msl_m = 0;       // target altitude above the vertical datum
  double ground_msl_m = 0;  // ground under the target (bilinear)
  double agl_m() const { return z_msl_m - ground_msl_m; }
};

struct Track {
  std::string id;
  TargetClass target_class = TargetClass::kCruiseMissile;
  int count = 1;          // raid: targets flying this track
  double interval_s = 0;  // raid: spacing between their starts
  std::string source;     // for messages
  std::vector<TrackSample> samples;  // strictly increasing t_s; >= 2 samples
  double duration_s() const { return samples.empty() ? 0.0 : samples.back().t_s; }
  double length_m() const;
};

// A waypoint in the terrain's CRS, before sampling.
struct TrackWaypoint {
  double x_m = 0;
  double y_m = 0;
  std::optional<double> altitude_m;  // in the track's altitude reference
  std::optional<double> speed_mps;   // speed on the leg that starts here
};

struct TrackSampling {
  double max_step_m = 0;  // 0 = half a terrain cell
};

// Waypoints of `spec` in the terrain CRS (`terrain_crs_wkt`; empty = local metric grid, in which
// case the track must be given in that grid too). Sources:
//  * GeoJSON (or any OGR vector file): all LineString / MultiLineString features in file order,
//    parts concatenated; the file's CRS unless spec.crs overrides it; Z values are ignored.
//  * CSV with a header naming x,y and optionally altitude_m, speed_mps (other columns ignored);
//    coordinates in spec.crs, else the terrain's CRS.
//  * spec.waypoints (inline), in spec.crs, else the terrain's CRS.
Result<std::vector<TrackWaypoint>> read_track_waypoints(const TrackSpec& spec, const std::string& terrain_crs_wkt);

// Sample waypoints in time and space over the terrain. Errors name the track and the point for a
// track with < 2 distinct waypoints, zero/negative speed, points off the DEM or over nodata, and
// MSL altitudes below the ground.
Result<Track> sample_track(const TrackSpec& spec, const std::vector<TrackWaypoint>& waypoints, const Terrain& terrain,
                           const TrackSampling& sampling = {});

// read_track_waypoints + sample_track.
Result<Track> load_track(const TrackSpec& spec, const Terrain& terrain, const TrackSampling& sampling = {});
Result<std::vector<Track>> load_tracks(const std::vector<TrackSpec>& specs, const Terrain& terrain,
                                       const TrackSampling& sampling = {});

// Target position at time t_s (clamped to the track), linear between samples.
TrackSample position_at(const Track& track, double t_s);

}  // namespace skycover
