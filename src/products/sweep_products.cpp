#include "skycover/products/sweep_products.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <string>

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

// "41.2%", or with draws "41.2% +-1.3" (the mean, and the half-width of its 95 % interval).
std::string share_text(const SweepRow& r, std::size_t b) {
  if (b < r.draws.size()) {
    const DrawStatistics& f = r.draws[b].fraction;
    return fmt::format("{:.1f}% +-{:.1f}", f.mean * 100, (f.ci95_hi - f.ci95_lo) / 2 * 100);
  }
  return fmt::format("{:.1f}%", r.coverage.bands[b].fraction * 100);
}

int draws_of(const std::vector<SweepRow>& rows) {
  for (const auto& r : rows)
    if (!r.draws.empty()) return static_cast<int>(r.draws.front().fractions.size());
  return 1;
}

std::string count_text(const CountBound& b) {
  switch (b.where) {
    case CountBound::Where::kBetween: return fmt::format("{:.0f}", b.count);
    case CountBound::Where::kAtOrBelowSmallest: return fmt::format("<= {:.0f}", b.count);
    case CountBound::Where::kBeyondLargest: break;
  }
  return fmt::format("> {:.0f}", b.count);
}

nlohmann::json count_json(const CountBound& b) {
  return b.where == CountBound::Where::kBetween ? nlohmann::json(b.count) : nlohmann::json(count_text(b));
}
}  // namespace

Result<CoverageTarget> parse_coverage_target(const std::string& text) {
  const auto bad = [&] {
    return Status::Invalid(fmt::format("'{}' is not a coverage target; write SHARE@BAND, e.g. 50%@agl_1000m (a share "
                                       "above 0 and up to 100 %, and a band as the output files name it)",
                                       text));
  };
  const auto at = text.find('@');
  if (at == std::string::npos || at == 0 || at + 1 == text.size()) return bad();
  std::string share = text.substr(0, at);
  const bool percent = share.back() == '%';
  if (percent) share.pop_back();
  double value = 0;
  try {
    std::size_t used = 0;
    value = std::stod(share, &used);
    if (used != share.size()) return bad();
  } catch (const std::exception&) {
    return bad();
  }
  if (percent) value /= 100;
  if (!(value > 0 && value <= 1)) return bad();
  return CoverageTarget{value, text.substr(at + 1)};
}

Result<std::size_t> target_band_index(const std::vector<AltitudeBand>& bands, const CoverageTarget& target) {
  for (std::size_t b = 0; b < bands.size(); ++b)
    if (band_tag(bands[b]) == target.band_tag) return b;
  std::string tags;
  for (const auto& band : bands) tags += (tags.empty() ? "" : ", ") + band_tag(band);
  return Status::Invalid(fmt::format("--reach {:g}%@{}: the scenario has no band '{}'; its bands are {}",
                                     target.fraction * 100, target.band_tag, target.band_tag, tags));
}

Result<SweepReadings> sweep_readings(const std::vector<SweepRow>& rows, const SweepPresentation& p) {
  SweepReadings out;
  if (rows.empty()) return out;
  out.with_draws = draws_of(rows) > 1;
  const auto& bands = rows.front().coverage.bands;
  std::vector<AltitudeBand> altitudes;
  for (const auto& bc : bands) altitudes.push_back(bc.band);
  std::vector<std::size_t> target_bands;
  for (const CoverageTarget& t : p.targets) {
    SKYCOVER_ASSIGN_OR_RETURN(const std::size_t b, target_band_index(altitudes, t));
    target_bands.push_back(b);
  }
  for (Hypothesis h : hypotheses_in(rows)) {
    if (p.reference_count && *p.reference_count > 0)
      for (std::size_t b = 0; b < bands.size(); ++b)
        out.at_count.push_back({h, bands[b].band, coverage_at_count(sweep_curve(rows, h, b), *p.reference_count)});
    for (std::size_t t = 0; t < p.targets.size(); ++t)
      out.for_coverage.push_back({h, bands[target_bands[t]].band,
                                  count_for_coverage(sweep_curve(rows, h, target_bands[t]), p.targets[t].fraction)});
  }
  return out;
}

