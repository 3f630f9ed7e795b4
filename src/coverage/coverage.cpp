#include "skycover/coverage/coverage.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numbers>

namespace skycover {

const char* height_reference_name(HeightReference reference) {
  return reference == HeightReference::kAgl ? "agl" : "msl";
}

std::vector<AltitudeBand> analysis_bands(const AnalysisSpec& analysis) {
  std::vector<AltitudeBand> bands;
  for (double h : analysis.bands_agl_m) bands.push_back({HeightReference::kAgl, h});
  for (double h : analysis.bands_msl_m) bands.push_back({HeightReference::kMsl, h});
  return bands;
}

VisibilityModel analysis_visibility(const AnalysisSpec& analysis) {
  VisibilityModel m;
  m.refraction_k = analysis.refraction_k;
  return m;
}

BandCoverage summarize_band(const EngagementUnion& u, std::size_t band_index, const AreaMask& area) {
  BandCoverage b;
  b.band = u.bands.at(band_index);
  const auto& counts = u.site_count.at(band_index);
  std::vector<std::int64_t> hist(1, 0);
  for (std::size_t i = 0; i < counts.size(); ++i) {
    if (!area.inside[i]) continue;
    const std::size_t k = counts[i];
    if (k >= hist.size()) hist.resize(k + 1, 0);
    ++hist[k];
  }
  for (std::int64_t n : hist) b.area_cells += n;
  b.covered_cells = b.area_cells - hist[0];
  const double cell_km2 = area.geometry.cell_area_km2();
  b.area_km2 = static_cast<double>(b.area_cells) * cell_km2;
  b.covered_km2 = static_cast<double>(b.covered_cells) * cell_km2;
  b.fraction = b.area_cells > 0 ? static_cast<double>(b.covered_cells) / static_cast<double>(b.area_cells) : 0.0;
  b.multiplicity = std::move(hist);
  return b;
}

double flat_reach_area_km2(const SystemSpec& system, const Site& site, double target_agl_m) {
  // On flat ground the ceiling (above the site's ground) and the floor (above the target's ground)
  // both apply to the same height.
  if (target_agl_m < system.min_altitude_m || target_agl_m > system.max_altitude_m) return 0.0;
  const double dz = target_agl_m - site.height_agl_m;
  const double outer = std::max(0.0, system.max_range_m * system.max_range_m - dz * dz);
  const double inner = std::max(0.0, system.min_range_m * system.min_range_m - dz * dz);
  return std::numbers::pi * (outer - inner) * 1e-6;
}

double flat_expected_fraction(const std::vector<Site>& sites, const std::vector<SystemSpec>& systems,
                              const AltitudeBand& band, double area_km2) {
  if (!(area_km2 > 0)) return 0.0;
  double sum_km2 = 0;  // sequential sum in site order: deterministic
  for (const auto& s : sites) {
    const double h = band.reference == HeightReference::kAgl ? band.altitude_m : band.altitude_m - s.ground_msl_m;
    sum_km2 += flat_reach_area_km2(systems.at(static_cast<std::size_t>(s.system_index)), s, h);
  }
  return 1.0 - std::exp(-sum_km2 / area_km2);
}

std::vector<Site> sites_inside_area(const std::vector<Site>& sites, const AreaMask& area) {
  std::vector<Site> inside;
  for (const auto& s : sites) {
    const double c = std::floor(area.geometry.col_of(s.x_m)), r = std::floor(area.geometry.row_of(s.y_m));
    if (c >= 0 && r >= 0 && c < area.geometry.width && r < area.geometry.height &&
        area.contains(static_cast<int>(c), static_cast<int>(r)))
      inside.push_back(s);
  }
  return inside;
}

double mean_area_elevation_m(const Terrain& terrain, const AreaMask& area) {
  double sum = 0;  // sequential: deterministic
  std::int64_t n = 0;
  const auto& z = terrain.elevations_m();
  for (std::size_t i = 0; i < z.size(); ++i)
    if (area.inside[i] && !std::isnan(z[i])) sum += z[i], ++n;
  if (n == 0)  // empty area: fall back to every valid cell
    for (float v : z)
      if (!std::isnan(v)) sum += v, ++n;
  return n > 0 ? sum / static_cast<double>(n) : 0.0;
}

namespace {

Status check_inputs(const CoverageInputs& in) {
  const auto& g = in.terrain.geometry();
  if (in.area.geometry.width != g.width || in.area.geometry.height != g.height ||
      in.area.inside.size() != static_cast<std::size_t>(g.cell_count())) {
    return Status::Internal(fmt::format("coverage: area mask {}x{} does not match the terrain grid {}x{}",
                                        in.area.geometry.width, in.area.geometry.height, g.width, g.height));
  }
  if (in.bands.empty()) {
    return Status::Invalid("coverage: no altitude bands; set [analysis] bands_agl_m = [50, 150, ...] (or bands_msl_m)");
  }
  for (const auto& s : in.sites) {
    if (s.system_index < 0 || s.system_index >= static_cast<int>(in.systems.size())) {
      return Status::Internal(fmt::format("coverage: site {} refers to system {} of {}", s.id, s.system_index,
                                          in.systems.size()));
    }
  }
  return Status::Ok();
}

Result<EngagementUnion> run_union(const CoverageInputs& in, const CoverageOptions& options, bool masking,
                                  std::int64_t progress_offset) {
  UnionOptions u;
  u.threads = options.threads;
  u.terrain_masking = masking;
  u.use_reference_kernel = options.use_reference_kernel;
  if (options.on_progress) {
    u.on_progress = [&options, progress_offset](std::int64_t done) { options.on_progress(progress_offset + done); };
  }
  return engagement_union(in.terrain, in.sites, in.systems, in.bands, in.model, u);
}

// The clear-line-of-sight union on flat ground: every valid cell and every site's ground set to
// `ground_m` (nodata stays nodata), same sites, grid, bands and area. No viewsheds: cheap.
Result<EngagementUnion> run_flat_union(const CoverageInputs& in, const CoverageOptions& options, double ground_m,
                                       std::int64_t progress_offset) {
  std::vector<float> z = in.terrain.elevations_m();
  for (float& v : z)
    if (!std::isnan(v)) v = static_cast<float>(ground_m);
  const Terrain flat(in.terrain.geometry(), std::move(z));
  std::vector<Site> sites = in.sites;
  for (Site& s : sites) s.ground_msl_m = static_cast<float>(ground_m);  // the same float the cells hold
  const CoverageInputs flat_in{flat, in.area, sites, in.systems, in.bands, in.model};
  return run_union(flat_in, options, false, progress_offset);
}

}  // namespace

Result<CoverageResult> compute_coverage(const CoverageInputs& in, const CoverageOptions& options) {
  SKYCOVER_RETURN_IF_ERROR(check_inputs(in));
  CoverageResult result;
  result.site_count = static_cast<int>(in.sites.size());
  result.area_km2 = in.area.area_km2();
  // Only sites standing inside the area count in the Poisson expectation's N (its density is N / A).
  const std::vector<Site> inside = sites_inside_area(in.sites, in.area);
  result.sites_in_area = static_cast<int>(inside.size());
  const std::int64_t n_sites = static_cast<std::int64_t>(in.sites.size());
  SKYCOVER_ASSIGN_OR_RETURN(EngagementUnion masked, run_union(in, options, true, 0));
  for (std::size_t b = 0; b < in.bands.size(); ++b) result.bands.push_back(summarize_band(masked, b, in.area));
  for (auto& bc : result.bands) bc.flat_expected_fraction = flat_expected_fraction(inside, in.systems, bc.band, bc.area_km2);
  if (options.split_masking) {
    SKYCOVER_ASSIGN_OR_RETURN(const EngagementUnion clear, run_union(in, options, false, n_sites));
    result.flat_ground_msl_m = mean_area_elevation_m(in.terrain, in.area);
    SKYCOVER_ASSIGN_OR_RETURN(const EngagementUnion flat,
                              run_flat_union(in, options, *result.flat_ground_msl_m, 2 * n_sites));
    for (std::size_t b = 0; b < in.bands.size(); ++b) {
      BandCoverage& bc = result.bands[b];
      const BandCoverage open = summarize_band(clear, b, in.area);
      const BandCoverage level = summarize_band(flat, b, in.area);
      bc.covered_km2_without_masking = open.covered_km2;
      bc.fraction_without_masking = open.fraction;
      bc.flat_same_sites_fraction = level.fraction;
      // Poisson - real = placement/edge + relief/envelope + masking (telescoping sum).
      bc.placement_loss_fraction = *bc.flat_expected_fraction - level.fraction;
      bc.relief_envelope_loss_fraction = level.fraction - open.fraction;
      bc.masking_loss_fraction = open.fraction - bc.fraction;
    }
  }
  if (options.keep_union) result.engagement = std::move(masked);
  return result;
}

Result<CoverageResult> compute_coverage(const PreparedScenario& p, const CoverageOptions& options) {
  CoverageOptions o = options;
  if (o.threads == 0) o.threads = p.scenario.analysis.threads;
  const CoverageInputs in{p.terrain, p.area, p.sites, p.scenario.systems, analysis_bands(p.scenario.analysis),
                          analysis_visibility(p.scenario.analysis)};
  return compute_coverage(in, o);
}

}  // namespace skycover
