// `skycover coverage`, `skycover sweep` and `skycover demo`: thin wrappers over products/jobs and
// products/demo (the Python module runs the same jobs).
#include <chrono>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "commands.hpp"
#include "validators.hpp"
#include "skycover/products/coverage_run.hpp"
#include "skycover/products/jobs.hpp"
#include "skycover/products/demo.hpp"
#include "skycover/products/summary.hpp"

namespace skycover::cli {
namespace fs = std::filesystem;

namespace {

// A job's status agreed over the ranks (run_coverage_job and run_sweep_job agree every step):
// true when the run stopped; the error is printed once, by rank 0, and every rank exits with its code.
bool stopped(const Collective& world, const Status& agreed, int& exit_code) {
  if (agreed.ok()) return false;
  exit_code = world.is_root() ? report(agreed) : agreed.exit_code();
  return true;
}

struct CoverageArgs {
  std::string scenario;
  std::string out;
  int threads = 0;
  bool summary_only = false;
  bool exact_polygons = false;
  std::int64_t memory_mb = 2048;
  int tile_cells = 0;
  int draws = 1;
};

JobOptions job_options(const std::string& scenario, const std::string& out, int threads, std::int64_t memory_mb,
                       int tile_cells, const std::string& command_line, Collective& world) {
  return JobOptions{.scenario = scenario,
                    .out = out,
                    .threads = threads,
                    .memory_mb = memory_mb,
                    .tile_cells = tile_cells,
                    .command_line = command_line,
                    .show_progress = world.is_root(),  // one bar, rank 0's
                    .on_progress = {},
                    .collective = &world};
}

void run_coverage_cli(const CoverageArgs& a, const std::string& command_line, Collective& world, int& exit_code) {
  JobOptions job = job_options(a.scenario, a.out, a.threads, a.memory_mb, a.tile_cells, command_line, world);
  job.draws = a.draws;
  job.exact_polygons = a.exact_polygons;
  auto out = run_coverage_job(job, a.summary_only);
  if (stopped(world, out.status(), exit_code) || !world.is_root()) return;
  const std::string draws = out->draws.empty() ? std::string() : "\n" + draws_table(out->draws);
  const fs::path report_path = out->out_dir / "report.html";
  if (out->tiled) {
    say(fmt::format("{}{}\ntiled: {} tiles of {} cells\nwrote {}/summary.json, summary.csv{}\n",
                    coverage_table(out->result), draws, out->tiles, out->tile_cells, out->out_dir.string(),
                    a.summary_only ? "" : fmt::format(", rasters, maps; report: {}", report_path.string())));
    return;
  }
  say(fmt::format("{}{}\nwrote {}/summary.json, summary.csv{}\n", coverage_table(out->result), draws,
                  out->out_dir.string(),
                  a.summary_only ? "" : fmt::format(" and {} products; report: {}", out->product_files,
                                                     report_path.string())));
}

struct SweepArgs {
  std::string scenario;
  std::string out;
  std::vector<int> counts;
  std::vector<std::string> hypotheses;
  int threads = 0;
  std::int64_t memory_mb = 2048;
  int tile_cells = 0;
  int draws = 1;
  std::optional<double> claimed_count;
  std::vector<std::string> reach;
};

void run_sweep_cli(const SweepArgs& a, const std::string& command_line, Collective& world, int& exit_code) {
  std::vector<Hypothesis> hypotheses;
  for (const auto& h : a.hypotheses) {
    auto parsed = parse_hypothesis(h, "--hypotheses");
    if (stopped(world, parsed.status(), exit_code)) return;  // the same on every rank: no agreement needed
    hypotheses.push_back(*parsed);
  }
  JobOptions job = job_options(a.scenario, a.out, a.threads, a.memory_mb, a.tile_cells, command_line, world);
  job.draws = a.draws;
  job.claimed_count = a.claimed_count;
  for (const auto& r : a.reach) job.targets.push_back(*parse_coverage_target(r));  // checked at parsing
  auto out = run_sweep_job(job, a.counts, hypotheses);
  if (stopped(world, out.status(), exit_code) || !world.is_root()) return;
  say(fmt::format("{}\nvaried: the first [[deployments]] entry's hypothesis and count (seed kept)\nwrote {}/sweep.json, "
                  "sweep.csv, charts; report: {}\n",
                  sweep_table(out->rows, out->presentation), out->out_dir.string(),
                  (out->out_dir / "report.html").string()));
}

// --memory-mb and --tile-cells, the same for coverage and sweep.
void add_budget_options(CLI::App* command, std::int64_t& memory_mb, int& tile_cells) {
  command->add_option("--memory-mb", memory_mb,
                      "Memory budget in MB (default 2048): a DEM whose run does not fit is processed in tiles")
      ->check(CLI::Range(std::int64_t{64}, std::int64_t{16} << 20));
  command->add_option("--tile-cells", tile_cells,
                      "Force tiles of this many cells a side (default: from --memory-mb); results are identical")
      ->check(CLI::Range(16, 1 << 20));
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
  cov->add_option("--draws", ca->draws,
                  "Placement draws: place the random deployments this many times (seeds derived from the "
                  "scenario's) and report each band's mean, sd and 95 % CI (draws.csv, summary.json)")
      ->check(CLI::Range(1, 1000));
  cov->add_flag("--exact-polygons", ca->exact_polygons,
                "Tiled runs of grids over 2,048 cells a side: GeoPackage polygons at full resolution (from the "
                "multiplicity rasters; minutes per band at 1e9 cells) instead of from the preview");
  add_budget_options(cov, ca->memory_mb, ca->tile_cells);
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
  sweep->add_option("--draws", sa->draws,
                    "Placement draws per run (seeds derived from the scenario's): curves show the mean with its "
                    "95 % CI as a band, and the tables mean +- half-width")
      ->check(CLI::Range(1, 1000));
  sweep->add_option("--claimed-count", sa->claimed_count,
                    "Read every curve at this count (e.g. a claimed inventory, scaled to the area), drawn as a line")
      ->check(CLI::PositiveNumber);
  sweep->add_option("--reach", sa->reach,
                    "SHARE@BAND, e.g. 50%@agl_1000m: read the count at which the curve reaches that share of the "
                    "area (repeatable)")
      ->check(CLI::Validator(
          [](std::string& text) {
            auto target = parse_coverage_target(text);
            return target.ok() ? std::string() : target.status().message();
          },
          "SHARE@BAND"));
  sweep->add_option("--out", sa->out, "Output directory (default: <[output] dir>/sweep)")->check(non_empty_path());
  sweep->add_option("--threads", sa->threads, "Worker threads (0 = all cores)")->check(CLI::Range(0, 4096));
  add_budget_options(sweep, sa->memory_mb, sa->tile_cells);
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
