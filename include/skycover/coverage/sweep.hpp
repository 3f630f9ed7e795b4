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
#include "skycover/coverage/draws.hpp"
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
                                      const AreaSurvey& shape,
                                      const DeploymentOverride& o);

struct SweepSpec {
  std::vector<int> counts;                // sites of the first deployment
  std::vector<Hypothesis> hypotheses;     // empty: the first deployment's own
  std::optional<ClusterSettings> clusters;
  bool split_masking = true;
  // Whole-grid sweeps: the last count of each hypothesis keeps its masked union
  // (SweepRow::coverage.engagement), for the report's map. Ignored by the tiled form.
  bool keep_last_union = false;
  // Placement draws per (hypothesis, count), 1..1000: draw 0 is the row as written; draws
  // 1 .. K-1 apply the override and then reseed every random deployment (coverage/draws.hpp).
  int draws = 1;
};

struct SweepRow {
  Hypothesis hypothesis = Hypothesis::kUniform;
  int count = 0;          // requested for the first deployment
  CoverageResult coverage;  // draw 0; coverage.site_count: all sites placed (all deployments)
  std::vector<BandDrawSummary> draws;  // per band, over the K draws (empty when K = 1)
};

// Readings of a swept curve (one hypothesis, one band), in both directions. They read the computed
// curve, interpolating linearly in log(count) between neighbouring swept counts (the chart's
// axis); they are not a search for placements. With draws, the interval is that of the curve of
// 95 % confidence bounds; without, it is the point value.
struct CurvePoint {
  double count = 0;
  DrawStatistics fraction;  // mean and 95 % CI (sd interpolated alike); a single draw: all = value
};
// The band's curve for hypothesis h: one point per swept count > 0, in count order.
std::vector<CurvePoint> sweep_curve(const std::vector<SweepRow>& rows, Hypothesis h, std::size_t band);

struct CoverageAtCount {
  double count = 0;
  bool interpolated = false;        // between two swept counts (else a swept count itself)
  std::optional<DrawStatistics> fraction;  // none when count lies outside the swept range
};
CoverageAtCount coverage_at_count(const std::vector<CurvePoint>& curve, double count);

// Where one curve first reaches a value: a count between the swept ones, or outside them.
struct CountBound {
  enum class Where { kBetween, kAtOrBelowSmallest, kBeyondLargest };
  Where where = Where::kBeyondLargest;
  double count = 0;  // kBetween: the count; else the smallest or largest swept count
};
struct CountForCoverage {
  double target_fraction = 0;
  // The count at which the mean curve first reaches the target, and the interval between where the
  // upper and the lower 95 % bounds first reach it.
  CountBound count, count_lo, count_hi;
};
CountForCoverage count_for_coverage(const std::vector<CurvePoint>& curve, double target_fraction);

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
