// The one compute-and-write path shared by `skycover coverage`, `skycover sweep` and `skycover demo`.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "skycover/coverage/coverage.hpp"
#include "skycover/coverage/sweep.hpp"
#include "skycover/products/coverage_products.hpp"
#include "skycover/products/manifest.hpp"
#include "skycover/products/sweep_products.hpp"

namespace skycover {

// compute_coverage with a progress bar (TTY only) labelled `label`.
Result<CoverageResult> compute_coverage_with_progress(const CoverageInputs& inputs, CoverageOptions options,
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
};

struct CoverageRunOutput {
  CoverageResult result;
  CoverageProductFiles products;
};

// Coverage of `sites` on the prepared terrain/area; writes summary.json/csv and (if products) all
// coverage products into settings.out_dir. Does not write the report or the manifest.
Result<CoverageRunOutput> run_coverage(const PreparedScenario& prepared, const std::vector<Site>& sites,
                                       const CoverageRunSettings& settings);

// `skycover coverage`: run_coverage + report.html + manifest.json.
Result<CoverageRunOutput> coverage_command(const PreparedScenario& prepared, const CoverageRunSettings& settings);

struct SweepRunSettings {
  std::filesystem::path out_dir;
  RunInfo run;
  std::string scenario_text;
  SweepSpec spec;
  SweepPresentation presentation;
  bool show_progress = true;
  int threads = 0;
};

// Runs the sweep and writes its products into out_dir (no report/manifest).
Result<std::vector<SweepRow>> run_sweep_products(const PreparedScenario& prepared, const SweepRunSettings& settings,
                                                 SweepProductFiles* files);
// `skycover sweep`: run_sweep_products + report.html + manifest.json.
Result<std::vector<SweepRow>> sweep_command(const PreparedScenario& prepared, const SweepRunSettings& settings);

}  // namespace skycover
