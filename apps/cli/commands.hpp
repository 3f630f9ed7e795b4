// Each CLI sub-command lives in its own file and registers itself here. Commands are thin:
// parse arguments, call the library, print results; all logic lives in libskycover.
#pragma once
#include <CLI/CLI.hpp>

#include <string>
#include <string_view>

#include "skycover/core/collective.hpp"
#include "skycover/core/status.hpp"

namespace skycover::cli {

// Print a failed Status to stderr ("skycover: error: ...") and return its exit code.
int report(const Status& status);
// Every line the CLI prints goes through one of these: results to stdout, problems to stderr,
// both made terminal-safe (core/terminal_text.hpp), since they quote the user's paths and text.
void say(std::string_view text);
void complain(std::string_view text);

void add_terrain_commands(CLI::App& app, int& exit_code);
void add_visibility_commands(CLI::App& app, int& exit_code);
void add_scenario_commands(CLI::App& app, int& exit_code);  // validate
void add_exposure_commands(CLI::App& app, int& exit_code, const std::string& command_line);  // exposure, raid
// coverage, sweep, demo; command_line is recorded in manifests. coverage and sweep spread their
// tiles over `world`'s ranks when started by mpirun (dist/world.hpp).
void add_coverage_commands(CLI::App& app, int& exit_code, const std::string& command_line, Collective& world);

}  // namespace skycover::cli
