// The one compute-and-write path shared by `skycover coverage`, `skycover sweep` and `skycover demo`.
#pragma once
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "skycover/core/progress.hpp"
#include "skycover/coverage/coverage.hpp"
#include "skycover/coverage/draws.hpp"
#include "skycover/coverage/sweep.hpp"
#include "skycover/products/coverage_products.hpp"
#include "skycover/products/manifest.hpp"
#include "skycover/products/sweep_products.hpp"

namespace skycover {

// compute_coverage with a progress bar (TTY only) labelled `label`.
Result<CoverageResult> compute_coverage_with_progress(const CoverageInputs& inputs, CoverageOptions options,
                                                      const ProgressObserver& observer,
                                                      const std::string& label, bool show_progress);

struct CoverageRunSettings {
  std::filesystem::path out_dir;
  RunInfo run;
  std::string scenario_text;   // for the report
  std::string title;           // e.g. "uniform: 107 igla-s sites"
  bool products = true;        // false: summary.json/csv + manifest only
  bool show_progress = true;
  int threads = 0;
  const std::vector<std::uint8_t>* hillshade = nullptr;
  std::vector<map::MapPoint> landmarks;
  // Spread over MPI ranks (dist/world.hpp); null = this process alone. Every rank calls the
  // command; rank 0 writes the folder. Results are the same bytes for any rank count.
  Collective* collective = nullptr;
  int tile_cells = 0;  // whole-grid runs: tiles of this side (0 = one); the tiled plan sets its own
  ProgressObserver on_progress;  // told what the bar shows (site runs), from any thread (Python)
  // > 1: also run placement draws 1 .. draws-1 (coverage/draws.hpp); their statistics go into
  // summary.json ("draws"), draws.csv, the report and CoverageRunOutput::draws.
  int draws = 1;
  bool exact_polygons = false;  // tiled runs: full-resolution GeoPackage polygons (JobOptions)
};

struct CoverageRunOutput {
  CoverageResult result;
  CoverageProductFiles products;
  std::vector<PlacementDraw> draws;  // all draws (0 = result) when settings.draws > 1
};

// Coverage of `sites` on the prepared terrain/area; writes summary.json/csv and (if products) all
// coverage products into settings.out_dir. Does not write the report or the manifest.
Result<CoverageRunOutput> run_coverage(const PreparedScenario& prepared, const std::vector<Site>& sites,
                                       const CoverageRunSettings& settings);

// `skycover coverage`: run_coverage + report.html + manifest.json.
Result<CoverageRunOutput> coverage_command(const PreparedScenario& prepared, const CoverageRunSettings& settings);

// How a coverage run fits its memory budget (grid/tiling.hpp): the tile side, and whether the
// whole grid fits in memory at once (then the run keeps today's whole-grid products).
struct CoveragePlan {
  int tile_cells = 0;     // side of a tile
  int tiles = 1;
  bool whole_grid = true;  // one tile, and the whole-grid products fit too
  std::int64_t whole_grid_bytes = 0;  // estimated need of the whole-grid run with products
};
// forced_tile_cells > 0 forces tiles of that side (and a tiled run). `products`: rasters, preview
// and COG conversion are reserved for. `ranks` > 1 (MPI): the budget is each rank's; the grid is
// cut into at least about 2 x ranks tiles so that every rank has work (a whole-grid run stays one,
// with its tiles spread). Errors: the budget is below one tile (the message gives the smallest
// budget that works).
Result<CoveragePlan> plan_coverage(const Scenario& scenario, const GridGeometry& grid, std::int64_t budget_bytes,
                                   int threads, int forced_tile_cells, bool products = false, int ranks = 1);

// `skycover coverage` on a tiled scenario: the engine tile by tile, then summary.json/csv and a
// manifest (with the tiling, peak memory and seconds) in a staged folder; with products, rasters
// written tile by tile and maps, polygons and the report from a preview.
Result<CoverageRunOutput> tiled_coverage_command(const TiledScenario& scenario, const CoverageRunSettings& settings,
                                              const CoveragePlan& plan, std::int64_t budget_bytes);

struct SweepRunSettings {
  std::filesystem::path out_dir;
  RunInfo run;
  std::string scenario_text;
  SweepSpec spec;
  SweepPresentation presentation;
  bool show_progress = true;
  int threads = 0;
  Collective* collective = nullptr;  // as in CoverageRunSettings
  int tile_cells = 0;                // as in CoverageRunSettings
  ProgressObserver on_progress;      // runs done of all runs
};

// Runs the sweep and writes its products into out_dir (no report/manifest).
Result<std::vector<SweepRow>> run_sweep_products(const PreparedScenario& prepared, const SweepRunSettings& settings,
                                                 SweepProductFiles* files);
// `skycover sweep`: run_sweep_products + report.html + manifest.json.
Result<std::vector<SweepRow>> sweep_command(const PreparedScenario& prepared, const SweepRunSettings& settings);
// The same on a tiled scenario (every run tile by tile; the same rows and products).
Result<std::vector<SweepRow>> sweep_command(const TiledScenario& prepared, const SweepRunSettings& settings);

}  // namespace skycover
