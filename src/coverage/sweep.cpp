#include "skycover/coverage/sweep.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

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

// Every (hypothesis, count) in order: `place(scenario, override)` gives the sites,
// `cover(sites, options)` their coverage. With spec.draws > 1, draws 1 .. K-1 of each row place the
// varied scenario (the override applied, then every random deployment reseeded: draws.hpp), and
// the row keeps the statistics of all K; draw 0 is the row itself.
template <class Place, class Cover>
Result<std::vector<SweepRow>> sweep_with(const Scenario& scenario, const SweepSpec& spec, const CoverageOptions& options,
                                         Progress* progress, Place&& place, Cover&& cover) {
  if (spec.counts.empty()) return Status::Invalid("sweep: no counts given (use --counts 50,500,5000)");
  if (spec.draws < 1 || spec.draws > 1000)
    return Status::Invalid(fmt::format("sweep: {} placement draws; use 1 to 1000", spec.draws));
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
      const DeploymentOverride o{h, count, spec.clusters};
      SKYCOVER_ASSIGN_OR_RETURN(const auto sites, place(scenario, o));
      opt.keep_union = spec.keep_last_union && k + 1 == spec.counts.size();
      SKYCOVER_ASSIGN_OR_RETURN(auto cov, cover(sites, opt));
      SweepRow row{h, count, std::move(cov), {}};
      if (progress) progress->advance();
      if (spec.draws > 1) {
        Scenario varied = scenario;
        SKYCOVER_ASSIGN_OR_RETURN(varied.deployments.front(), override_first_deployment(scenario, o));
        std::vector<PlacementDraw> draws(1);
        draws[0].coverage = row.coverage;
        draws[0].coverage.engagement.reset();
        CoverageOptions draw_opt = opt;
        draw_opt.keep_union = false;
        draw_opt.split_masking = false;  // the masked union only: the draws' statistics use nothing else
        for (int d = 1; d < spec.draws; ++d) {
          const Scenario s = scenario_for_draw(varied, d);
          SKYCOVER_ASSIGN_OR_RETURN(const auto draw_sites, place(s, DeploymentOverride{}));
          PlacementDraw draw;
          draw.draw = d;
          SKYCOVER_ASSIGN_OR_RETURN(draw.coverage, cover(draw_sites, draw_opt));
          draws.push_back(std::move(draw));
          if (progress) progress->advance();
        }
        row.draws = summarise_draws(draws);
      }
      rows.push_back(std::move(row));
    }
  }
  return rows;
}

}  // namespace

Result<std::vector<Site>> place_sites(const Scenario& scenario, const Terrain& terrain, const AreaMask& area,
                                      const AreaSurvey& shape, const DeploymentOverride& o) {
  return place_with(scenario, o,
                    [&](const DeploymentSpec& d, int missiles) { return make_sites(d, terrain, area, missiles, &shape); });
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
      [&](const Scenario& s, const DeploymentOverride& o) { return place_sites(s, p.terrain, p.area, p.shape, o); },
      [&](const std::vector<Site>& sites, const CoverageOptions& opt) {
        return compute_coverage(CoverageInputs{p.terrain, p.area, sites, p.scenario.systems, bands, model}, opt);
      });
}

Result<std::vector<SweepRow>> run_sweep(const TiledScenario& p, const SweepSpec& spec, const CoverageOptions& options,
                                        Progress* progress) {
  const auto bands = analysis_bands(p.scenario.analysis);
  const auto model = analysis_visibility(p.scenario.analysis);
  return sweep_with(
      p.scenario, spec, options, progress,
      [&](const Scenario& s, const DeploymentOverride& o) { return place_sites(s, *p.terrain, p.survey, o); },
      [&](const std::vector<Site>& sites, CoverageOptions opt) {
        opt.tile_cells = p.tile_cells;
        opt.keep_union = false;  // a tiled sweep keeps no grid
        return compute_coverage(
            TiledCoverageInputs{*p.terrain, p.area, sites, p.scenario.systems, bands, model}, opt);
      });
}

}  // namespace skycover

namespace skycover {

std::vector<CurvePoint> sweep_curve(const std::vector<SweepRow>& rows, Hypothesis h, std::size_t band) {
  std::vector<CurvePoint> curve;
  for (const SweepRow& r : rows) {
    if (r.hypothesis != h || r.count <= 0 || band >= r.coverage.bands.size()) continue;
    CurvePoint p;
    p.count = r.count;
    if (band < r.draws.size()) {
      p.fraction = r.draws[band].fraction;
    } else {
      const double v = r.coverage.bands[band].fraction;
      p.fraction = DrawStatistics{v, 0, v, v};
    }
    curve.push_back(p);
  }
  std::stable_sort(curve.begin(), curve.end(), [](const CurvePoint& a, const CurvePoint& b) { return a.count < b.count; });
  return curve;
}

CoverageAtCount coverage_at_count(const std::vector<CurvePoint>& curve, double count) {
  CoverageAtCount out;
  out.count = count;
  if (curve.empty() || !(count >= curve.front().count) || !(count <= curve.back().count)) return out;
  for (std::size_t i = 0; i < curve.size(); ++i) {
    if (curve[i].count == count) {
      out.fraction = curve[i].fraction;
      return out;
    }
    if (i + 1 < curve.size() && curve[i].count < count && count < curve[i + 1].count) {
      // Linear in log(count), as the chart draws it.
      const double t = std::log(count / curve[i].count) / std::log(curve[i + 1].count / curve[i].count);
      const auto lerp = [t](double a, double b) { return a + (b - a) * t; };
      const DrawStatistics& a = curve[i].fraction;
      const DrawStatistics& b = curve[i + 1].fraction;
      out.fraction = DrawStatistics{lerp(a.mean, b.mean), lerp(a.sd, b.sd), lerp(a.ci95_lo, b.ci95_lo),
                                    lerp(a.ci95_hi, b.ci95_hi)};
      out.interpolated = true;
      return out;
    }
  }
  return out;
}

namespace {
// Where the curve value(point) first rises from below `target` to reach it, in log(count).
template <class Value>
CountBound first_crossing(const std::vector<CurvePoint>& curve, double target, Value&& value) {
  if (curve.empty()) return {};
  if (value(curve.front()) >= target) return {CountBound::Where::kAtOrBelowSmallest, curve.front().count};
  for (std::size_t i = 0; i + 1 < curve.size(); ++i) {
    const double a = value(curve[i]), b = value(curve[i + 1]);
    if (a < target && b >= target) {
      const double t = (target - a) / (b - a);
      return {CountBound::Where::kBetween, curve[i].count * std::exp(t * std::log(curve[i + 1].count / curve[i].count))};
    }
  }
  return {CountBound::Where::kBeyondLargest, curve.back().count};
}
}  // namespace

CountForCoverage count_for_coverage(const std::vector<CurvePoint>& curve, double target_fraction) {
  CountForCoverage out;
  out.target_fraction = target_fraction;
  out.count = first_crossing(curve, target_fraction, [](const CurvePoint& p) { return p.fraction.mean; });
  // The upper bound reaches the target first: the low end of the count's interval.
  out.count_lo = first_crossing(curve, target_fraction, [](const CurvePoint& p) { return p.fraction.ci95_hi; });
  out.count_hi = first_crossing(curve, target_fraction, [](const CurvePoint& p) { return p.fraction.ci95_lo; });
  return out;
}

}  // namespace skycover
