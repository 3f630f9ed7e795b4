#include "skycover/products/coverage_run.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <thread>

#include "skycover/grid/tiling.hpp"

#include "skycover/core/atomic_file.hpp"
#include "skycover/core/progress.hpp"
#include "skycover/products/output_dir.hpp"
#include "skycover/products/summary.hpp"

namespace skycover {

Result<CoverageResult> compute_coverage_with_progress(const CoverageInputs& inputs, CoverageOptions options,
                                                      const std::string& label, bool show_progress) {
  const auto runs = options.split_masking ? 3 : 1;  // real, clear line of sight, flat ground
  Progress progress(label, static_cast<std::int64_t>(inputs.sites.size()) * runs, show_progress);
  std::atomic<std::int64_t> last{0};
  options.on_progress = [&](std::int64_t done, std::int64_t total) {
    progress.set_total(total);
    // Callbacks report a running total, possibly out of order across worker threads: advance only
    // by what raises the maximum seen so far.
    std::int64_t prev = last.load();
    while (done > prev && !last.compare_exchange_weak(prev, done)) {
    }
    if (done > prev) progress.advance(done - prev);
  };
  auto r = compute_coverage(inputs, options);
  progress.finish();
  return r;
}

Result<CoverageRunOutput> run_coverage(const PreparedScenario& p, const std::vector<Site>& sites,
                                       const CoverageRunSettings& s) {
  CoverageOptions opt;
  opt.threads = s.threads ? s.threads : p.scenario.analysis.threads;
  opt.keep_union = s.products;
  const CoverageInputs in{p.terrain, p.area, sites, p.scenario.systems, analysis_bands(p.scenario.analysis),
                          analysis_visibility(p.scenario.analysis)};
  CoverageRunOutput out;
  SKYCOVER_ASSIGN_OR_RETURN(out.result, compute_coverage_with_progress(in, opt, "coverage " + s.title, s.show_progress));
  SKYCOVER_RETURN_IF_ERROR(write_coverage_summary(s.out_dir, out.result, s.run));
  if (s.products) {
    CoverageProductInputs pin{p.terrain, p.area, sites, out.result, s.title, s.hillshade, s.landmarks};
    SKYCOVER_ASSIGN_OR_RETURN(out.products, write_coverage_products(pin, s.out_dir));
    out.result.engagement.reset();  // large; products are written
  }
  return out;
}

namespace {

// The report of a scenario command: opening line, `body`, the claim-check explanation and the
// provenance, written atomically as report.html in dir.
template <class Body>
Status write_scenario_report(const std::filesystem::path& dir, const std::string& title, const PreparedScenario& p,
                             const RunInfo& run, const std::string& scenario_text, Body&& body) {
  HtmlReport report(title);
  report.paragraph(fmt::format("Scenario {} on {}.", p.scenario.path.string(), run.terrain_description));
  body(report);
  add_claim_check_explanation(report);
  add_provenance_section(report, run, scenario_text);
  return write_file_atomic(dir / "report.html", report.html());
}

}  // namespace

Result<CoverageRunOutput> coverage_command(const PreparedScenario& p, const CoverageRunSettings& settings) {
  // Staged: a failure leaves no partial new folder (see output_dir.hpp).
  SKYCOVER_ASSIGN_OR_RETURN(auto dir, StagedOutputDir::open(settings.out_dir));
  CoverageRunSettings s = settings;
  s.out_dir = dir.path();
  SKYCOVER_ASSIGN_OR_RETURN(auto out, run_coverage(p, p.sites, s));
  if (s.products) {
    SKYCOVER_RETURN_IF_ERROR(write_scenario_report(
        s.out_dir, fmt::format("skycover coverage: {}", s.title), p, s.run, s.scenario_text,
        [&](HtmlReport& report) { add_coverage_section(report, out.result, out.products, "Coverage per altitude band"); }));
  }
  SKYCOVER_RETURN_IF_ERROR(write_manifest(s.out_dir, s.run));
  SKYCOVER_RETURN_IF_ERROR(dir.commit());
  return out;
}

Result<CoveragePlan> plan_coverage(const Scenario& scenario, const GridGeometry& g, std::int64_t budget_bytes,
                                   int threads, int forced_tile_cells) {
  int radius = 0;
  for (const auto& d : scenario.deployments)
    if (d.system_index >= 0 && d.system_index < static_cast<int>(scenario.systems.size()))
      radius = std::max(radius, range_radius_cells(scenario.systems[d.system_index], g.cell_size_m));
  const std::size_t n_bands = analysis_bands(scenario.analysis).size();
  const int n_threads = threads > 0 ? threads : static_cast<int>(std::thread::hardware_concurrency());
  const TileCost cost = coverage_tile_cost(n_bands, radius, n_threads);
  CoveragePlan plan;
  // The whole-grid run holds the terrain and area mask (5 B/cell), the assembled union for the
  // products (4 + 2 per band) and their transient whole-grid rasters (~8 B/cell), on top of one
  // tile over the grid.
  const std::int64_t cells = g.cell_count();
  plan.whole_grid_bytes = cost.bytes(std::max(g.width, g.height), 2 * radius) +
                          cells * (5 + 4 + 2 * static_cast<std::int64_t>(n_bands) + 8);
  if (forced_tile_cells > 0) {
    plan.tile_cells = forced_tile_cells;
  } else {
    SKYCOVER_ASSIGN_OR_RETURN(plan.tile_cells, tile_side_for_budget(cost, g.width, g.height, 2 * radius, budget_bytes));
  }
  const TilePlan tiles = make_tile_plan(g.width, g.height, plan.tile_cells, 2 * radius);
  plan.tile_cells = tiles.tile_cells;
  plan.tiles = tiles.tile_count();
  plan.whole_grid = forced_tile_cells <= 0 && plan.tiles == 1 && plan.whole_grid_bytes <= budget_bytes;
  return plan;
}

namespace {

// Peak resident memory of this process so far (Linux VmHWM), in MB; 0 where unknown.
double peak_rss_mb() {
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    if (key == "VmHWM:") {
      double kb = 0;
      status >> kb;
      return kb / 1024.0;
    }
    std::getline(status, key);
  }
  return 0;
}

}  // namespace

