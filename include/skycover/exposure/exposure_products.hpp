// Products of `skycover exposure`: per-track CSV and JSON of engagement windows and shots, a summary
// table, and (with the products stage) a timeline chart and a map per track.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "skycover/core/status.hpp"
#include "skycover/exposure/exposure.hpp"
#include "skycover/terrain/terrain.hpp"

namespace skycover {

struct ExposureInputs {
  const Terrain* terrain = nullptr;
  const std::vector<Site>* sites = nullptr;
  const std::vector<SystemSpec>* systems = nullptr;
  const std::vector<Track>* tracks = nullptr;
  const std::vector<EngagementWindow>* windows = nullptr;
  const std::vector<TrackExposure>* exposures = nullptr;
};

// A file-name-safe version of a track or site id ([A-Za-z0-9._-], others replaced by '_').
std::string safe_file_stem(const std::string& id);
// The file stems of the tracks' files (<stem>.csv, <stem>_timeline.png, <stem>_map.png), unique in
// their folder: safe_file_stem of each id, with "-2", "-3", ... after a stem already taken
// (compared without case: some file systems ignore it) or one of the folder's own names (summary,
// manifest, report). Ids "t/1" and "t_1", or "summary", no longer overwrite each other's files.
std::vector<std::string> track_file_stems(const std::vector<Track>& tracks);

// One row per shot (windows without a shot get one row with empty shot columns):
// track,site,system,interval_start_s,interval_end_s,earliest_launch_s,shot,launch_s,intercept_s,
// intercept_x_m,intercept_y_m,intercept_z_msl_m,pk
std::string exposure_csv(const ExposureInputs& in, int track);
nlohmann::json exposure_json(const ExposureInputs& in, int track);
// Fixed-width table: track, class, sites engaging, exposed time, expected shots, survival.
std::string exposure_summary_table(const ExposureInputs& in);

// The GeoPackage of the analysis, in the grid's CRS (the terrain's crs_wkt), metres:
// - `windows`: per engagement window, the track from its position at the window's start to its
//   position at the end (position_at, with the samples between); fields track, site, system,
//   window (0-based, in the order of the track's JSON), start_s, end_s, duration_s,
//   earliest_launch_s, shots;
// - `intercepts`: per shot, the target's position at the intercept; fields track, site, system,
//   shot (1-based within its window, as in the CSV), launch_s, intercept_s, z_msl_m, pk;
// - `tracks`: per track, its samples; fields track, target_class, length_m, duration_s,
//   sites_engaging, sites_with_shots, exposed_time_s, expected_shots, survival_probability.
// Tracks in their order, windows and shots in the order of the per-track JSON. The same analysis
// gives the same bytes. Atomic.
Status write_exposure_gpkg(const std::filesystem::path& path, const ExposureInputs& in);

// Write DIR/<track>.csv, DIR/<track>.json, DIR/summary.json, DIR/summary.txt, DIR/exposure.gpkg
// and the charts (DIR/<track>_timeline.{png,svg}, DIR/<track>_map.png). Every file atomically.
Status write_exposure_products(const std::filesystem::path& dir, const ExposureInputs& in);

}  // namespace skycover
