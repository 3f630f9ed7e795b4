// `skycover coverage`, `skycover sweep` and `skycover demo`: thin wrappers over products/coverage_run
// and products/demo (one compute path for all three).
#include <chrono>
#include <optional>
#include <thread>

#include <fmt/format.h>
#include <tbb/global_control.h>

#include "commands.hpp"
#include "validators.hpp"
#include "skycover/core/atomic_file.hpp"
#include "skycover/core/memory.hpp"
#include "skycover/products/coverage_run.hpp"
#include "skycover/products/demo.hpp"
#include "skycover/products/summary.hpp"
#include "skycover/terrain/gdal_support.hpp"

namespace skycover::cli {
namespace fs = std::filesystem;

namespace {

struct Loaded {
  PreparedScenario prepared;
  std::string text;
  RunInfo run;
};

Result<Loaded> load_prepared(const fs::path& path, const std::string& command_line) {
  SKYCOVER_ASSIGN_OR_RETURN(std::string text, read_file(path));
  SKYCOVER_ASSIGN_OR_RETURN(Scenario scenario, load_scenario(path));
  SKYCOVER_ASSIGN_OR_RETURN(PreparedScenario prepared, prepare_scenario(scenario));
  SKYCOVER_ASSIGN_OR_RETURN(RunInfo run, describe_run(prepared.scenario, command_line));
  return Loaded{std::move(prepared), std::move(text), std::move(run)};
}

// A step's status agreed over the ranks (every rank calls this at the same points): true when the
// run stops here; the error is printed once, by rank 0, and every rank exits with its code.
bool stopped(Collective& world, const Status& mine, int& exit_code) {
  const Status agreed = world.agree(mine);
  if (agreed.ok()) return false;
  exit_code = world.is_root() ? report(agreed) : agreed.exit_code();
  return true;
}

// --threads N (or [analysis] threads) bounds every parallel part of the run, not only the unions:
// the survey, histograms and GDAL's decoding too, so "1 thread" means one core (MPI ranks of one
// thread each share a machine as planned).
std::optional<tbb::global_control> limit_threads(int threads) {
  std::optional<tbb::global_control> limit;
  if (threads > 0) limit.emplace(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  return limit;
}

struct CoverageArgs {
  std::string scenario;
  std::string out;
  int threads = 0;
  bool summary_only = false;
  std::int64_t memory_mb = 2048;
  int tile_cells = 0;
};

// A DEM too large for the memory budget (or --tile-cells): the tiled run.
void run_tiled_coverage_cli(const CoverageArgs& a, const Scenario& scenario, const CoveragePlan& plan,
                            const std::string& command_line, Collective& world, int& exit_code) {
  auto text = read_file(a.scenario);
  auto run = describe_run(scenario, command_line);
  if (stopped(world, !text.ok() ? text.status() : run.status(), exit_code)) return;
  // GDAL decodes on every thread and caches an eighth of the budget while the tiles are read;
  // tiles reuse freed memory (core/memory.hpp).
  keep_freed_memory_for_reuse(a.memory_mb << 20);
  const int threads = a.threads ? a.threads : scenario.analysis.threads;
  const GdalReadSettings gdal_settings(threads > 0 ? threads : static_cast<int>(std::thread::hardware_concurrency()),
                                       (a.memory_mb << 20) / 8);
  // The ranks share the survey's tiles; every rank then places the same sites (same survey, same seed).
  auto prepared = prepare_scenario_tiled(scenario, plan.tile_cells, world.is_root(), &world);
  if (stopped(world, prepared.status(), exit_code)) return;
  CoverageRunSettings s;
  s.out_dir = a.out.empty() ? scenario.output_dir : fs::path(a.out);
  s.run = *run;
  s.title = fmt::format("{} ({} sites)", fs::path(a.scenario).filename().string(), prepared->sites.size());
  s.products = !a.summary_only;
  s.scenario_text = *text;
  s.threads = a.threads;
  s.collective = &world;
  auto result = tiled_coverage_command(*prepared, s, plan, a.memory_mb << 20);
  if (stopped(world, result.status(), exit_code) || !world.is_root()) return;
  say(fmt::format("{}\ntiled: {} tiles of {} cells\nwrote {}/summary.json, summary.csv{}\n", coverage_table(*result), plan.tiles,
             plan.tile_cells, s.out_dir.string(),
             a.summary_only ? "" : fmt::format(", rasters, maps; report: {}", (s.out_dir / "report.html").string())));
}

struct Planned {
  Scenario scenario;
  CoveragePlan plan;
};

// Plan the memory first: the grid's size decides between the whole-grid and the tiled run.
Result<Planned> plan_run(const std::string& path, int threads, std::int64_t memory_mb, int tile_cells, bool products,
                         int ranks) {
  SKYCOVER_ASSIGN_OR_RETURN(Scenario scenario, load_scenario(path));
  SKYCOVER_ASSIGN_OR_RETURN(const GridGeometry grid, scenario_grid(scenario));
  auto plan = plan_coverage(scenario, grid, memory_mb << 20, threads ? threads : scenario.analysis.threads,
                            tile_cells, products, ranks);
  if (!plan.ok()) return Status(plan.status().code(), fmt::format("{}: {}", path, plan.status().message()));
  return Planned{std::move(scenario), *plan};
}

void run_coverage_cli(const CoverageArgs& a, const std::string& command_line, Collective& world, int& exit_code) {
  auto planned = plan_run(a.scenario, a.threads, a.memory_mb, a.tile_cells, !a.summary_only, world.size());
  if (stopped(world, planned.status(), exit_code)) return;
  const auto limit = limit_threads(a.threads ? a.threads : planned->scenario.analysis.threads);
  if (!planned->plan.whole_grid)
    return run_tiled_coverage_cli(a, planned->scenario, planned->plan, command_line, world, exit_code);
  auto loaded = load_prepared(a.scenario, command_line);
  if (stopped(world, loaded.status(), exit_code)) return;
  CoverageRunSettings s;
  s.out_dir = a.out.empty() ? loaded->prepared.scenario.output_dir : fs::path(a.out);
  s.run = loaded->run;
  s.scenario_text = loaded->text;
  s.title = fmt::format("{} ({} sites)", fs::path(a.scenario).filename().string(), loaded->prepared.sites.size());
  s.products = !a.summary_only;
  s.threads = a.threads;
  s.collective = &world;
  s.tile_cells = planned->plan.tile_cells;
  auto out = coverage_command(loaded->prepared, s);
  if (stopped(world, out.status(), exit_code) || !world.is_root()) return;
  say(fmt::format("{}\nwrote {}/summary.json, summary.csv{}\n", coverage_table(out->result), s.out_dir.string(),
             a.summary_only ? "" : fmt::format(" and {} products; report: {}", out->products.files.size(),
                                                (s.out_dir / "report.html").string())));
}

struct SweepArgs {
  std::string scenario;
  std::string out;
  std::vector<int> counts;
  std::vector<std::string> hypotheses;
  int threads = 0;
  std::int64_t memory_mb = 2048;
  int tile_cells = 0;
};

void run_sweep_cli(const SweepArgs& a, const std::string& command_line, Collective& world, int& exit_code) {
  auto planned = plan_run(a.scenario, a.threads, a.memory_mb, a.tile_cells, false, world.size());
  if (stopped(world, planned.status(), exit_code)) return;
  const auto limit = limit_threads(a.threads ? a.threads : planned->scenario.analysis.threads);
  const bool tiled = !planned->plan.whole_grid;
  std::optional<Loaded> loaded;
  std::optional<TiledScenario> tiled_scenario;
  std::optional<GdalReadSettings> gdal_settings;
  if (tiled) {
    keep_freed_memory_for_reuse(a.memory_mb << 20);
    const int threads = a.threads ? a.threads : planned->scenario.analysis.threads;
    gdal_settings.emplace(threads > 0 ? threads : static_cast<int>(std::thread::hardware_concurrency()),
                          (a.memory_mb << 20) / 8);
    auto text = read_file(a.scenario);
    auto run = describe_run(planned->scenario, command_line);
    auto prepared = prepare_scenario_tiled(planned->scenario, planned->plan.tile_cells, world.is_root(), &world);
    if (stopped(world, !text.ok() ? text.status() : !run.ok() ? run.status() : prepared.status(), exit_code)) return;
    loaded = Loaded{PreparedScenario{}, *text, *run};
    loaded->prepared.scenario = planned->scenario;
    tiled_scenario = std::move(prepared).value();
  } else {
    auto whole = load_prepared(a.scenario, command_line);
    if (stopped(world, whole.status(), exit_code)) return;
    loaded = std::move(whole).value();
  }
  SweepRunSettings s;
  s.out_dir = a.out.empty() ? loaded->prepared.scenario.output_dir / "sweep" : fs::path(a.out);
  s.run = loaded->run;
  s.scenario_text = loaded->text;
  s.spec.counts = a.counts;
  s.threads = a.threads;
  s.collective = &world;
  s.tile_cells = planned->plan.tile_cells;
  for (const auto& h : a.hypotheses) {
    auto parsed = parse_hypothesis(h, "--hypotheses");
    if (stopped(world, parsed.status(), exit_code)) return;
    s.spec.hypotheses.push_back(*parsed);
  }
  auto rows = tiled ? sweep_command(*tiled_scenario, s) : sweep_command(loaded->prepared, s);
  if (stopped(world, rows.status(), exit_code) || !world.is_root()) return;
  say(fmt::format("{}\nvaried: the first [[deployments]] entry's hypothesis and count (seed kept)\nwrote {}/sweep.json, "
             "sweep.csv, charts; report: {}\n",
             sweep_table(*rows), s.out_dir.string(), (s.out_dir / "report.html").string()));
}

}  // namespace

void add_coverage_commands(CLI::App& app, int& exit_code, const std::string& command_line, Collective& world) {
  auto ca = std::make_shared<CoverageArgs>();
  auto* cov = app.add_subcommand("coverage", "Coverage per altitude band: summary, GeoTIFFs, polygons, maps, report");
  cov->add_option("SCENARIO", ca->scenario, "Scenario file (TOML)")->required();
  cov->add_option("--out", ca->out, "Output directory (default: the scenario's [output] dir)")->check(non_empty_path());
  cov->add_option("--threads", ca->threads, "Worker threads (0 = all cores; results identical for any value)")
      ->check(CLI::Range(0, 4096));
  cov->add_flag("--summary-only", ca->summary_only, "Write summary.json/csv and manifest.json only");
  cov->add_option("--memory-mb", ca->memory_mb,
                  "Memory budget in MB (default 2048): a DEM whose run does not fit is processed in tiles")
      ->check(CLI::Range(std::int64_t{64}, std::int64_t{16} << 20));
  cov->add_option("--tile-cells", ca->tile_cells,
                  "Force tiles of this many cells a side (default: from --memory-mb); results are identical")
      ->check(CLI::Range(16, 1 << 20));
  cov->callback([ca, command_line, &world, &exit_code] { run_coverage_cli(*ca, command_line, world, exit_code); });

  auto sa = std::make_shared<SweepArgs>();
  auto* sweep = app.add_subcommand(
      "sweep", "Coverage against site count: overrides the first deployment's hypothesis and count (seed kept)");
  sweep->add_option("SCENARIO", sa->scenario, "Scenario file (TOML)")->required();
  sweep->add_option("--counts", sa->counts, "Site counts, e.g. 50,500,5000 (at most 200 counts)")->required()
      ->delimiter(',')
      ->check(CLI::Range(0, 1000000))
      ->expected(1, 200);
  sweep->add_option("--hypotheses", sa->hypotheses, "uniform,clustered,high_ground (default: the deployment's own)")
      ->delimiter(',');
  sweep->add_option("--out", sa->out, "Output directory (default: <[output] dir>/sweep)")->check(non_empty_path());
  sweep->add_option("--threads", sa->threads, "Worker threads (0 = all cores)")->check(CLI::Range(0, 4096));
  sweep->add_option("--memory-mb", sa->memory_mb,
                    "Memory budget in MB (default 2048): a DEM whose run does not fit is processed in tiles")
      ->check(CLI::Range(std::int64_t{64}, std::int64_t{16} << 20));
  sweep->add_option("--tile-cells", sa->tile_cells, "Force tiles of this many cells a side; results are identical")
      ->check(CLI::Range(16, 1 << 20));
  sweep->callback([sa, command_line, &world, &exit_code] { run_sweep_cli(*sa, command_line, world, exit_code); });

  auto da = std::make_shared<DemoOptions>();
  auto dem = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>("skycover-demo");
  auto* demo = app.add_subcommand("demo", "Built-in scenario: the 5,000 Igla-S claim at equal density on real terrain");
  demo->add_option("--out", *out, "Output directory (default: skycover-demo)")->check(non_empty_path());
  demo->add_option("--dem", *dem, "Use this DEM (heights in feet) instead of the bundled Trinidad DEM");
  demo->add_flag("--smoke", da->smoke, "Small and fast variant (bundled crop, 300 m cells, short sweep)");
  demo->add_option("--threads", da->threads, "Worker threads (0 = all cores)")->check(CLI::Range(0, 4096));
  demo->callback([da, dem, out, command_line, &exit_code] {
    DemoOptions o = *da;
    o.out_dir = *out;
    if (!dem->empty()) o.dem = fs::path(*dem);
    o.command_line = command_line;
    const auto t0 = std::chrono::steady_clock::now();
    auto outcome = run_demo(o);
    if (!outcome.ok()) {
      exit_code = report(outcome.status());
      return;
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    say(fmt::format("{}\ndone in {:.1f} s; report: {}\n", demo_headline(*outcome), secs,
               fs::absolute(outcome->report).string()));
  });
}

}  // namespace skycover::cli
