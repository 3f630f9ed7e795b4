// The exposure and raid workflows (moved here from the CLI so that every front end runs them).
#include "skycover/products/exposure_run.hpp"

#include "skycover/core/interrupt.hpp"

#include <fmt/format.h>

#include "skycover/core/progress.hpp"
#include "skycover/exposure/exposure.hpp"
#include "skycover/exposure/exposure_products.hpp"
#include "skycover/exposure/track.hpp"
#include "skycover/products/manifest.hpp"
#include "skycover/products/output_dir.hpp"
#include "skycover/raid/raid.hpp"
#include "skycover/raid/raid_products.hpp"
#include "skycover/scenario/scenario.hpp"

namespace skycover {
namespace fs = std::filesystem;
namespace {

struct Engagements {
  PreparedScenario prepared;
  std::vector<Track> tracks;
  std::vector<EngagementWindow> windows;
};

// Scenario -> terrain, sites, tracks -> engagement windows (the deterministic, expensive part).
Result<Engagements> engagements(const fs::path& scenario_path) {
  SKYCOVER_ASSIGN_OR_RETURN(Scenario sc, load_scenario(scenario_path));
  if (sc.tracks.empty()) {
    return Status::Invalid(fmt::format("{}: the scenario has no [[tracks]]; add one, e.g. [[tracks]] id = \"t1\" "
                                       "waypoints = [[x1, y1], [x2, y2]] speed_mps = 250 altitude_m = 100 "
                                       "target_class = \"cruise_missile\"",
                                       scenario_path.string()));
  }
  Engagements e;
  SKYCOVER_ASSIGN_OR_RETURN(e.prepared, prepare_scenario(sc));
  SKYCOVER_ASSIGN_OR_RETURN(e.tracks, load_tracks(e.prepared.scenario.tracks, e.prepared.terrain));
  const auto& s = e.prepared.scenario;
  VisibilityModel model;
  model.refraction_k = s.analysis.refraction_k;
  Progress progress("lines of sight", static_cast<std::int64_t>(e.prepared.sites.size()));
  ExposureOptions opt;
  opt.threads = s.analysis.threads;
  opt.on_progress = [&progress](std::int64_t n) { progress.advance(n); };
  SKYCOVER_ASSIGN_OR_RETURN(e.windows, find_engagement_windows(e.prepared.terrain, e.prepared.sites, s.systems,
                                                               e.tracks, model, opt));
  progress.finish();
  return e;
}

fs::path output_dir(const fs::path& out, const Scenario& sc, const char* sub) {
  return out.empty() ? sc.output_dir / sub : out;
}

}  // namespace

Result<StageRunOutput> exposure_command(const fs::path& scenario, const fs::path& out, bool unlimited,
                                        const std::string& command_line) {
  SKYCOVER_ASSIGN_OR_RETURN(Engagements e, engagements(scenario));
  const auto& sc = e.prepared.scenario;
  ExposureOptions opt;
  opt.unlimited_missiles = unlimited;
  SKYCOVER_ASSIGN_OR_RETURN(auto exposures,
                            analyse_exposure(e.tracks, e.windows, e.prepared.sites, sc.systems, opt));
  SKYCOVER_ASSIGN_OR_RETURN(RunInfo run, describe_run(sc, command_line));
  // Staged: a failure leaves no partial new folder.
  SKYCOVER_ASSIGN_OR_RETURN(auto dir, StagedOutputDir::open(output_dir(out, sc, "exposure")));
  ExposureInputs in{&e.prepared.terrain, &e.prepared.sites, &sc.systems, &e.tracks, &e.windows, &exposures};
  SKYCOVER_RETURN_IF_ERROR(write_exposure_products(dir.path(), in));
  SKYCOVER_RETURN_IF_ERROR(write_manifest(dir.path(), run, {{"stage", "exposure"}, {"unlimited_missiles", unlimited}}));
  SKYCOVER_RETURN_IF_ERROR(dir.commit());
  return StageRunOutput{exposure_summary_table(in), dir.target()};
}

Result<StageRunOutput> raid_command(const fs::path& scenario, const fs::path& out, std::optional<std::int64_t> trials,
                                    std::optional<std::uint64_t> seed, const std::string& command_line) {
  SKYCOVER_ASSIGN_OR_RETURN(Engagements e, engagements(scenario));
  const auto& sc = e.prepared.scenario;
  SKYCOVER_ASSIGN_OR_RETURN(RaidPlan plan, plan_raid(e.tracks, e.windows, e.prepared.sites, sc.systems));
  RaidOptions ro;
  ro.trials = trials.value_or(sc.raid.trials);
  ro.seed = seed.value_or(sc.raid.seed);
  ro.threads = sc.analysis.threads;
  Progress progress("raid trials", ro.trials);
  ro.on_progress = [&progress](std::int64_t n) { progress.advance(n); };
  const RaidResult r = run_raid(plan, ro);
  progress.finish();
  if (interrupted()) return interrupted_status();  // the trials stopped early: nothing to write
  SKYCOVER_ASSIGN_OR_RETURN(RunInfo run, describe_run(sc, command_line));
  SKYCOVER_ASSIGN_OR_RETURN(auto dir, StagedOutputDir::open(output_dir(out, sc, "raid")));
  SKYCOVER_RETURN_IF_ERROR(write_raid_products(dir.path(), r, plan, e.tracks, e.prepared.sites));
  SKYCOVER_RETURN_IF_ERROR(
      write_manifest(dir.path(), run, {{"stage", "raid"}, {"trials", ro.trials}, {"raid_seed", ro.seed}}));
  SKYCOVER_RETURN_IF_ERROR(dir.commit());
  return StageRunOutput{raid_summary_text(r, plan, e.tracks), dir.target()};
}


}  // namespace skycover
