#include "skycover/products/jobs.hpp"

#include <optional>
#include <thread>

#include <fmt/format.h>
#include <tbb/global_control.h>

#include "skycover/core/atomic_file.hpp"
#include "skycover/core/memory.hpp"
#include "skycover/products/coverage_run.hpp"
#include "skycover/scenario/scenario.hpp"
#include "skycover/terrain/gdal_support.hpp"

namespace skycover {
namespace fs = std::filesystem;

namespace {

// The threads option (or [analysis] threads) bounds every parallel part of the run, not only the
// unions: the survey, histograms and GDAL's decoding too, so "1 thread" means one core (MPI ranks
// of one thread each share a machine as planned).
std::optional<tbb::global_control> limit_threads(int threads) {
  std::optional<tbb::global_control> limit;
  if (threads > 0) limit.emplace(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  return limit;
}

// What every job starts from: the scenario, its text, the run's description and the memory plan.
struct Start {
  Scenario scenario;
  std::string text;
  RunInfo run;
  CoveragePlan plan;
  int threads = 0;  // effective option: the job's, else [analysis] threads (0: every core)
};

Result<Start> start(const JobOptions& o, bool products, int ranks) {
  Start s;
  SKYCOVER_ASSIGN_OR_RETURN(s.scenario, load_scenario(o.scenario));
  SKYCOVER_ASSIGN_OR_RETURN(s.text, read_file(o.scenario, "scenario"));
  SKYCOVER_ASSIGN_OR_RETURN(s.run, describe_run(s.scenario, o.command_line));
  SKYCOVER_ASSIGN_OR_RETURN(const GridGeometry grid, scenario_grid(s.scenario));
  s.threads = o.threads ? o.threads : s.scenario.analysis.threads;
  auto plan = plan_coverage(s.scenario, grid, o.memory_mb << 20, s.threads, o.tile_cells, products, ranks);
  if (!plan.ok()) return Status(plan.status().code(), fmt::format("{}: {}", o.scenario.string(), plan.status().message()));
  s.plan = *plan;
  return s;
}

// A tiled run's process-wide settings while it lives: freed tile memory is kept for the next tile,
// and GDAL decodes on every thread and caches an eighth of the budget (core/memory.hpp,
// gdal_support.hpp).
class TiledRunSettings {
 public:
  TiledRunSettings(const Start& s, const JobOptions& o)
      : gdal_(s.threads > 0 ? s.threads : static_cast<int>(std::thread::hardware_concurrency()),
              (o.memory_mb << 20) / 8) {
    keep_freed_memory_for_reuse(o.memory_mb << 20);
  }

 private:
  GdalReadSettings gdal_;
};

std::string run_title(const JobOptions& o, std::size_t sites) {
  return fmt::format("{} ({} sites)", o.scenario.filename().string(), sites);
}

// Draws need a placement at random somewhere: in the scenario, or a swept hypothesis.
Status check_draws(const Scenario& scenario, const std::vector<Hypothesis>& hypotheses, const JobOptions& o) {
  if (o.draws <= 1 || has_random_deployment(scenario)) return Status::Ok();
  for (Hypothesis h : hypotheses)
    if (h == Hypothesis::kUniform || h == Hypothesis::kClustered) return Status::Ok();
  return Status::Invalid(fmt::format(
      "{}: --draws {} needs a deployment placed at random (uniform or clustered, in the scenario or a sweep's "
      "--hypotheses); high_ground, grid and file deployments are the same in every draw",
      o.scenario.string(), o.draws));
}

// Each coverage target names one of the scenario's bands (checked before anything is computed).
Status check_targets(const Scenario& scenario, const std::vector<CoverageTarget>& targets) {
  const auto bands = analysis_bands(scenario.analysis);
  for (const CoverageTarget& t : targets) SKYCOVER_RETURN_IF_ERROR(target_band_index(bands, t).status());
  return Status::Ok();
}

}  // namespace

Result<CoverageJobOutput> run_coverage_job(const JobOptions& o, bool summary_only) {
  SoloCollective solo;
  Collective& world = o.collective ? *o.collective : solo;
  auto started = start(o, !summary_only, world.size());
  SKYCOVER_RETURN_IF_ERROR(world.agree(started.status()));
  const Start& s = *started;
  const auto limit = limit_threads(s.threads);
  CoverageRunSettings settings;
  settings.out_dir = o.out.empty() ? s.scenario.output_dir : o.out;
  settings.run = s.run;
  settings.scenario_text = s.text;
  settings.products = !summary_only;
  settings.show_progress = o.show_progress;
  settings.threads = o.threads;
  settings.collective = &world;
  settings.on_progress = o.on_progress;
  settings.draws = o.draws;
  settings.exact_polygons = o.exact_polygons;
  SKYCOVER_RETURN_IF_ERROR(world.agree(check_draws(s.scenario, {}, o)));
  CoverageJobOutput out;
  out.out_dir = settings.out_dir;
  out.tiled = !s.plan.whole_grid;
  out.tiles = s.plan.tiles;
  out.tile_cells = s.plan.tile_cells;
  if (out.tiled) {
    const TiledRunSettings tiled_settings(s, o);
    // The ranks share the survey's tiles; every rank then places the same sites (same survey, seed).
    auto prepared = prepare_scenario_tiled(s.scenario, s.plan.tile_cells, o.show_progress && world.is_root(), &world);
    SKYCOVER_RETURN_IF_ERROR(world.agree(prepared.status()));
    settings.title = run_title(o, prepared->sites.size());
    auto result = tiled_coverage_command(*prepared, settings, s.plan, o.memory_mb << 20);
    SKYCOVER_RETURN_IF_ERROR(world.agree(result.status()));
    out.result = std::move(result->result);
    out.draws = std::move(result->draws);
    return out;
  }
  auto prepared = prepare_scenario(s.scenario);
  SKYCOVER_RETURN_IF_ERROR(world.agree(prepared.status()));
  settings.title = run_title(o, prepared->sites.size());
  settings.tile_cells = s.plan.tile_cells;
  auto run = coverage_command(*prepared, settings);
  SKYCOVER_RETURN_IF_ERROR(world.agree(run.status()));
  out.result = std::move(run->result);
  out.product_files = run->products.files.size();
  out.draws = std::move(run->draws);
  return out;
}

Result<SweepJobOutput> run_sweep_job(const JobOptions& o, const std::vector<int>& counts,
                                     const std::vector<Hypothesis>& hypotheses) {
  SoloCollective solo;
  Collective& world = o.collective ? *o.collective : solo;
  auto started = start(o, false, world.size());
  SKYCOVER_RETURN_IF_ERROR(world.agree(started.status()));
  const Start& s = *started;
  const auto limit = limit_threads(s.threads);
  SweepRunSettings settings;
  settings.out_dir = o.out.empty() ? s.scenario.output_dir / "sweep" : o.out;
  settings.run = s.run;
  settings.scenario_text = s.text;
  settings.spec.counts = counts;
  settings.spec.hypotheses = hypotheses;
  settings.spec.draws = o.draws;
  SKYCOVER_RETURN_IF_ERROR(world.agree(check_draws(s.scenario, hypotheses, o)));
  if (o.claimed_count) {
    settings.presentation.reference_count = *o.claimed_count;
    settings.presentation.reference_label = "claimed count";
  }
  settings.presentation.targets = o.targets;
  SKYCOVER_RETURN_IF_ERROR(world.agree(check_targets(s.scenario, o.targets)));
  settings.show_progress = o.show_progress;
  settings.threads = o.threads;
  settings.collective = &world;
  settings.tile_cells = s.plan.tile_cells;
  settings.on_progress = o.on_progress;
  SweepJobOutput out;
  out.out_dir = settings.out_dir;
  out.presentation = settings.presentation;
  if (!s.plan.whole_grid) {
    const TiledRunSettings tiled_settings(s, o);
    auto prepared = prepare_scenario_tiled(s.scenario, s.plan.tile_cells, o.show_progress && world.is_root(), &world);
    SKYCOVER_RETURN_IF_ERROR(world.agree(prepared.status()));
    auto rows = sweep_command(*prepared, settings);
    SKYCOVER_RETURN_IF_ERROR(world.agree(rows.status()));
    out.rows = std::move(rows).value();
    return out;
  }
  auto prepared = prepare_scenario(s.scenario);
  SKYCOVER_RETURN_IF_ERROR(world.agree(prepared.status()));
  auto rows = sweep_command(*prepared, settings);
  SKYCOVER_RETURN_IF_ERROR(world.agree(rows.status()));
  out.rows = std::move(rows).value();
  return out;
}

}  // namespace skycover
