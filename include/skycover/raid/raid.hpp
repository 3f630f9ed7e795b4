// Raids: many targets against many sites with finite missiles, as a seeded Monte Carlo.
//
// Model (docs/exposure.md, "Raids"):
//  * Targets: each track carries `count` targets starting interval_s apart (target k flies the
//    track shifted by k * interval_s).
//  * Deterministic part, computed once (plan_raid): every (track, site) engagement window with its
//    launch/intercept table (exposure/exposure.hpp), replicated per target with its time offset.
//  * Doctrine per trial: a site engages one target at a time and is busy from launch until
//    intercept. Whenever a site is free (at the start, or at its last intercept) it picks, among
//    targets not known to be dead, the one it can launch at earliest (launches happen at track
//    sample instants, as in the exposure analysis); ties go to the lower target index. At the
//    launch instant it fires only if the target is still not known dead (else it re-chooses).
//    Readiness: at the start of each trial a site with readiness a < 1 is manned and ready with
//    probability a (its own counter-based draw); an unready site fires nothing in that trial.
//    Each shot kills independently with the stated Pk; the kill is known at the intercept time
//    (an intercept at time t is known to a launch at time t). A killed target stops; a target
//    that survives may be engaged again. Missiles in flight at a dead target are still expended.
//  * Random numbers: shot n of trial k draws u = hash(seed, k, n) (SplitMix64 finaliser), a
//    stateless counter-based stream, so each trial is reproducible on its own and the results are
//    bitwise identical for any thread count; all aggregates are integer counts or are computed
//    from integer histograms in a fixed order.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "skycover/core/status.hpp"
#include "skycover/exposure/exposure.hpp"
#include "skycover/exposure/track.hpp"
#include "skycover/sites/site.hpp"
#include "skycover/systems/system.hpp"

namespace skycover {

struct RaidTarget {
  int track = 0;
  int copy = 0;          // 0..count-1 along its track
  double offset_s = 0;   // copy * interval_s
};

// One window of one site against one target.
struct RaidOpportunity {
  int target = 0;
  int window = 0;              // index into RaidPlan::windows
  double offset_s = 0;         // the target's start offset
  double first_launch_s = 0;   // absolute times (offset included)
  double last_launch_s = 0;
  double pk = 0;
};

// Everything that does not depend on the random draws.
struct RaidPlan {
  std::vector<RaidTarget> targets;
  std::vector<std::vector<double>> track_times_s;  // sample times per track
  std::vector<EngagementWindow> windows;           // only windows with at least one launch
  std::vector<int> sites;                          // sites (indices into the input) with opportunities
  std::vector<int> missiles;                       // ready missiles per plan site
  std::vector<double> readiness;                   // per plan site: P(manned and ready in a trial)
  std::vector<int> opportunity_offsets;            // CSR: plan site p owns [offsets[p], offsets[p+1])
  std::vector<RaidOpportunity> opportunities;      // per site sorted by first launch, then target
  std::vector<std::pair<double, int>> activation;  // (first launch time, plan site), sorted
  int total_sites = 0;                             // sites in the scenario
};

// Build the plan. Error if a site that can engage a target states no Pk for its class.
Result<RaidPlan> plan_raid(const std::vector<Track>& tracks, const std::vector<EngagementWindow>& windows,
                           const std::vector<Site>& sites, const std::vector<SystemSpec>& systems,
                           bool unlimited_missiles = false);

struct RaidOptions {
  std::int64_t trials = 1000;
  std::uint64_t seed = 1;
  int threads = 0;  // 0 = all cores; results identical for any value
  std::function<void(std::int64_t)> on_progress;  // trials done (from worker threads)
};

// Counter-based random number in [0, 1) for (seed, trial, shot).
double raid_uniform(std::uint64_t seed, std::uint64_t trial, std::uint64_t shot);
// Counter-based random number in [0, 1) for a plan site's availability in a trial: a stream of its
// own, so sites at readiness 1 draw nothing and every shot's number is the same as without readiness.
double raid_availability_uniform(std::uint64_t seed, std::uint64_t trial, std::uint64_t plan_site);

// Outcome of one trial (exposed for tests).
struct TrialOutcome {
  int survivors = 0;
  int missiles = 0;
};

struct RaidResult {
  std::int64_t trials = 0;
  std::uint64_t seed = 0;
  int targets = 0;
  std::vector<std::int64_t> survivors_histogram;  // [k] = trials with k survivors, k = 0..targets
  std::vector<std::int64_t> missiles_histogram;   // [k] = trials expending k missiles
  double mean_survivors = 0;
  double sd_survivors = 0;
  double mean_ci95_lo = 0, mean_ci95_hi = 0;  // normal approximation: mean -+ 1.96 sd / sqrt(trials)
  int survivors_p025 = 0, survivors_p975 = 0;  // nearest-rank percentiles of the trials
  double mean_missiles = 0;
  int missiles_p025 = 0, missiles_p975 = 0;
  std::vector<std::int64_t> site_missiles_total;  // per plan site, summed over trials
  std::vector<std::int64_t> target_survived;      // per target: trials in which it survived
};

RaidResult run_raid(const RaidPlan& plan, const RaidOptions& options);

// One trial (the Monte Carlo body); per-site use added into site_use if non-null.
TrialOutcome simulate_trial(const RaidPlan& plan, std::uint64_t seed, std::uint64_t trial,
                            std::vector<std::int64_t>* site_use = nullptr,
                            std::vector<std::int64_t>* target_survived = nullptr);

}  // namespace skycover
