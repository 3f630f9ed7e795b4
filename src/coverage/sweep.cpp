#include "skycover/coverage/sweep.hpp"

#include <fmt/format.h>

namespace skycover {

Result<Hypothesis> parse_hypothesis(std::string_view name, std::string_view context) {
  for (Hypothesis h : {Hypothesis::kUniform, Hypothesis::kClustered, Hypothesis::kHighGround}) {
    if (name == hypothesis_name(h)) return h;
  }
  return Status::Invalid(fmt::format("{}: unknown hypothesis '{}' (use uniform, clustered or high_ground)", context, name));
}

namespace {
std::optional<ClusterSettings> clusters_from_scenario(const Scenario& s) {
  for (const auto& d : s.deployments) {
    if (d.hypothesis == Hypothesis::kClustered && !d.centres.empty()) return ClusterSettings{d.centres, d.crs, d.sigma_m};
  }
  return std::nullopt;
}
}  // namespace

Result<DeploymentSpec> override_first_deployment(const Scenario& scenario, const DeploymentOverride& o) {
  if (scenario.deployments.empty()) {
    return Status::Invalid(fmt::format("{}: no [[deployments]]; a sweep varies the first one", scenario.path.string()));
  }
  DeploymentSpec d = scenario.deployments.front();
  if (o.count) d.count = *o.count;
  if (!o.hypothesis) return d;
  const Hypothesis h = *o.hypothesis;
  if (h != Hypothesis::kUniform && h != Hypothesis::kClustered && h != Hypothesis::kHighGround) {
    return Status::Invalid(fmt::format("{}: a sweep can use uniform, clustered or high_ground, not {}", d.source,
                                       hypothesis_name(h)));
  }
  if (h == Hypothesis::kClustered && d.hypothesis != Hypothesis::kClustered) {
    auto c = o.clusters ? o.clusters : clusters_from_scenario(scenario);
    if (!c) {
      return Status::Invalid(fmt::format(
          "{}: hypothesis clustered needs cluster centres; add a clustered [[deployments]] entry with centres and "
          "sigma_m to the scenario (it may have count = 1), or drop clustered from --hypotheses", d.source));
    }
    d.centres = c->centres;
    d.crs = c->crs;
    d.sigma_m = c->sigma_m;
  } else if (h == Hypothesis::kClustered && o.clusters) {
    d.centres = o.clusters->centres;
    d.crs = o.clusters->crs;
    d.sigma_m = o.clusters->sigma_m;
  }
  if (d.hypothesis == Hypothesis::kFile) d.file.reset();
  d.hypothesis = h;
  return d;
}

namespace {

// Every deployment's sites, the first one overridden; `make` places one deployment.
template <class Make>
Result<std::vector<Site>> place_with(const Scenario& scenario, const DeploymentOverride& o, Make&& make) {
  SKYCOVER_ASSIGN_OR_RETURN(const DeploymentSpec first, override_first_deployment(scenario, o));
  std::vector<Site> sites;
  for (std::size_t i = 0; i < scenario.deployments.size(); ++i) {
    const DeploymentSpec& d = i == 0 ? first : scenario.deployments[i];
    if (d.system_index < 0 || d.system_index >= static_cast<int>(scenario.systems.size())) {
      return Status::Invalid(fmt::format("{}: unknown system '{}'", d.source, d.system));
    }
    SKYCOVER_ASSIGN_OR_RETURN(auto placed, make(d, scenario.systems[d.system_index].missiles_per_site));
    for (auto& s : placed) sites.push_back(std::move(s));
  }
  return sites;
}

// Every (hypothesis, count) in order: `place(override)` gives the sites, `cover(sites, options)`
// their coverage.
template <class Place, class Cover>
Result<std::vector<SweepRow>> sweep_with(const Scenario& scenario, const SweepSpec& spec, const CoverageOptions& options,
                                         Progress* progress, Place&& place, Cover&& cover) {
  if (spec.counts.empty()) return Status::Invalid("sweep: no counts given (use --counts 50,500,5000)");
  for (int c : spec.counts)
    if (c < 0) return Status::Invalid(fmt::format("sweep: count {} is negative (use counts >= 0)", c));
  std::vector<Hypothesis> hyps = spec.hypotheses;
  if (hyps.empty() && !scenario.deployments.empty()) hyps.push_back(scenario.deployments.front().hypothesis);
  CoverageOptions opt = options;
  opt.split_masking = spec.split_masking;
  opt.keep_union = false;
  if (opt.threads == 0) opt.threads = scenario.analysis.threads;
  std::vector<SweepRow> rows;
  for (Hypothesis h : hyps) {
    for (std::size_t k = 0; k < spec.counts.size(); ++k) {
      const int count = spec.counts[k];
      SKYCOVER_ASSIGN_OR_RETURN(const auto sites, place(DeploymentOverride{h, count, spec.clusters}));
      opt.keep_union = spec.keep_last_union && k + 1 == spec.counts.size();
      SKYCOVER_ASSIGN_OR_RETURN(auto cov, cover(sites, opt));
      rows.push_back({h, count, std::move(cov)});
      if (progress) progress->advance();
    }
  }
  return rows;
}

}  // namespace

Result<std::vector<Site>> place_sites(const Scenario& scenario, const Terrain& terrain, const AreaMask& area,
                                      const DeploymentOverride& o) {
  return place_with(scenario, o, [&](const DeploymentSpec& d, int missiles) { return make_sites(d, terrain, area, missiles); });
}

Result<std::vector<Site>> place_sites(const Scenario& scenario, const TerrainSource& terrain, const AreaSurvey& survey,
                                      const DeploymentOverride& o) {
  return place_with(scenario, o, [&](const DeploymentSpec& d, int missiles) { return make_sites(d, terrain, survey, missiles); });
}

Result<std::vector<SweepRow>> run_sweep(const PreparedScenario& p, const SweepSpec& spec, const CoverageOptions& options,
                                        Progress* progress) {
  const auto bands = analysis_bands(p.scenario.analysis);
  const auto model = analysis_visibility(p.scenario.analysis);
  return sweep_with(
      p.scenario, spec, options, progress,
      [&](const DeploymentOverride& o) { return place_sites(p.scenario, p.terrain, p.area, o); },
      [&](const std::vector<Site>& sites, const CoverageOptions& opt) {
        return compute_coverage(CoverageInputs{p.terrain, p.area, sites, p.scenario.systems, bands, model}, opt);
      });
}

Result<std::vector<SweepRow>> run_sweep(const TiledScenario& p, const SweepSpec& spec, const CoverageOptions& options,
                                        Progress* progress) {
  const auto bands = analysis_bands(p.scenario.analysis);
  const auto model = analysis_visibility(p.scenario.analysis);
  const double mean_m = p.survey.elevation.mean_m();
  return sweep_with(
      p.scenario, spec, options, progress,
      [&](const DeploymentOverride& o) { return place_sites(p.scenario, *p.terrain, p.survey, o); },
      [&](const std::vector<Site>& sites, CoverageOptions opt) {
        opt.tile_cells = p.tile_cells;
        opt.keep_union = false;  // a tiled sweep keeps no grid
        return compute_coverage(
            TiledCoverageInputs{*p.terrain, p.area, sites, p.scenario.systems, bands, model, mean_m}, opt);
      });
}

}  // namespace skycover
