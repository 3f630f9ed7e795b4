// The exposure and raid workflows (`skycover exposure`, `skycover raid`): scenario -> terrain,
// sites and tracks -> engagement windows -> analysis -> products, written into a staged output
// folder that appears whole or not at all (output_dir.hpp), like coverage's.
#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include <vector>

#include "skycover/core/progress.hpp"
#include "skycover/core/status.hpp"
#include "skycover/exposure/exposure.hpp"
#include "skycover/exposure/track.hpp"
#include "skycover/raid/raid.hpp"
#include "skycover/scenario/scenario.hpp"

namespace skycover {

// Scenario -> terrain, sites, tracks -> engagement windows: the deterministic, expensive part of
// exposure and raid. The terrain is the whole grid when it fits `memory_budget_bytes`, else only the
// window the tracks need (their bounding box plus twice the longest range: the same windows).
struct TrackAnalysis {
  PreparedScenario prepared;              // terrain: the whole grid or the window read
  std::vector<Track> tracks;
  std::vector<EngagementWindow> windows;  // sites index prepared.sites
  std::optional<TileRect> window;         // the window read, if not the whole grid
};
Result<TrackAnalysis> analyse_tracks(const Scenario& scenario, std::int64_t memory_budget_bytes,
                                     const ProgressObserver& observer = {}, bool show_progress = true);

struct RaidRun {
  RaidPlan plan;
  RaidResult result;
};
// The seeded Monte Carlo raid over an analysis (raid/raid.hpp); the same for any thread count.
Result<RaidRun> simulate_raid(const TrackAnalysis& analysis, std::int64_t trials, std::uint64_t seed,
                              const ProgressObserver& observer = {}, bool show_progress = true);

struct StageRunOutput {
  std::string summary;               // the console table / text
  std::filesystem::path directory;   // the committed output folder
};

// `out` empty: the scenario's [output] dir + /exposure (or /raid). A DEM whose whole grid does not
// fit `memory_budget_bytes` is read only in the window the tracks need: their bounding box plus
// twice the longest engagement range (the same results; the manifest records the window).
Result<StageRunOutput> exposure_command(const std::filesystem::path& scenario, const std::filesystem::path& out,
                                        bool unlimited_missiles, const std::string& command_line,
                                        std::int64_t memory_budget_bytes = std::int64_t{2048} << 20,
                                        const ProgressObserver& observer = {});
Result<StageRunOutput> raid_command(const std::filesystem::path& scenario, const std::filesystem::path& out,
                                    std::optional<std::int64_t> trials, std::optional<std::uint64_t> seed,
                                    const std::string& command_line,
                                    std::int64_t memory_budget_bytes = std::int64_t{2048} << 20,
                                    const ProgressObserver& observer = {});

}  // namespace skycover
