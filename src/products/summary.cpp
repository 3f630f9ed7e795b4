#include "skycover/products/summary.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "skycover/core/atomic_file.hpp"

namespace skycover {

std::string band_tag(const AltitudeBand& band) {
  return fmt::format("{}_{:g}m", height_reference_name(band.reference), band.altitude_m);
}

std::string band_label(const AltitudeBand& band) {
  return fmt::format("{:g} m {}", band.altitude_m, band.reference == HeightReference::kAgl ? "AGL" : "MSL");
}

namespace {
nlohmann::json opt(const std::optional<double>& v) {
  return v && std::isfinite(*v) ? nlohmann::json(*v) : nlohmann::json(nullptr);
}
std::string csv_opt(const std::optional<double>& v) { return v ? fmt::format("{:.6f}", *v) : std::string(); }
std::string pct(const std::optional<double>& v) { return v ? fmt::format("{:.1f}%", *v * 100) : std::string("-"); }
}  // namespace

nlohmann::json band_json(const BandCoverage& b) {
  return {{"reference", height_reference_name(b.band.reference)},
          {"altitude_m", b.band.altitude_m},
          {"covered_km2", b.covered_km2},
          {"area_km2", b.area_km2},
          {"fraction", b.fraction},
          {"multiplicity", b.multiplicity},
          {"covered_km2_without_masking", opt(b.covered_km2_without_masking)},
          {"fraction_without_masking", opt(b.fraction_without_masking)},
          {"flat_expected_fraction", opt(b.flat_expected_fraction)},
          {"flat_same_sites_fraction", opt(b.flat_same_sites_fraction)},
          {"placement_loss_fraction", opt(b.placement_loss_fraction)},
          {"relief_envelope_loss_fraction", opt(b.relief_envelope_loss_fraction)},
          {"masking_loss_fraction", opt(b.masking_loss_fraction)},
          {"fraction_without_clutter", opt(b.fraction_without_clutter)},
          {"clutter_loss_fraction", opt(b.clutter_loss_fraction)},
          {"engageable_probability", opt(b.engageable_probability)}};
}

nlohmann::json coverage_json(const CoverageResult& r, const RunInfo& run) {
  nlohmann::json bands = nlohmann::json::array();
  for (const auto& b : r.bands) bands.push_back(band_json(b));
  return {{"bands", bands},
          {"sites", r.site_count},
          {"sites_in_area", r.sites_in_area},
          {"readiness", opt(r.readiness)},
          {"readiness_levels", r.readiness_levels},
          {"clutter", r.clutter},
          {"flat_ground_msl_m", opt(r.flat_ground_msl_m)},
          {"area_km2", r.area_km2},
          {"projection", r.projection ? nlohmann::json{{"crs", r.projection->crs_name},
                                                       {"max_distance_error_fraction", r.projection->max_distance_error},
                                                       {"max_area_error_fraction", r.projection->max_area_error}}
                                      : nlohmann::json()},
          {"scenario_sha256", run.scenario_sha256},
          {"version", run.version},
          {"seed", run.seed}};
}

std::string coverage_csv(const CoverageResult& r) {
  std::string out =
      "reference,altitude_m,area_km2,covered_km2,fraction,covered_km2_without_masking,fraction_without_masking,"
      "flat_expected_fraction,flat_same_sites_fraction,placement_loss_fraction,relief_envelope_loss_fraction,"
      "masking_loss_fraction,fraction_without_clutter,clutter_loss_fraction,sites,sites_in_area,multiplicity\n";
  for (const auto& b : r.bands) {
    out += fmt::format("{},{:g},{:.4f},{:.4f},{:.6f},{},{},{},{},{},{},{},{},{},{},{},{}\n",
                       height_reference_name(b.band.reference), b.band.altitude_m, b.area_km2, b.covered_km2, b.fraction,
                       b.covered_km2_without_masking ? fmt::format("{:.4f}", *b.covered_km2_without_masking) : "",
                       csv_opt(b.fraction_without_masking), csv_opt(b.flat_expected_fraction),
                       csv_opt(b.flat_same_sites_fraction), csv_opt(b.placement_loss_fraction),
                       csv_opt(b.relief_envelope_loss_fraction), csv_opt(b.masking_loss_fraction),
                       csv_opt(b.fraction_without_clutter), csv_opt(b.clutter_loss_fraction), r.site_count,
                       r.sites_in_area, fmt::join(b.multiplicity, ";"));
  }
  return out;
}

std::string coverage_table(const CoverageResult& r) {
  std::string out = fmt::format("{} sites ({} inside the area) over {:.1f} km2\n", r.site_count, r.sites_in_area,
                                r.area_km2);
  // Losses in percentage points: Poisson - result = placement + relief/envelope + masking.
  out += fmt::format("{:<12} {:>12} {:>8} {:>10} {:>10} {:>10} {:>9} {:>9} {:>9}  {}\n", "band", "covered km2",
                     "covered", "clear LOS", "flat same", "flat (th.)", "placemnt", "relief", "masking",
                     "cells by 0/1/2/3/4+ sites (%)");
  for (const auto& b : r.bands) {
    // Shares reached by exactly 0, 1, 2, 3 sites, then 4 or more.
    std::array<std::int64_t, 5> cells{};
    for (std::size_t k = 0; k < b.multiplicity.size(); ++k) cells[std::min<std::size_t>(k, 4)] += b.multiplicity[k];
    std::string mult;
    for (std::size_t k = 0; k < cells.size(); ++k)
      mult += fmt::format("{}{:.1f}", k ? "/" : "", 100.0 * cells[k] / std::max<std::int64_t>(1, b.area_cells));
    out += fmt::format("{:<12} {:>12.1f} {:>7.1f}% {:>10} {:>10} {:>10} {:>9} {:>9} {:>9}  {}\n", band_label(b.band),
                       b.covered_km2, b.fraction * 100, pct(b.fraction_without_masking), pct(b.flat_same_sites_fraction),
                       pct(b.flat_expected_fraction), pct(b.placement_loss_fraction),
                       pct(b.relief_envelope_loss_fraction), pct(b.masking_loss_fraction), mult);
  }
  if (r.projection)
    out += fmt::format("analysis CRS {}: distances within {:.3f} %, areas within {:.3f} % over the grid\n",
                       r.projection->crs_name, 100 * r.projection->max_distance_error, 100 * r.projection->max_area_error);
  if (r.flat_ground_msl_m)
    out += fmt::format("flat same = the same sites on flat ground at {:.0f} m (mean area elevation), clear line of "
                       "sight; flat (th.) = Poisson formula over the {} sites inside the area;\nlosses: placement = "
                       "flat (th.) - flat same, relief = flat same - clear LOS, masking = clear LOS - {}\n",
                       *r.flat_ground_msl_m, r.sites_in_area,
                       r.clutter ? "terrain alone (clutter: below)" : "covered");
  out += clutter_note(r);
  out += readiness_note(r);
  return out;
}

std::string clutter_note(const CoverageResult& r) {
  std::string bands;
  for (const auto& b : r.bands)
    if (b.clutter_loss_fraction && b.fraction_without_clutter)
      bands += fmt::format("{}{} {:.1f} points ({:.1f}% covered with terrain alone)", bands.empty() ? "" : ", ",
                           band_label(b.band), *b.clutter_loss_fraction * 100, *b.fraction_without_clutter * 100);
  if (bands.empty()) return r.clutter ? "clutter (trees, buildings) blocks lines of sight in these figures\n" : "";
  return fmt::format("clutter (trees, buildings) hides: {}\n", bands);
}

std::string readiness_note(const CoverageResult& r) {
  const bool mixed = r.readiness_levels.size() > 1;
  if (!mixed && (!r.readiness || *r.readiness >= 1.0)) return {};
  std::string bands;
  for (const auto& b : r.bands)
    if (b.engageable_probability)
      bands += fmt::format("{}{} {:.1f}% (all ready {:.1f}%)", bands.empty() ? "" : ", ", band_label(b.band),
                           *b.engageable_probability * 100, b.fraction * 100);
  if (mixed)
    return fmt::format("readiness differs between deployments ({:g}; share of sites manned and ready at a moment): mean "
                       "chance that a target over the area is engageable, 1 - prod (1 - a)^k over the sites in reach: "
                       "{}\n",
                       fmt::join(r.readiness_levels, ", "), bands);
  return fmt::format("readiness {:g} (share of sites manned and ready at a moment): mean chance that a target over the "
                     "area is engageable, 1 - (1 - a)^k with k sites in reach: {}\n",
                     *r.readiness, bands);
}

Status write_coverage_summary(const std::filesystem::path& dir, const CoverageResult& r, const RunInfo& run,
                              const nlohmann::json& extra) {
  nlohmann::json j = coverage_json(r, run);
  if (!extra.is_null()) j.update(extra);
  SKYCOVER_RETURN_IF_ERROR(write_file_atomic(dir / "summary.json", j.dump(2) + "\n"));
  return write_file_atomic(dir / "summary.csv", coverage_csv(r));
}

namespace {
nlohmann::json stats_json(const DrawStatistics& s) {
  return {{"mean", s.mean}, {"sd", s.sd}, {"ci95", {s.ci95_lo, s.ci95_hi}}};
}
std::string seeds_text(const std::vector<std::uint64_t>& seeds) {
  std::string out;
  for (std::size_t i = 0; i < seeds.size(); ++i) out += fmt::format("{}{}", i ? ";" : "", seeds[i]);
  return out;
}
}  // namespace

nlohmann::json band_draws_json(const BandDrawSummary& b) {
  nlohmann::json shares = nlohmann::json::array();
  for (std::size_t k = 0; k < b.multiplicity_share.size(); ++k) {
    nlohmann::json j = stats_json(b.multiplicity_share[k]);
    j["sites"] = k;
    shares.push_back(std::move(j));
  }
  return {{"reference", height_reference_name(b.band.reference)},
          {"altitude_m", b.band.altitude_m},
          {"fraction", stats_json(b.fraction)},
          {"multiplicity_share", std::move(shares)}};
}

nlohmann::json draws_json(const std::vector<PlacementDraw>& draws) {
  nlohmann::json bands = nlohmann::json::array();
  for (const BandDrawSummary& b : summarise_draws(draws)) bands.push_back(band_draws_json(b));
  nlohmann::json per_draw = nlohmann::json::array();
  for (const PlacementDraw& d : draws) {
    std::vector<double> fractions;
    for (const BandCoverage& b : d.coverage.bands) fractions.push_back(b.fraction);
    per_draw.push_back({{"draw", d.draw}, {"deployment_seeds", d.seeds}, {"fraction", fractions}});
  }
  return {{"count", draws.size()},
          {"seed_rule",
           "draw 0 is the scenario as written; draw d reseeds each uniform or clustered deployment with "
           "splitmix64(splitmix64(seed ^ 0x6472617773) ^ d); other deployments are the same in every draw"},
          {"interval", "95 % confidence interval of the mean: mean +- t(0.975, K - 1) sd / sqrt(K)"},
          {"bands", std::move(bands)},
          {"per_draw", std::move(per_draw)}};
}

std::string draws_csv(const std::vector<PlacementDraw>& draws) {
  std::size_t k_max = 0;
  for (const PlacementDraw& d : draws)
    for (const BandCoverage& b : d.coverage.bands) k_max = std::max(k_max, b.multiplicity.size());
  std::string out = "draw,deployment_seeds,reference,altitude_m,fraction";
  for (std::size_t k = 0; k < k_max; ++k) out += fmt::format(",share_{}_sites", k);
  out += "\n";
  for (const PlacementDraw& d : draws)
    for (const BandCoverage& b : d.coverage.bands) {
      out += fmt::format("{},{},{},{:g},{:.9f}", d.draw, seeds_text(d.seeds), height_reference_name(b.band.reference),
                         b.band.altitude_m, b.fraction);
      const double cells = static_cast<double>(std::max<std::int64_t>(1, b.area_cells));
      for (std::size_t k = 0; k < k_max; ++k)
        out += fmt::format(",{:.9f}", k < b.multiplicity.size() ? static_cast<double>(b.multiplicity[k]) / cells : 0.0);
      out += "\n";
    }
  return out;
}

std::vector<std::vector<std::string>> draws_table_rows(const std::vector<PlacementDraw>& draws) {
  std::vector<std::vector<std::string>> rows;
  for (const BandDrawSummary& b : summarise_draws(draws)) {
    double lo = 1e300, hi = -1e300;
    for (double f : b.fractions) lo = std::min(lo, f), hi = std::max(hi, f);
    rows.push_back({band_label(b.band), fmt::format("{:.2f}%", b.fraction.mean * 100),
                    fmt::format("{:.2f}", b.fraction.sd * 100),
                    fmt::format("{:.2f}% - {:.2f}%", b.fraction.ci95_lo * 100, b.fraction.ci95_hi * 100),
                    fmt::format("{:.2f}% - {:.2f}%", lo * 100, hi * 100),
                    b.multiplicity_share.empty() ? std::string("-")
                                                 : fmt::format("{:.2f}%", (1 - b.multiplicity_share[0].mean -
                                                                             (b.multiplicity_share.size() > 1
                                                                                  ? b.multiplicity_share[1].mean
                                                                                  : 0.0)) * 100)});
  }
  return rows;
}

std::string draws_table(const std::vector<PlacementDraw>& draws) {
  std::string out = fmt::format("placement draws: {} (mean, sd in points, 95 % CI of the mean, range over the draws)\n",
                                draws.size());
  out += fmt::format("{:<12} {:>8} {:>7} {:>19} {:>19} {:>9}\n", "band", "mean", "sd", "95% CI", "range", "2+ sites");
  for (const auto& r : draws_table_rows(draws))
    out += fmt::format("{:<12} {:>8} {:>7} {:>19} {:>19} {:>9}\n", r[0], r[1], r[2], r[3], r[4], r[5]);
  return out;
}

Status write_draws(const std::filesystem::path& dir, const std::vector<PlacementDraw>& draws) {
  return write_file_atomic(dir / "draws.csv", draws_csv(draws));
}

}  // namespace skycover
