// Exposure of flight tracks to air-defence sites: when each site can engage each track, when it
// could launch, where an average-speed missile would meet the target, how many shots a simple
// shoot-look-shoot doctrine gives, and the resulting survival probability.
//
// Models (full statement with formulas in docs/exposure.md). Analysis only: no guidance, no fire
// control; every figure is a public-level parameter of the system or stated by the user.
//  * Engageable at sample i (time t_i): line of sight AND envelope.
//      LOS: h_cell >= min_visible_agl(cell), from the site's viewshed window (fast `viewshed()`),
//           h_cell = target altitude above the DEM value of the cell holding the sample. LOS is
//           monotonic in height, so one window per site answers every track and altitude.
//      Envelope: in_envelope() (systems/envelope.hpp) with the site's ground and eye height.
//  * Window: a maximal run of consecutive engageable samples [t_first, t_last]. Between two
//    engageable samples the target is taken as engageable (sampling step <= half a cell).
//  * Launches happen at sample instants: the earliest is the first sample with
//    t >= t_first + reaction_time_s.
//  * Intercept for a launch at t_L: the first t in [t_L, t_last] with
//        slant(t) <= v_m (t - t_L)
//    (straight-line fly-out at the system's average missile speed v_m towards where the target will
//    be; slant = 3-D distance from the launcher's eye to the target, the target moving linearly
//    between samples; solved exactly per segment as a quadratic). No intercept => no shot.
//  * Doctrine (shoot-look-shoot): a site fires one missile at a time; the next launch is at the
//    first sample at or after the previous intercept, while the window lasts and missiles remain
//    (Site::missiles per track unless unlimited_missiles).
//  * Survival over independent shots j with the user-stated Pk for the target's class:
//        P_survive = prod_j (1 - Pk_j)
//    Expected shots fired (a shot is not fired if the target is already known dead at its launch):
//        E[shots] = sum_k prod_{j : t_intercept_j <= t_launch_k} (1 - Pk_j)
#pragma once
#include <cstdint>
#include <functional>
#include <limits>
#include <vector>

#include "skycover/core/status.hpp"
#include "skycover/exposure/track.hpp"
#include "skycover/sites/site.hpp"
#include "skycover/systems/system.hpp"
#include "skycover/terrain/terrain.hpp"
#include "skycover/visibility/viewshed.hpp"

namespace skycover {

struct LauncherPoint {
  double x_m = 0, y_m = 0, z_msl_m = 0;  // the launcher's eye
};

// One time interval during which one site can engage one track, with its launch/intercept table.
struct EngagementWindow {
  int track = 0;  // index into the tracks
  int site = 0;   // index into the sites
  int first_sample = 0, last_sample = 0;  // engageable samples, inclusive
  double start_s = 0, end_s = 0;          // their times (track-relative)
  double earliest_launch_s = 0;           // start_s + reaction_time_s
  // Launch samples that lead to an intercept inside the window: [first_launch_sample,
  // first_launch_sample + intercept_s.size()). Empty when the window is too short. The set of such
  // launch times is always a prefix (a later launch can only intercept later).
  int first_launch_sample = 0;
  std::vector<double> intercept_s;  // intercept time for each of those launch samples
  int launch_count() const { return static_cast<int>(intercept_s.size()); }
  int last_launch_sample() const { return first_launch_sample + launch_count() - 1; }
};

// Pure pieces (exposed for tests) -------------------------------------------------------------

// Runs of true flags: [first, last] index pairs.
std::vector<std::pair<int, int>> true_runs(const std::vector<std::uint8_t>& flags);

// Intercept time for a missile launched at t_launch_s from `eye` at average speed missile_speed_mps
// against `track`, looking only at times in [t_launch_s, track.samples[last_sample].t_s]. Scans
// segments from `from_segment` (segment k joins samples k and k+1). Returns NaN if none; sets
// *segment_out to the segment holding the intercept (for the monotone scan in fill_intercepts).
double solve_intercept(const Track& track, const LauncherPoint& eye, double missile_speed_mps, double t_launch_s,
                       int from_segment, int last_sample, int* segment_out = nullptr);

// Fill window.earliest_launch_s, first_launch_sample and intercept_s (O(window length): intercept
// time is non-decreasing in launch time, so the segment pointer only moves forward).
void fill_intercepts(EngagementWindow& window, const Track& track, const LauncherPoint& eye,
                     const SystemSpec& system);

// One shot of the shoot-look-shoot doctrine.
struct Shot {
  int window = 0;  // index into the windows the shots were planned from
  int site = 0;
  int launch_sample = 0;
  double launch_s = 0;
  double intercept_s = 0;
  TrackSample intercept_point;  // target position at intercept
  double pk = 0;
};

// Launch sample for a site that becomes free at free_at_s (track-relative), or -1 if the window
// offers no launch (with an intercept) at or after that time.
int launch_sample_for(const EngagementWindow& window, const Track& track, double free_at_s);

// Survival and expected shots for a set of shots (any order; sorted internally by time, then site).
struct ShotStatistics {
  double survival = 1;
  double expected_shots = 0;
};
ShotStatistics shot_statistics(std::vector<Shot> shots);

// Whole-track analysis ------------------------------------------------------------------------

struct ExposureOptions {
  int threads = 0;                     // 0 = all cores; results identical for any value
  bool terrain_masking = true;         // false: line of sight assumed clear
  bool use_reference_viewshed = false; // tests: the exact slow kernel
  bool unlimited_missiles = false;     // analytic shots not capped by Site::missiles
  std::function<void(std::int64_t)> on_progress;  // sites done (called from worker threads)
};

// Every (track, site) engagement window with launch/intercept tables, sorted by (track, site,
// start). Sites are considered only within max range (horizontal) of some track sample; each
// such site's viewshed is computed once.
Result<std::vector<EngagementWindow>> find_engagement_windows(const Terrain& terrain, const std::vector<Site>& sites,
                                                              const std::vector<SystemSpec>& systems,
                                                              const std::vector<Track>& tracks,
                                                              const VisibilityModel& model,
                                                              const ExposureOptions& options = {});

struct TrackExposure {
  int track = 0;
  std::vector<int> windows;  // indices into the windows vector, sorted by start time then site
  std::vector<Shot> shots;   // shoot-look-shoot shots, sorted by launch time then site
  int sites_engaging = 0;    // distinct sites with at least one window
  int sites_with_shots = 0;
  double exposed_time_s = 0;  // length of the union of the windows
  double expected_shots = 0;
  double survival = 1;
};

// Per-track exposure from precomputed windows. Error if a system states no Pk for a track's
// target class (the message tells the user to state pk or set pk_set = "illustrative").
Result<std::vector<TrackExposure>> analyse_exposure(const std::vector<Track>& tracks,
                                                    const std::vector<EngagementWindow>& windows,
                                                    const std::vector<Site>& sites,
                                                    const std::vector<SystemSpec>& systems,
                                                    const ExposureOptions& options = {});

// Pk for a class, or the user-facing error: require_pk in systems/system.hpp.

}  // namespace skycover
