// The exposure and raid workflows (`skycover exposure`, `skycover raid`): scenario -> terrain,
// sites and tracks -> engagement windows -> analysis -> products, written into a staged output
// folder that appears whole or not at all (output_dir.hpp), like coverage's.
#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "skycover/core/status.hpp"

namespace skycover {

struct StageRunOutput {
  std::string summary;               // the console table / text
  std::filesystem::path directory;   // the committed output folder
};

// `out` empty: the scenario's [output] dir + /exposure (or /raid). A DEM whose whole grid does not
// fit `memory_budget_bytes` is read only in the window the tracks need: their bounding box plus
// twice the longest engagement range (the same results; the manifest records the window).
Result<StageRunOutput> exposure_command(const std::filesystem::path& scenario, const std::filesystem::path& out,
                                        bool unlimited_missiles, const std::string& command_line,
                                        std::int64_t memory_budget_bytes = std::int64_t{2048} << 20);
Result<StageRunOutput> raid_command(const std::filesystem::path& scenario, const std::filesystem::path& out,
                                    std::optional<std::int64_t> trials, std::optional<std::uint64_t> seed,
                                    const std::string& command_line,
                                    std::int64_t memory_budget_bytes = std::int64_t{2048} << 20);

}  // namespace skycover
