// Provenance for every product directory: which inputs (by SHA-256), which version, seed and
// command line produced it, and a hash of every file written. manifest.json is written last.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "skycover/core/status.hpp"
#include "skycover/scenario/scenario.hpp"

namespace skycover {

struct InputFile {
  std::string role;   // "scenario", "dem", "sites", "area", "track"
  std::string path;   // as given (empty for built-in inputs)
  std::string sha256;
};

struct RunInfo {
  std::string version;       // skycover version
  std::uint64_t seed = 0;    // [analysis] seed
  std::string command_line;
  std::string scenario_sha256;
  std::vector<InputFile> inputs;
  std::string terrain_description;  // "DEM file ...", "synthetic ..." for reports
};

// Hash the scenario and every file it references (DEM, area polygon, site files, track files).
Result<RunInfo> describe_run(const Scenario& scenario, const std::string& command_line);
// argv joined with shell quoting where needed.
std::string join_command_line(int argc, const char* const* argv);

nlohmann::json run_info_json(const RunInfo& run);
// Write DIR/manifest.json: run info plus {path, bytes, sha256} of every other regular file under dir.
Status write_manifest(const std::filesystem::path& dir, const RunInfo& run, const nlohmann::json& extra = {});

}  // namespace skycover