std::vector<std::string> readings_text(const SweepReadings& r, const SweepPresentation& p) {
  std::vector<std::string> lines;
  for (const auto& a : r.at_count) {
    const std::string where = fmt::format("{} at {:.0f} sites ({}{}), {}", hypothesis_name(a.hypothesis),
                                          a.reading.count, p.reference_label.empty() ? "reference" : p.reference_label,
                                          a.reading.interpolated ? "; between swept counts, log-linear" : "",
                                          band_label(a.band));
    if (!a.reading.fraction) {
      lines.push_back(fmt::format("{}: outside the swept counts", where));
    } else if (r.with_draws) {
      const DrawStatistics& f = *a.reading.fraction;
      lines.push_back(fmt::format("{}: {:.1f}% ({:.1f}% to {:.1f}%)", where, f.mean * 100, f.ci95_lo * 100,
                                  f.ci95_hi * 100));
    } else {
      lines.push_back(fmt::format("{}: {:.1f}%", where, a.reading.fraction->mean * 100));
    }
  }
  for (const auto& c : r.for_coverage) {
    std::string line = fmt::format("{}: {:g}% of the area covered at {} from {} sites",
                                   hypothesis_name(c.hypothesis), c.reading.target_fraction * 100,
                                   band_label(c.band), count_text(c.reading.count));
    if (r.with_draws)
      line += fmt::format(" (95 % CI: {} to {})", count_text(c.reading.count_lo), count_text(c.reading.count_hi));
    lines.push_back(line);
  }
  return lines;
}

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
    if (!r.draws.empty()) {
      nlohmann::json draw_bands = nlohmann::json::array();
      for (const BandDrawSummary& b : r.draws) draw_bands.push_back(band_draws_json(b));
      j["draws"] = {{"count", r.draws.front().fractions.size()}, {"bands", std::move(draw_bands)}};
    }
    runs.push_back(j);
  }
  nlohmann::json out = {{"runs", runs},
                        {"varied", "first [[deployments]] entry: hypothesis and count overridden, seed kept"},
                        {"scenario_sha256", run.scenario_sha256},
                        {"version", run.version},
                        {"seed", run.seed}};
  if (p.equivalent_scale) out["equivalent_count_meaning"] = p.equivalent_label;
  if (draws_of(rows) > 1)
    out["draws"] = {{"count", draws_of(rows)},
                    {"seed_rule",
                     "draw 0 is each run as written; draw d applies the run's override, then reseeds each uniform "
                     "or clustered deployment with splitmix64(splitmix64(seed ^ 0x6472617773) ^ d)"},
                    {"interval", "95 % confidence interval of the mean: mean +- t(0.975, K - 1) sd / sqrt(K)"}};
  if (auto readings = sweep_readings(rows, p); readings.ok() && (!readings->at_count.empty() || !readings->for_coverage.empty())) {
    const auto stats = [](const DrawStatistics& f) {
      return nlohmann::json{{"mean", f.mean}, {"sd", f.sd}, {"ci95", {f.ci95_lo, f.ci95_hi}}};
    };
    nlohmann::json at = nlohmann::json::array(), reach = nlohmann::json::array();
    for (const auto& a : readings->at_count)
      at.push_back({{"hypothesis", hypothesis_name(a.hypothesis)},
                    {"reference", height_reference_name(a.band.reference)},
                    {"altitude_m", a.band.altitude_m},
                    {"count", a.reading.count},
                    {"interpolated", a.reading.interpolated},
                    {"fraction", a.reading.fraction ? stats(*a.reading.fraction) : nlohmann::json()}});
    for (const auto& c : readings->for_coverage)
      reach.push_back({{"hypothesis", hypothesis_name(c.hypothesis)},
                       {"reference", height_reference_name(c.band.reference)},
                       {"altitude_m", c.band.altitude_m},
                       {"target_fraction", c.reading.target_fraction},
                       {"count", count_json(c.reading.count)},
                       {"count_ci95", {count_json(c.reading.count_lo), count_json(c.reading.count_hi)}}});
    out["readings"] = {{"method", "read off the computed curves, linear in log(count) between swept counts; a "
                                  "count outside them is the text '<= smallest' or '> largest'"},
                       {"coverage_at_count", std::move(at)},
                       {"count_for_coverage", std::move(reach)}};
  }
  return out;
}

std::string sweep_csv(const std::vector<SweepRow>& rows, const SweepPresentation& p) {
  // fraction: draw 0 (the run as written); the draws' columns are empty without --draws.
  std::string out = "hypothesis,count,equivalent_count,sites,reference,altitude_m,area_km2,covered_km2,fraction,"
                    "fraction_without_masking,flat_expected_fraction,draws,fraction_mean,fraction_sd,"
                    "fraction_ci95_lo,fraction_ci95_hi\n";
  auto o = [](const std::optional<double>& v) { return v ? fmt::format("{:.6f}", *v) : std::string(); };
  for (const auto& r : rows)
    for (std::size_t i = 0; i < r.coverage.bands.size(); ++i) {
      const BandCoverage& b = r.coverage.bands[i];
      std::string draws = ",,,,";
      if (i < r.draws.size()) {
        const DrawStatistics& f = r.draws[i].fraction;
        draws = fmt::format("{},{:.6f},{:.6f},{:.6f},{:.6f}", r.draws[i].fractions.size(), f.mean, f.sd, f.ci95_lo,
                            f.ci95_hi);
      }
      out += fmt::format("{},{},{},{},{},{:g},{:.4f},{:.4f},{:.6f},{},{},{}\n", hypothesis_name(r.hypothesis), r.count,
                         equivalent(r, p), r.coverage.site_count, height_reference_name(b.band.reference),
                         b.band.altitude_m, b.area_km2, b.covered_km2, b.fraction, o(b.fraction_without_masking),
                         o(b.flat_expected_fraction), draws);
    }
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
    for (std::size_t b = 0; b < r.coverage.bands.size(); ++b) out += fmt::format(" {:>12}", share_text(r, b));
    out += "\n";
  }
  out += rows.front().coverage.clutter ? "(share of the area engaged by >= 1 site, with terrain and clutter masking"
                                       : "(share of the area engaged by >= 1 site, with terrain masking";
  if (draws_of(rows) > 1)
    out += fmt::format(": the mean of {} placement draws +- the half-width of its 95 % confidence interval", draws_of(rows));
  out += ")\n";
  if (auto readings = sweep_readings(rows, p); readings.ok())
    for (const std::string& line : readings_text(*readings, p)) out += line + "\n";
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
      if (b < r->draws.size()) {  // the draws' mean, inside its 95 % interval
        s.y.push_back(r->draws[b].fraction.mean);
        s.band_lo.push_back(r->draws[b].fraction.ci95_lo);
        s.band_hi.push_back(r->draws[b].fraction.ci95_hi);
      } else {
        s.y.push_back(r->coverage.bands[b].fraction);
      }
      flat.x.push_back(r->count);
      flat.y.push_back(r->coverage.bands[b].flat_expected_fraction.value_or(NAN));
    }
    c.series.push_back(s);
    c.series.push_back(flat);
  }
  if (draws_of(rows) > 1) c.title += fmt::format(" (mean of {} draws, shaded: 95 % CI)", draws_of(rows));
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

