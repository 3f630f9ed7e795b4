// Sweep products: sweep.json / sweep.csv, the stdout table, and per hypothesis a chart of coverage
// per band against site count (log x) with the flat-ground Poisson expectation for reference.
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "skycover/coverage/sweep.hpp"
#include "skycover/products/coverage_products.hpp"
#include "skycover/render/html_report.hpp"
#include "skycover/products/manifest.hpp"
#include "skycover/render/plot.hpp"

namespace skycover {

struct SweepPresentation {
  // Optional vertical reference at this count (e.g. the claim's density), with its label.
  std::optional<double> reference_count;
  std::string reference_label;
  // Optional second count column: count * equivalent_scale (e.g. the same density over a country).
  std::optional<double> equivalent_scale;
  std::string equivalent_label;  // column title, e.g. "same density over 916,000 km2"
};

nlohmann::json sweep_json(const std::vector<SweepRow>& rows, const RunInfo& run, const SweepPresentation& p = {});
std::string sweep_csv(const std::vector<SweepRow>& rows, const SweepPresentation& p = {});
std::string sweep_table(const std::vector<SweepRow>& rows, const SweepPresentation& p = {});
plot::LineChart sweep_chart(const std::vector<SweepRow>& rows, Hypothesis hypothesis, const SweepPresentation& p = {});

struct SweepProductFiles {
  std::vector<std::filesystem::path> files;
  std::vector<RenderedImage> charts_svg;  // one per hypothesis
};

// DIR/sweep.json, sweep.csv, sweep_<hypothesis>.png/.svg.
Result<SweepProductFiles> write_sweep_products(const std::filesystem::path& dir, const std::vector<SweepRow>& rows,
                                               const RunInfo& run, const SweepPresentation& p = {});
void add_sweep_section(HtmlReport& report, const std::vector<SweepRow>& rows, const SweepProductFiles& files,
                       const SweepPresentation& p = {});

}  // namespace skycover
