// Whole runs as a front end starts them, from a scenario file and options: plan the memory, choose
// the whole-grid or the tiled path, place the sites, compute, write the staged output folder. The
// CLI (`skycover coverage|sweep`) and the Python module call these and only print or convert the
// result, so both give the same bytes.
#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
#include <functional>
#include <string>
#include <vector>

#include "skycover/core/collective.hpp"
#include "skycover/core/progress.hpp"
#include "skycover/core/status.hpp"
#include "skycover/coverage/coverage.hpp"
#include "skycover/coverage/draws.hpp"
#include "skycover/products/sweep_products.hpp"
#include "skycover/coverage/sweep.hpp"

namespace skycover {

struct JobOptions {
  std::filesystem::path scenario;
  std::filesystem::path out;        // empty: the scenario's [output] dir (a sweep: its /sweep)
  int threads = 0;                  // 0: [analysis] threads, else every core; bounds every parallel part
  std::int64_t memory_mb = 2048;    // the budget that decides the tiling (docs/tiling.md)
  int tile_cells = 0;               // > 0: tiles of this side (same results)
  std::string command_line;         // for the manifest
  bool show_progress = true;        // a bar on a TTY
  ProgressObserver on_progress;     // besides the bar
  // Spread over MPI ranks (dist/world.hpp); null = alone. Every rank calls the job with the same
  // options; every step's status is agreed, so all ranks return the same error at the same step,
  // and rank 0 writes the folder.
  Collective* collective = nullptr;
  int draws = 1;                    // placement draws (coverage/draws.hpp), per run of a sweep
  // Tiled coverage runs beyond the preview's size: GeoPackage polygons at full resolution, made
  // from the multiplicity COGs (render/gis.hpp: write_raster_polygons; ~100 s a band at 1e9 cells
  // on 2 cores, outside the memory budget), instead of from the preview. Whole-grid runs always have them.
  bool exact_polygons = false;
  // Sweeps: read the curves at this count (e.g. a claimed inventory; also a line on the charts) and
  // at these coverage targets (sweep_products.hpp).
  std::optional<double> claimed_count = std::nullopt;
  std::vector<CoverageTarget> targets = {};
};

struct CoverageJobOutput {
  CoverageResult result;            // without the union (it is in the rasters)
  std::filesystem::path out_dir;
  std::size_t product_files = 0;    // 0 for --summary-only
  bool tiled = false;
  int tiles = 1, tile_cells = 0;
  std::vector<PlacementDraw> draws;  // with options.draws > 1
};
// `skycover coverage`. summary_only: summary.json/csv and manifest.json only.
Result<CoverageJobOutput> run_coverage_job(const JobOptions& options, bool summary_only);

struct SweepJobOutput {
  std::vector<SweepRow> rows;
  std::filesystem::path out_dir;
  SweepPresentation presentation;  // as the products used it (readings: sweep_table(rows, presentation))
};
// `skycover sweep`: the first deployment's hypothesis and count varied over `counts` (seed kept)
// and `hypotheses` (empty: its own).
Result<SweepJobOutput> run_sweep_job(const JobOptions& options, const std::vector<int>& counts,
                                     const std::vector<Hypothesis>& hypotheses);

}  // namespace skycover