Result<CoverageResult> tiled_coverage_command(const TiledScenario& p, const CoverageRunSettings& settings,
                                              const CoveragePlan& plan, std::int64_t budget_bytes) {
  const auto t0 = std::chrono::steady_clock::now();
  auto round1 = [](double s) { return std::round(s * 10) / 10; };
  SKYCOVER_ASSIGN_OR_RETURN(auto dir, StagedOutputDir::open(settings.out_dir));
  CoverageOptions opt;
  opt.threads = settings.threads ? settings.threads : p.scenario.analysis.threads;
  opt.tile_cells = plan.tile_cells;
  const TiledCoverageInputs in{*p.terrain, p.area, p.sites, p.scenario.systems, analysis_bands(p.scenario.analysis),
                               analysis_visibility(p.scenario.analysis), p.survey.elevation.mean_m()};
  Progress progress("coverage " + settings.title, 1, settings.show_progress);
  std::atomic<std::int64_t> last{0};
  opt.on_progress = [&](std::int64_t done, std::int64_t total) {
    progress.set_total(total);
    std::int64_t prev = last.load();
    while (done > prev && !last.compare_exchange_weak(prev, done)) {
    }
    if (done > prev) progress.advance(done - prev);
  };
  SKYCOVER_ASSIGN_OR_RETURN(CoverageResult result, compute_coverage(in, opt));
  progress.finish();
  SKYCOVER_RETURN_IF_ERROR(write_coverage_summary(dir.path(), result, settings.run));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  nlohmann::json extra;
  extra["tiling"] = {{"tile_cells", plan.tile_cells},
                     {"tiles", plan.tiles},
                     {"grid_width_cells", p.terrain->geometry().width},
                     {"grid_height_cells", p.terrain->geometry().height},
                     {"memory_budget_mb", budget_bytes >> 20},
                     {"peak_rss_mb", std::round(peak_rss_mb())},
                     {"compute_seconds", round1(seconds)},
                     {"phase_seconds",
                      {{"survey", round1(p.survey_s)},
                       {"placement", round1(p.placement_s)},
                       {"tile_reads", round1(result.phases.read_s)},
                       {"masked_union", round1(result.phases.masked_s)},
                       {"clear_union", round1(result.phases.clear_s)},
                       {"flat_union", round1(result.phases.flat_s)}}}};
  SKYCOVER_RETURN_IF_ERROR(write_manifest(dir.path(), settings.run, extra));
  SKYCOVER_RETURN_IF_ERROR(dir.commit());
  return result;
}

Result<std::vector<SweepRow>> run_sweep_products(const PreparedScenario& p, const SweepRunSettings& s,
                                                 SweepProductFiles* files) {
  std::size_t hyps = s.spec.hypotheses.empty() ? 1 : s.spec.hypotheses.size();
  Progress progress("sweep", static_cast<std::int64_t>(hyps * s.spec.counts.size()), s.show_progress);
  CoverageOptions opt;
  opt.threads = s.threads;
  SKYCOVER_ASSIGN_OR_RETURN(auto rows, run_sweep(p, s.spec, opt, &progress));
  progress.finish();
  SKYCOVER_ASSIGN_OR_RETURN(auto written, write_sweep_products(s.out_dir, rows, s.run, s.presentation));
  if (files) *files = std::move(written);
  return rows;
}

Result<std::vector<SweepRow>> sweep_command(const PreparedScenario& p, const SweepRunSettings& settings) {
  SKYCOVER_ASSIGN_OR_RETURN(auto dir, StagedOutputDir::open(settings.out_dir));
  SweepRunSettings s = settings;
  s.out_dir = dir.path();
  SweepProductFiles files;
  SKYCOVER_ASSIGN_OR_RETURN(auto rows, run_sweep_products(p, s, &files));
  SKYCOVER_RETURN_IF_ERROR(write_scenario_report(s.out_dir, "skycover sweep", p, s.run, s.scenario_text,
                                                [&](HtmlReport& report) { add_sweep_section(report, rows, files, s.presentation); }));
  SKYCOVER_RETURN_IF_ERROR(write_manifest(s.out_dir, s.run));
  SKYCOVER_RETURN_IF_ERROR(dir.commit());
  return rows;
}

}  // namespace skycover
