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

// "the count at which `fraction` of the area is covered at the band tagged `band_tag`" (e.g.
// 0.5 and "agl_1000m", from `--reach 50%@agl_1000m`).
struct CoverageTarget {
  double fraction = 0;
  std::string band_tag;
};
// "50%@agl_1000m" -> {0.5, "agl_1000m"}; the error says the form.
Result<CoverageTarget> parse_coverage_target(const std::string& text);
// The index in `bands` of the target's band; an invalid-input error names it and lists the bands.
Result<std::size_t> target_band_index(const std::vector<AltitudeBand>& bands, const CoverageTarget& target);

struct SweepPresentation {
  // Optional vertical reference at this count (e.g. the claim's density), with its label.
  std::optional<double> reference_count;
  std::string reference_label;
  // Optional second count column: count * equivalent_scale (e.g. the same density over a country).
  std::optional<double> equivalent_scale;
  std::string equivalent_label;  // column title, e.g. "same density over 916,000 km2"
  // Readings of the curves (coverage/sweep.hpp): the coverage at reference_count, and the count at
  // which each target's band reaches its share of the area.
  std::vector<CoverageTarget> targets;
};

// Every reading the presentation asks for, per hypothesis and band: the coverage at
// reference_count (each band) and the count for each target. An error names a target whose band
// is not in the sweep, and the bands that are.
struct SweepReadings {
  struct AtCount {
    Hypothesis hypothesis;
    AltitudeBand band;
    CoverageAtCount reading;
  };
  struct ForCoverage {
    Hypothesis hypothesis;
    AltitudeBand band;
    CountForCoverage reading;
  };
  std::vector<AtCount> at_count;
  std::vector<ForCoverage> for_coverage;
  bool with_draws = false;
};
Result<SweepReadings> sweep_readings(const std::vector<SweepRow>& rows, const SweepPresentation& p);
// The readings as sentences (console and report), one per line; empty when none were asked for.
std::vector<std::string> readings_text(const SweepReadings& readings, const SweepPresentation& p);

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
