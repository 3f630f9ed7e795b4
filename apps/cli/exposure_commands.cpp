// `skycover exposure SCENARIO.toml` and `skycover raid SCENARIO.toml`.
#include <filesystem>
#include <memory>
#include <optional>

#include <fmt/format.h>

#include "commands.hpp"
#include "skycover/core/progress.hpp"
#include "skycover/exposure/exposure.hpp"
#include "skycover/exposure/exposure_products.hpp"
#include "skycover/exposure/track.hpp"
#include "skycover/products/manifest.hpp"
#include "skycover/raid/raid.hpp"
#include "skycover/raid/raid_products.hpp"
#include "skycover/scenario/scenario.hpp"

namespace skycover::cli {
namespace {
namespace fs = std::filesystem;

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

fs::path output_dir(const std::string& out, const Scenario& sc, const char* sub) {
  return out.empty() ? sc.output_dir / sub : fs::path(out);
}

Status run_exposure(const std::string& scenario, const std::string& out, bool unlimited,
                    const std::string& command_line) {
  SKYCOVER_ASSIGN_OR_RETURN(Engagements e, engagements(scenario));
  const auto& sc = e.prepared.scenario;
  ExposureOptions opt;
  opt.unlimited_missiles = unlimited;
  SKYCOVER_ASSIGN_OR_RETURN(auto exposures,
                            analyse_exposure(e.tracks, e.windows, e.prepared.sites, sc.systems, opt));
  const fs::path dir = output_dir(out, sc, "exposure");
  ExposureInputs in{&e.prepared.terrain, &e.prepared.sites, &sc.systems, &e.tracks, &e.windows, &exposures};
  SKYCOVER_RETURN_IF_ERROR(write_exposure_products(dir, in));
  SKYCOVER_ASSIGN_OR_RETURN(RunInfo run, describe_run(sc, command_line));
  SKYCOVER_RETURN_IF_ERROR(write_manifest(dir, run, {{"stage", "exposure"}, {"unlimited_missiles", unlimited}}));
  fmt::print("{}", exposure_summary_table(in));
  fmt::print("wrote {}\n", dir.string());
  return Status::Ok();
}

Status run_raid_command(const std::string& scenario, const std::string& out, std::optional<std::int64_t> trials,
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
  const fs::path dir = output_dir(out, sc, "raid");
  SKYCOVER_RETURN_IF_ERROR(write_raid_products(dir, r, plan, e.tracks, e.prepared.sites));
  SKYCOVER_ASSIGN_OR_RETURN(RunInfo run, describe_run(sc, command_line));
  SKYCOVER_RETURN_IF_ERROR(
      write_manifest(dir, run, {{"stage", "raid"}, {"trials", ro.trials}, {"raid_seed", ro.seed}}));
  fmt::print("{}", raid_summary_text(r, plan, e.tracks));
  fmt::print("wrote {}\n", dir.string());
  return Status::Ok();
}

}  // namespace

void add_exposure_commands(CLI::App& app, int& exit_code, const std::string& command_line) {
  {
    auto scenario = std::make_shared<std::string>();
    auto out = std::make_shared<std::string>();
    auto unlimited = std::make_shared<bool>(false);
    auto* cmd = app.add_subcommand(
        "exposure", "Per track: which sites can engage it, when, intercept points, shots and survival probability");
    cmd->add_option("SCENARIO", *scenario, "Scenario file (TOML) with [[tracks]]")->required();
    cmd->add_option("--out", *out, "Output directory (default: [output] dir of the scenario + /exposure)");
    cmd->add_flag("--unlimited-missiles", *unlimited, "Do not cap shots per site by its ready missiles");
    cmd->callback([=, &exit_code] { exit_code = report(run_exposure(*scenario, *out, *unlimited, command_line)); });
  }
  {
    auto scenario = std::make_shared<std::string>();
    auto out = std::make_shared<std::string>();
    auto trials = std::make_shared<std::int64_t>(0);
    auto seed = std::make_shared<std::uint64_t>(0);
    auto* cmd = app.add_subcommand("raid", "Monte Carlo raid: all tracks' targets against all sites with finite "
                                           "missiles; distribution of survivors");
    cmd->add_option("SCENARIO", *scenario, "Scenario file (TOML) with [[tracks]]")->required();
    auto* t = cmd->add_option("--trials", *trials, "Monte Carlo trials (default: [raid] trials)")
                  ->check(CLI::Range(std::int64_t{1}, std::int64_t{100'000'000}));
    auto* s = cmd->add_option("--seed", *seed, "Random seed (default: [raid] seed)");
    cmd->add_option("--out", *out, "Output directory (default: [output] dir of the scenario + /raid)");
    cmd->callback([=, &exit_code] {
      exit_code = report(run_raid_command(*scenario, *out, t->count() ? std::optional<std::int64_t>(*trials) : std::nullopt,
                                          s->count() ? std::optional<std::uint64_t>(*seed) : std::nullopt, command_line));
    });
  }
}

}  // namespace skycover::cli
