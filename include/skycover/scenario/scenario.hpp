// Scenario files (TOML): everything an analysis depends on, so a result is reproducible from
// scenario + seed. See docs/scenario.md for the format; examples/ for complete files.
#pragma once
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "skycover/core/status.hpp"
#include "skycover/scenario/track_spec.hpp"
#include "skycover/sites/area_survey.hpp"
#include "skycover/sites/site.hpp"
#include "skycover/systems/system.hpp"
#include "skycover/terrain/synthetic.hpp"
#include "skycover/terrain/clutter.hpp"
#include "skycover/terrain/terrain.hpp"
#include "skycover/terrain/terrain_source.hpp"

namespace skycover {

struct TerrainSpec {
  std::optional<std::filesystem::path> dem;       // resolved relative to the scenario file
  std::optional<SyntheticTerrainParams> synthetic;
  TerrainLoadOptions load;                         // unit ("m" | "ft"), cell_size_m, crs
  std::optional<ClutterSpec> clutter;              // trees and buildings (terrain/clutter.hpp)
};

struct AnalysisSpec {
  std::vector<double> bands_agl_m = {50, 150, 500, 1500, 3000};
  std::vector<double> bands_msl_m;
  // Refraction coefficient k: line-of-sight curvature uses an effective Earth radius R/(1-k).
  // 0.13 is the standard-atmosphere value used in radio/optical visibility work.
  double refraction_k = 0.13;
  int threads = 0;  // 0 = all cores; results are identical for any value
  std::uint64_t seed = 1;
};

struct Scenario {
  std::filesystem::path path;   // the file it was read from (empty for built-in)
  std::string sha256;           // of the file's bytes, for manifests
  TerrainSpec terrain;
  std::optional<std::filesystem::path> area_polygon;
  std::vector<SystemSpec> systems;
  std::vector<DeploymentSpec> deployments;
  AnalysisSpec analysis;
  std::vector<TrackSpec> tracks;  // [[tracks]]
  RaidSpec raid;                  // [raid]
  std::filesystem::path output_dir = "skycover-out";  // as written: relative to the working directory
};

// Each class of problem a scenario can have; tests and front ends can tell them apart.
enum class DiagnosticKind {
  kSyntax,         // the file is not valid TOML
  kUnknownKey,     // a key the format does not define (the hint names the closest known key)
  kType,           // wrong TOML type (e.g. a string where a number is expected)
  kRange,          // a value outside its allowed range, or inconsistent with another (min > max)
  kMissing,        // a required key is absent
  kConflict,       // keys that exclude each other are both present (dem and synthetic, ...)
  kDuplicate,      // two systems / tracks with the same name
  kUnknownPreset,  // [[systems]] preset not in the catalog (the hint lists the known ones)
  kUnknownSystem,  // [[deployments]] system names no [[systems]] entry
  kMissingFile,    // a referenced file does not exist (paths are relative to the scenario file)
  kUnknownValue,   // a string outside its allowed set (hypothesis, unit, target_class, ...)
};
std::string_view to_string(DiagnosticKind kind);

// One problem found in a scenario file.
struct Diagnostic {
  DiagnosticKind kind = DiagnosticKind::kRange;
  std::string file;
  int line = 0;      // 1-based; 0 when unknown
  int column = 0;
  std::string field; // e.g. "systems[1].max_range_m"
  std::string message;  // what is wrong and what was expected
  std::string hint;     // how to fix it
  std::string to_string() const;  // "file:line:column: field: message (hint: ...)"
};

// Parse and check a scenario, collecting *every* problem (unknown keys included).
// On success the Scenario is returned and diagnostics is empty.
struct ScenarioParse {
  std::optional<Scenario> scenario;
  std::vector<Diagnostic> diagnostics;
  // Not Ok when the file itself could not be read (then `diagnostics` holds that one message).
  Status read_status = Status::Ok();
};
ScenarioParse parse_scenario_text(std::string_view toml_text, const std::filesystem::path& path);
ScenarioParse parse_scenario_file(const std::filesystem::path& path);
// The error when the scenario file itself could not be read, else Ok: an I/O error (missing or
// unreadable) or invalid input (a folder named as the scenario).
Status scenario_read_status(const ScenarioParse& parsed, const std::filesystem::path& path);
// Convenience: all diagnostics joined (one per line) into an InvalidInput status, or the
// IoError of scenario_read_status when the file could not be read.
Result<Scenario> load_scenario(const std::filesystem::path& path);

// A scenario made concrete: terrain loaded, area rasterised, sites placed.
struct PreparedScenario {
  Scenario scenario;
  Terrain terrain;
  AreaMask area;
  AreaSurvey shape;  // the [area] polygons' cells, without the terrain: what placement draws from
  std::vector<Site> sites;
};
// Loads or synthesises the terrain, rasterises [area], places every deployment's sites
// (Site::system_index set). Errors (bad DEM, sites on nodata, ...) name the scenario and field.
Result<PreparedScenario> prepare_scenario(const Scenario& scenario);

// The analysis grid of a scenario's terrain without reading its cells (the DEM is opened, or
// the synthetic parameters read): what a run needs to plan tiles and memory.
Result<std::unique_ptr<TerrainSource>> open_scenario_terrain(const Scenario& scenario);
// Only the grid (synthetic terrain is not generated for it): what memory planning needs.
Result<GridGeometry> scenario_grid(const Scenario& scenario);

// A scenario made concrete for a tiled run: terrain and area as sources (read window by
// window), sites placed tile by tile (make_sites' tiled form: uniform and file deployments).
struct TiledScenario {
  Scenario scenario;
  std::unique_ptr<TerrainSource> terrain;
  AreaSource area;
  AreaSurvey survey;  // the [area] polygons' cells (no terrain read): what placement draws from
  std::vector<Site> sites;
  int tile_cells = 0;
  double survey_s = 0, placement_s = 0;  // wall seconds (manifest)
};
// show_progress: a bar for the survey (the area's polygons rasterised tile by tile; on a TTY).
// `world`: the survey's tiles and the sites' one-cell reads spread over its ranks
// (sites/area_survey.hpp); every rank then has the same sites.
Result<TiledScenario> prepare_scenario_tiled(const Scenario& scenario, int tile_cells, bool show_progress = false,
                                             Collective* world = nullptr);

}  // namespace skycover
