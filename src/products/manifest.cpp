#include "skycover/products/manifest.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "skycover/core/atomic_file.hpp"
#include "skycover/version.hpp"

namespace skycover {
namespace fs = std::filesystem;

namespace {
Status add_file(RunInfo& run, const std::string& role, const fs::path& path) {
  auto sha = sha256_file(path);
  if (!sha.ok()) return Status(sha.status().code(), fmt::format("hashing {} input: {}", role, sha.status().message()));
  run.inputs.push_back({role, path.string(), sha.value()});
  return Status::Ok();
}

std::string describe_terrain(const Scenario& s) {
  if (s.terrain.dem) return fmt::format("DEM file {}", s.terrain.dem->string());
  if (s.terrain.synthetic) {
    const auto& p = *s.terrain.synthetic;
    return fmt::format("synthetic fractal terrain {}x{} cells of {} m, relief {} m, seed {}", p.width, p.height,
                       p.cell_size_m, p.relief_m, p.seed);
  }
  return "none";
}
}  // namespace

Result<RunInfo> describe_run(const Scenario& scenario, const std::string& command_line) {
  RunInfo run;
  run.version = kVersion;
  run.seed = scenario.analysis.seed;
  run.command_line = command_line;
  run.scenario_sha256 = scenario.sha256;
  run.terrain_description = describe_terrain(scenario);
  run.inputs.push_back({"scenario", scenario.path.string(), scenario.sha256});
  if (scenario.terrain.dem) SKYCOVER_RETURN_IF_ERROR(add_file(run, "dem", *scenario.terrain.dem));
  if (scenario.area_polygon) SKYCOVER_RETURN_IF_ERROR(add_file(run, "area", *scenario.area_polygon));
  for (const auto& d : scenario.deployments)
    if (d.file) SKYCOVER_RETURN_IF_ERROR(add_file(run, "sites", *d.file));
  for (const auto& t : scenario.tracks)
    if (t.file) SKYCOVER_RETURN_IF_ERROR(add_file(run, "track", *t.file));
  return run;
}

std::string join_command_line(int argc, const char* const* argv) {
  std::string out;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    const bool plain = !a.empty() && std::all_of(a.begin(), a.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("-_./=:,+@%").find(c) != std::string_view::npos;
    });
    if (!plain) {
      std::string q = "'";
      for (char c : a) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
      a = q + "'";
    }
    if (i) out += ' ';
    out += a;
  }
  return out;
}

nlohmann::json run_info_json(const RunInfo& run) {
  nlohmann::json inputs = nlohmann::json::array();
  for (const auto& f : run.inputs) inputs.push_back({{"role", f.role}, {"path", f.path}, {"sha256", f.sha256}});
  return {{"tool", "skycover"},        {"version", run.version},   {"seed", run.seed},
          {"command_line", run.command_line}, {"scenario_sha256", run.scenario_sha256},
          {"terrain", run.terrain_description}, {"inputs", inputs}};
}

Status write_manifest(const fs::path& dir, const RunInfo& run, const nlohmann::json& extra) {
  nlohmann::json m = run_info_json(run);
  if (!extra.is_null()) m.update(extra);
  std::vector<fs::path> files;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    const auto rel = fs::relative(it->path(), dir);
    const std::string name = rel.filename().string();
    if (rel == "manifest.json" || name.starts_with(".")) continue;  // ourselves, temp files
    files.push_back(rel);
  }
  if (ec) return Status::IoError(fmt::format("{}: cannot list the output directory: {}", dir.string(), ec.message()));
  std::sort(files.begin(), files.end());
  nlohmann::json outputs = nlohmann::json::array();
  for (const auto& rel : files) {
    SKYCOVER_ASSIGN_OR_RETURN(const std::string sha, sha256_file(dir / rel));
    outputs.push_back({{"path", rel.generic_string()}, {"bytes", fs::file_size(dir / rel)}, {"sha256", sha}});
  }
  m["outputs"] = outputs;
  return write_file_atomic(dir / "manifest.json", m.dump(2) + "\n");
}

}  // namespace skycover
