#include "skycover/products/sweep_products.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "skycover/core/atomic_file.hpp"
#include "skycover/products/summary.hpp"

namespace skycover {
namespace fs = std::filesystem;

namespace {
std::vector<Hypothesis> hypotheses_in(const std::vector<SweepRow>& rows) {
  std::vector<Hypothesis> out;
  for (const auto& r : rows)
    if (std::find(out.begin(), out.end(), r.hypothesis) == out.end()) out.push_back(r.hypothesis);
  return out;
}

std::string equivalent(const SweepRow& r, const SweepPresentation& p) {
  return p.equivalent_scale ? fmt::format("{:.0f}", r.count * *p.equivalent_scale) : std::string();
}
}  // namespace

nlohmann::json sweep_json(const std::vector<SweepRow>& rows, const RunInfo& run, const SweepPresentation& p) {
  nlohmann::json runs = nlohmann::json::array();
  for (const auto& r : rows) {
    nlohmann::json bands = nlohmann::json::array();
    for (const auto& b : r.coverage.bands) bands.push_back(band_json(b));
    nlohmann::json j = {{"hypothesis", hypothesis_name(r.hypothesis)},
                        {"count", r.count},
                        {"sites", r.coverage.site_count},
                        {"area_km2", r.coverage.area_km2},
                        {"bands", bands}};
    if (p.equivalent_scale) j["equivalent_count"] = r.count * *p.equivalent_scale;
    runs.push_back(j);
  }
  nlohmann::json out = {{"runs", runs},
                        {"varied", "first [[deployments]] entry: hypothesis and count overridden, seed kept"},
                        {"scenario_sha256", run.scenario_sha256},
                        {"version", run.version},
                        {"seed", run.seed}};
  if (p.equivalent_scale) out["equivalent_count_meaning"] = p.equivalent_label;
  return out;
}

std::string sweep_csv(const std::vector<SweepRow>& rows, const SweepPresentation& p) {
  std::string out = "hypothesis,count,equivalent_count,sites,reference,altitude_m,area_km2,covered_km2,fraction,"
                    "fraction_without_masking,flat_expected_fraction\n";
  auto o = [](const std::optional<double>& v) { return v ? fmt::format("{:.6f}", *v) : std::string(); };
  for (const auto& r : rows)
    for (const auto& b : r.coverage.bands)
      out += fmt::format("{},{},{},{},{},{:g},{:.4f},{:.4f},{:.6f},{},{}\n", hypothesis_name(r.hypothesis), r.count,
                         equivalent(r, p), r.coverage.site_count, height_reference_name(b.band.reference),
                         b.band.altitude_m, b.area_km2, b.covered_km2, b.fraction, o(b.fraction_without_masking),
                         o(b.flat_expected_fraction));
  return out;
}

std::string sweep_table(const std::vector<SweepRow>& rows, const SweepPresentation& p) {
  if (rows.empty()) return "no runs\n";
  std::string out = fmt::format("{:<12} {:>7}{} {:>6}", "hypothesis", "count", p.equivalent_scale ? "  equiv." : "", "sites");
  for (const auto& b : rows.front().coverage.bands) out += fmt::format(" {:>12}", band_label(b.band));
  out += "\n";
  for (const auto& r : rows) {
    out += fmt::format("{:<12} {:>7}{} {:>6}", hypothesis_name(r.hypothesis), r.count,
                       p.equivalent_scale ? fmt::format(" {:>7}", equivalent(r, p)) : "", r.coverage.site_count);
    for (const auto& b : r.coverage.bands) {
      out += fmt::format(" {:>12}", fmt::format("{:.1f}%", b.fraction * 100));
    }
    out += "\n";
  }
  out += "(share of the area engaged by >= 1 site, with terrain masking)\n";
  return out;
}

plot::LineChart sweep_chart(const std::vector<SweepRow>& rows, Hypothesis h, const SweepPresentation& p) {
  plot::LineChart c;
  c.title = fmt::format("Coverage against site count: {}", hypothesis_name(h));
  c.x_label = "sites (first deployment, log scale)";
  c.y_label = "share of the area engaged by >= 1 site";
  c.log_x = true;
  c.y_percent = true;
  c.y_range = std::make_pair(0.0, 1.0);
  std::vector<const SweepRow*> mine;
  for (const auto& r : rows)
    if (r.hypothesis == h && r.count > 0) mine.push_back(&r);
  if (mine.empty()) return c;
  const auto& bands = mine.front()->coverage.bands;
  for (std::size_t b = 0; b < bands.size(); ++b) {
    plot::LineSeries s, flat;
    s.name = band_label(bands[b].band);
    flat.name = "";  // one grey legend entry below stands for every dashed curve
    s.color = flat.color = plot::palette_color(static_cast<int>(b));
    flat.dashed = true;
    flat.markers = false;
    for (const SweepRow* r : mine) {
      s.x.push_back(r->count);
      s.y.push_back(r->coverage.bands[b].fraction);
      flat.x.push_back(r->count);
      flat.y.push_back(r->coverage.bands[b].flat_expected_fraction.value_or(NAN));
    }
    c.series.push_back(s);
    c.series.push_back(flat);
  }
  plot::LineSeries flat_key;
  flat_key.name = "dashed: flat ground, Poisson";
  flat_key.color = plot::Rgb{0.55, 0.55, 0.55};
  c.series.push_back(flat_key);
  if (p.reference_count && *p.reference_count > 0) {
    plot::LineSeries ref;
    ref.name = p.reference_label;
    ref.x = {*p.reference_count, *p.reference_count};
    ref.y = {0.0, 1.0};
    ref.color = plot::Rgb{0.35, 0.35, 0.35};
    ref.dashed = true;
    ref.markers = false;
    c.series.push_back(ref);
  }
  return c;
}

Result<SweepProductFiles> write_sweep_products(const fs::path& dir, const std::vector<SweepRow>& rows,
                                               const RunInfo& run, const SweepPresentation& p) {
  SweepProductFiles out;
  SKYCOVER_RETURN_IF_ERROR(write_file_atomic(dir / "sweep.json", sweep_json(rows, run, p).dump(2) + "\n"));
  SKYCOVER_RETURN_IF_ERROR(write_file_atomic(dir / "sweep.csv", sweep_csv(rows, p)));
  out.files = {"sweep.json", "sweep.csv"};
  for (Hypothesis h : hypotheses_in(rows)) {
    const auto chart = sweep_chart(rows, h, p);
    const std::string stem = fmt::format("sweep_{}", hypothesis_name(h));
    SKYCOVER_RETURN_IF_ERROR(plot::write_chart(chart, dir / (stem + ".png")));
    SKYCOVER_ASSIGN_OR_RETURN(std::string svg, plot::render(chart, plot::ImageFormat::kSvg));
    SKYCOVER_RETURN_IF_ERROR(write_file_atomic(dir / (stem + ".svg"), svg));
    out.files.push_back(stem + ".png");
    out.files.push_back(stem + ".svg");
    out.charts_svg.push_back({chart.title, std::move(svg)});
  }
  return out;
}

void add_sweep_section(HtmlReport& report, const std::vector<SweepRow>& rows, const SweepProductFiles& files,
                       const SweepPresentation& p) {
  report.heading("Coverage against the number of sites", 2);
  report.paragraph(
      "Each run overrides the first deployment's hypothesis and count (seed kept) and recomputes coverage per band. "
      "Dashed lines: the flat-ground Poisson expectation for the same sites.");
  std::vector<std::string> header = {"hypothesis", "count"};
  if (p.equivalent_scale) header.push_back(p.equivalent_label);
  header.push_back("sites");
  if (!rows.empty())
    for (const auto& b : rows.front().coverage.bands) header.push_back(band_label(b.band));
  std::vector<std::vector<std::string>> table;
  for (const auto& r : rows) {
    std::vector<std::string> row = {std::string(hypothesis_name(r.hypothesis)), fmt::format("{}", r.count)};
    if (p.equivalent_scale) row.push_back(equivalent(r, p));
    row.push_back(fmt::format("{}", r.coverage.site_count));
    for (const auto& b : r.coverage.bands)
      row.push_back(b.flat_expected_fraction
                        ? fmt::format("{:.1f}% (flat {:.1f}%)", b.fraction * 100, *b.flat_expected_fraction * 100)
                        : fmt::format("{:.1f}%", b.fraction * 100));
    table.push_back(std::move(row));
  }
  report.table(header, table, "Share of the area engaged by at least one site");
  for (const auto& c : files.charts_svg) report.image_svg(c.bytes, c.caption);
}

}  // namespace skycover
