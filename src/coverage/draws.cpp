#include "skycover/coverage/draws.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "skycover/core/random.hpp"
#include "skycover/coverage/sweep.hpp"

namespace skycover {

std::uint64_t draw_seed(std::uint64_t seed, int draw) {
  if (draw == 0) return seed;
  // A stream of its own (the constant) so draw seeds never coincide with other uses of the seed.
  return splitmix64(splitmix64(seed ^ 0x6472617773ull) ^ static_cast<std::uint64_t>(draw));
}

double student_t_975(int dof) {
  // t(0.975, dof) for dof = 1 .. 30 (e.g. NIST/SEMATECH e-Handbook, table 1.3.6.7.2).
  static constexpr double kTable[] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                                      2.201,  2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                                      2.080,  2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
  if (dof < 1) return std::nan("");
  if (dof <= 30) return kTable[dof - 1];
  // Cornish-Fisher expansion of t in terms of the normal quantile z (Abramowitz & Stegun 26.7.5).
  const double z = 1.959963984540054, v = dof;
  const double z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z;
  return z + (z3 + z) / (4 * v) + (5 * z5 + 16 * z3 + 3 * z) / (96 * v * v) +
         (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * v * v * v);
}

DrawStatistics draw_statistics(const std::vector<double>& values) {
  DrawStatistics s;
  const auto n = static_cast<double>(values.size());
  if (values.empty()) return s;
  double sum = 0;
  for (double v : values) sum += v;  // in draw order: the same bits on every run
  s.mean = sum / n;
  if (values.size() > 1) {
    double ss = 0;
    for (double v : values) ss += (v - s.mean) * (v - s.mean);
    s.sd = std::sqrt(ss / (n - 1));
  }
  const double half = values.size() > 1 ? student_t_975(static_cast<int>(values.size()) - 1) * s.sd / std::sqrt(n) : 0.0;
  s.ci95_lo = s.mean - half;
  s.ci95_hi = s.mean + half;
  return s;
}

bool has_random_deployment(const Scenario& scenario) {
  return std::any_of(scenario.deployments.begin(), scenario.deployments.end(), [](const DeploymentSpec& d) {
    return d.hypothesis == Hypothesis::kUniform || d.hypothesis == Hypothesis::kClustered;
  });
}

Scenario scenario_for_draw(const Scenario& scenario, int draw) {
  Scenario s = scenario;
  for (DeploymentSpec& d : s.deployments)
    if (d.hypothesis == Hypothesis::kUniform || d.hypothesis == Hypothesis::kClustered) d.seed = draw_seed(d.seed, draw);
  return s;
}

namespace {

std::vector<std::uint64_t> seeds_of(const Scenario& s) {
  std::vector<std::uint64_t> seeds;
  for (const DeploymentSpec& d : s.deployments) seeds.push_back(d.seed);
  return seeds;
}

// Draws [first, first + count): `place(scenario)` gives the sites, `cover(sites, options)` their coverage.
template <class Place, class Cover>
Result<std::vector<PlacementDraw>> draws_with(const Scenario& scenario, int first, int count,
                                              const CoverageOptions& options, Progress* progress, Place&& place,
                                              Cover&& cover) {
  if (count < 0 || first < 0) return Status::Internal("run_draws: negative draw");
  CoverageOptions opt = options;
  opt.keep_union = false;
  if (opt.threads == 0) opt.threads = scenario.analysis.threads;
  std::vector<PlacementDraw> out;
  for (int d = first; d < first + count; ++d) {
    const Scenario s = scenario_for_draw(scenario, d);
    SKYCOVER_ASSIGN_OR_RETURN(const auto sites, place(s));
    PlacementDraw draw;
    draw.draw = d;
    draw.seeds = seeds_of(s);
    SKYCOVER_ASSIGN_OR_RETURN(draw.coverage, cover(sites, opt));
    out.push_back(std::move(draw));
    if (progress) progress->advance();
  }
  return out;
}

}  // namespace

Result<std::vector<PlacementDraw>> run_draws(const PreparedScenario& p, int first, int count,
                                             const CoverageOptions& options, Progress* progress) {
  const auto bands = analysis_bands(p.scenario.analysis);
  const auto model = analysis_visibility(p.scenario.analysis);
  return draws_with(
      p.scenario, first, count, options, progress,
      [&](const Scenario& s) { return place_sites(s, p.terrain, p.area, p.shape, DeploymentOverride{}); },
      [&](const std::vector<Site>& sites, const CoverageOptions& opt) {
        return compute_coverage(CoverageInputs{p.terrain, p.area, sites, p.scenario.systems, bands, model}, opt);
      });
}

Result<std::vector<PlacementDraw>> run_draws(const TiledScenario& p, int first, int count,
                                             const CoverageOptions& options, Progress* progress) {
  const auto bands = analysis_bands(p.scenario.analysis);
  const auto model = analysis_visibility(p.scenario.analysis);
  return draws_with(
      p.scenario, first, count, options, progress,
      [&](const Scenario& s) { return place_sites(s, *p.terrain, p.survey, DeploymentOverride{}); },
      [&](const std::vector<Site>& sites, CoverageOptions opt) {
        opt.tile_cells = p.tile_cells;
        return compute_coverage(
            TiledCoverageInputs{*p.terrain, p.area, sites, p.scenario.systems, bands, model}, opt);
      });
}

std::vector<BandDrawSummary> summarise_draws(const std::vector<PlacementDraw>& draws) {
  std::vector<BandDrawSummary> out;
  if (draws.empty()) return out;
  const std::size_t n_bands = draws.front().coverage.bands.size();
  for (std::size_t b = 0; b < n_bands; ++b) {
    BandDrawSummary s;
    s.band = draws.front().coverage.bands[b].band;
    std::size_t k_max = 0;
    for (const PlacementDraw& d : draws) k_max = std::max(k_max, d.coverage.bands[b].multiplicity.size());
    std::vector<std::vector<double>> shares(k_max);
    for (const PlacementDraw& d : draws) {
      const BandCoverage& bc = d.coverage.bands[b];
      s.fractions.push_back(bc.fraction);
      const double cells = static_cast<double>(std::max<std::int64_t>(1, bc.area_cells));
      for (std::size_t k = 0; k < k_max; ++k)
        shares[k].push_back(k < bc.multiplicity.size() ? static_cast<double>(bc.multiplicity[k]) / cells : 0.0);
    }
    s.fraction = draw_statistics(s.fractions);
    for (const auto& v : shares) s.multiplicity_share.push_back(draw_statistics(v));
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace skycover
