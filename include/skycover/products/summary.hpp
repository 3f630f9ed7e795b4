// Coverage summaries: summary.json / summary.csv and the table printed on stdout.
#pragma once
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "skycover/core/status.hpp"
#include "skycover/coverage/coverage.hpp"
#include "skycover/coverage/draws.hpp"
#include "skycover/products/manifest.hpp"

namespace skycover {

// "agl_50m", "msl_2000m": used in product file names.
std::string band_tag(const AltitudeBand& band);
// "50 m AGL".
std::string band_label(const AltitudeBand& band);

// {"bands": [{"reference", "altitude_m", "covered_km2", "area_km2", "fraction", "multiplicity",
//   "covered_km2_without_masking", "fraction_without_masking", "flat_expected_fraction",
//   "flat_same_sites_fraction", "placement_loss_fraction", "relief_envelope_loss_fraction",
//   "masking_loss_fraction", "fraction_without_clutter", "clutter_loss_fraction",
//   "engageable_probability"}], "sites", "sites_in_area", "readiness", "readiness_levels", "clutter" (bool),
//   "flat_ground_msl_m", "area_km2", "projection",
//   "scenario_sha256", "version", "seed"}; absent optional values are null. Fractions are shares
//   of the area (0..1); see coverage.hpp for the loss decomposition.
nlohmann::json coverage_json(const CoverageResult& result, const RunInfo& run);
nlohmann::json band_json(const BandCoverage& band);
// One row per band; multiplicity as "n0;n1;n2;...".
std::string coverage_csv(const CoverageResult& result);
// Human-readable fixed-width table.
std::string coverage_table(const CoverageResult& result);
// With a common readiness below 1: one line giving each band's mean engageable probability next to
// the all-ready share; empty otherwise.
std::string readiness_note(const CoverageResult& result);
// With clutter: one line giving each band's clutter masking loss and its share covered with the
// terrain alone; empty without clutter.
std::string clutter_note(const CoverageResult& result);

// Placement draws (coverage/draws.hpp): {"count", "seed_rule", "bands": [{"reference",
// "altitude_m", "fraction": {"mean", "sd", "ci95"}, "multiplicity_share": [{"sites", "mean", "sd",
// "ci95"}]}], "per_draw": [{"draw", "deployment_seeds", "fraction": [per band]}]}.
nlohmann::json draws_json(const std::vector<PlacementDraw>& draws);
// One band's statistics over the draws: {"reference", "altitude_m", "fraction": {"mean", "sd",
// "ci95"}, "multiplicity_share": [...]} (also a sweep row's).
nlohmann::json band_draws_json(const BandDrawSummary& band);
// One row per draw and band: draw,deployment_seeds,reference,altitude_m,fraction,share_0,share_1,...
std::string draws_csv(const std::vector<PlacementDraw>& draws);
// The statistics as a fixed-width table (console), and as rows for the report's table.
std::string draws_table(const std::vector<PlacementDraw>& draws);
std::vector<std::vector<std::string>> draws_table_rows(const std::vector<PlacementDraw>& draws);
// With draws (more than one): summary.json gets "draws" and DIR/draws.csv is written.
Status write_draws(const std::filesystem::path& dir, const std::vector<PlacementDraw>& draws);

// DIR/summary.json and DIR/summary.csv, atomically.
Status write_coverage_summary(const std::filesystem::path& dir, const CoverageResult& result, const RunInfo& run,
                              const nlohmann::json& extra = {});

}  // namespace skycover
