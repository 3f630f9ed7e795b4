// Placement draws: the same deployment hypotheses placed K times with seeds derived from the
// scenario's, so that a covered fraction comes with its spread and a confidence interval instead
// of one seeded draw (docs/coverage.md, "Placement draws").
//
// Draw 0 is the scenario as written (its products are the run's maps and rasters); draw d >= 1
// reseeds every deployment whose placement is random (uniform, clustered) with
// draw_seed(seed, d). high_ground, grid and file deployments are the same in every draw. The
// statistics of each band's covered fraction and multiplicity shares over the K draws: the mean,
// the sample standard deviation (K - 1), and the 95 % confidence interval of the mean,
// mean +- t(0.975, K - 1) sd / sqrt(K) (Student's t: the draws are independent and identically
// distributed, their mean close to normal). Results are bitwise reproducible from the seed.
#pragma once
#include <cstdint>
#include <vector>

#include "skycover/core/progress.hpp"
#include "skycover/core/status.hpp"
#include "skycover/coverage/coverage.hpp"
#include "skycover/scenario/scenario.hpp"

namespace skycover {

// The seed of a random deployment in draw d (draw 0: `seed` itself), SplitMix64 of (seed, d).
std::uint64_t draw_seed(std::uint64_t seed, int draw);
// The 0.975 quantile of Student's t with `dof` degrees of freedom (exact table to 30; beyond, the
// Cornish-Fisher expansion, within 1e-4).
double student_t_975(int dof);

struct DrawStatistics {
  double mean = 0, sd = 0;           // sd: sample standard deviation (0 for one draw)
  double ci95_lo = 0, ci95_hi = 0;   // of the mean
};
DrawStatistics draw_statistics(const std::vector<double>& values);

struct PlacementDraw {
  int draw = 0;
  std::vector<std::uint64_t> seeds;  // per deployment (unchanged for non-random hypotheses)
  CoverageResult coverage;           // summary only (no union)
};

// Whether any deployment's placement is random (else every draw is the same).
bool has_random_deployment(const Scenario& scenario);
// The scenario of draw d: random deployments reseeded.
Scenario scenario_for_draw(const Scenario& scenario, int draw);

// Draws first .. first + count - 1, one after another (each run is parallel inside, so memory stays
// that of one run); `progress` advances by one per draw. options.keep_union is ignored (off).
Result<std::vector<PlacementDraw>> run_draws(const PreparedScenario& prepared, int first, int count,
                                             const CoverageOptions& options, Progress* progress = nullptr);
Result<std::vector<PlacementDraw>> run_draws(const TiledScenario& prepared, int first, int count,
                                             const CoverageOptions& options, Progress* progress = nullptr);

struct BandDrawSummary {
  AltitudeBand band;
  DrawStatistics fraction;
  std::vector<DrawStatistics> multiplicity_share;  // [k]: share of the area k sites reach (last: k+)
  std::vector<double> fractions;                   // per draw
};
// Per band, over all draws (draw 0 included; `draws` in draw order).
std::vector<BandDrawSummary> summarise_draws(const std::vector<PlacementDraw>& draws);

}  // namespace skycover