namespace {
// The readings of the curves as two tables: the share at the claimed count, and the counts for
// the stated coverages.
void add_readings(HtmlReport& report, const std::vector<SweepRow>& rows, const SweepPresentation& p) {
  auto readings = sweep_readings(rows, p);
  if (!readings.ok() || (readings->at_count.empty() && readings->for_coverage.empty())) return;
  report.heading("Reading the curves", 3);
  report.paragraph("Read off the computed curves, linearly in log(count) between swept counts (as the charts draw "
                   "them); outside the swept counts they say so instead of extrapolating. These are readings of the "
                   "curves, not a search for placements." +
                   std::string(readings->with_draws ? " In brackets: the same reading of the curves of the 95 % "
                                                      "confidence bounds."
                                                    : ""));
  const auto share = [&](const std::optional<DrawStatistics>& f) {
    if (!f) return std::string("outside the swept counts");
    return readings->with_draws
               ? fmt::format("{:.1f}% ({:.1f} to {:.1f})", f->mean * 100, f->ci95_lo * 100, f->ci95_hi * 100)
               : fmt::format("{:.1f}%", f->mean * 100);
  };
  if (!readings->at_count.empty()) {
    std::vector<std::string> header = {"hypothesis"};
    for (const auto& b : rows.front().coverage.bands) header.push_back(band_label(b.band));
    std::vector<std::vector<std::string>> table;
    for (const auto& a : readings->at_count) {
      if (table.empty() || table.back().front() != hypothesis_name(a.hypothesis))
        table.push_back({std::string(hypothesis_name(a.hypothesis))});
      table.back().push_back(share(a.reading.fraction));
    }
    report.table(header, table,
                 fmt::format("Share of the area covered at {:.0f} sites ({})", readings->at_count.front().reading.count,
                             p.reference_label.empty() ? "reference count" : p.reference_label));
  }
  if (!readings->for_coverage.empty()) {
    std::vector<std::vector<std::string>> table;
    for (const auto& c : readings->for_coverage) {
      std::vector<std::string> row = {std::string(hypothesis_name(c.hypothesis)),
                                      fmt::format("{:g}% at {}", c.reading.target_fraction * 100, band_label(c.band)),
                                      count_text(c.reading.count)};
      if (readings->with_draws) row.push_back(count_text(c.reading.count_lo) + " to " + count_text(c.reading.count_hi));
      table.push_back(std::move(row));
    }
    std::vector<std::string> header = {"hypothesis", "share of the area covered", "sites needed"};
    if (readings->with_draws) header.push_back("95 % interval");
    report.table(header, table, "Sites at which each curve first reaches the stated coverage");
  }
}
}  // namespace

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
    for (std::size_t b = 0; b < r.coverage.bands.size(); ++b) {
      const auto& flat = r.coverage.bands[b].flat_expected_fraction;
      row.push_back(flat ? fmt::format("{} (flat {:.1f}%)", share_text(r, b), *flat * 100) : share_text(r, b));
    }
    table.push_back(std::move(row));
  }
  const int draws = draws_of(rows);
  report.table(header, table,
               draws > 1 ? fmt::format("Share of the area engaged by at least one site: the mean of {} placement draws "
                                       "+- the half-width of its 95 % confidence interval (draw 0 is the run as "
                                       "written; the others reseed every random deployment)",
                                       draws)
                         : std::string("Share of the area engaged by at least one site"));
  add_readings(report, rows, p);
  for (const auto& c : files.charts_svg) report.image_svg(c.bytes, c.caption);
}

}  // namespace skycover
