// Count sweeps: coverage per band as the number of sites grows, under several deployment hypotheses.
//
// How a scenario is varied: the FIRST [[deployments]] entry's hypothesis and count are overridden
// (its system, seed, height and other settings are kept); every other deployment is placed as
// written. For `clustered`, the centres and sigma come from the sweep's cluster settings, else
// from the first deployment, else from the first clustered deployment in the scenario.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "skycover/core/progress.hpp"
#include "skycover/coverage/coverage.hpp"
#include "skycover/scenario/scenario.hpp"

namespace skycover {

// hypothesis_name(Hypothesis) is in sites/site.hpp.
Result<Hypothesis> parse_hypothesis(std::string_view name, std::string_view context);

struct ClusterSettings {
  std::vector<ClusterCentre> centres;
  std::optional<std::string> crs;  // of the centres; default: terrain CRS
  double sigma_m = 0;
};

struct DeploymentOverride {
  std::optional<Hypothesis> hypothesis;
  std::optional<int> count;
  std::optional<ClusterSettings> clusters;  // used when the hypothesis is clustered
};

// The first deployment with `o` applied (see the header comment). Errors name the field and the fix.
Result<DeploymentSpec> override_first_deployment(const Scenario& scenario, const DeploymentOverride& o);
// Sites of every deployment, the first one overridden; same rules as prepare_scenario.
Result<std::vector<Site>> place_sites(const Scenario& scenario, const Terrain& terrain, const AreaMask& area,
                                      const DeploymentOverride& o);

struct SweepSpec {
  std::vector<int> counts;                // sites of the first deployment
  std::vector<Hypothesis> hypotheses;     // empty: the first deployment's own
  std::optional<ClusterSettings> clusters;
  bool split_masking = true;
  // Whole-grid sweeps: the last count of each hypothesis keeps its masked union
  // (SweepRow::coverage.engagement), for the report's map. Ignored by the tiled form.
  bool keep_last_union = false;
};

struct SweepRow {
  Hypothesis hypothesis = Hypothesis::kUniform;
  int count = 0;          // requested for the first deployment
  CoverageResult coverage;  // coverage.site_count: all sites placed (all deployments)
};

// Runs every (hypothesis, count) in order; `progress` (may be null) advances by one per run.
Result<std::vector<SweepRow>> run_sweep(const PreparedScenario& prepared, const SweepSpec& spec,
                                        const CoverageOptions& options, Progress* progress = nullptr);

// The tiled form: sites placed from the scenario's area survey, each run tile by tile
// (options.tile_cells = the scenario's). The same rows as run_sweep on the whole grid.
Result<std::vector<Site>> place_sites(const Scenario& scenario, const TerrainSource& terrain, const AreaSurvey& survey,
                                      const DeploymentOverride& o);
Result<std::vector<SweepRow>> run_sweep(const TiledScenario& prepared, const SweepSpec& spec,
                                        const CoverageOptions& options, Progress* progress = nullptr);

}  // namespace skycover
