// `skycover exposure SCENARIO.toml` and `skycover raid SCENARIO.toml`.
#include <filesystem>
#include <memory>
#include <optional>

#include <fmt/format.h>

#include "commands.hpp"
#include "validators.hpp"
#include "skycover/products/exposure_run.hpp"

namespace skycover::cli {
namespace {

int print_stage_run(const Result<StageRunOutput>& r) {
  if (!r.ok()) return report(r.status());
  say(fmt::format("{}", r->summary));
  say(fmt::format("wrote {}\n", r->directory.string()));
  return 0;
}

void add_memory_option(CLI::App* cmd, std::int64_t& memory_mb) {
  cmd->add_option("--memory-mb", memory_mb,
                  "Memory budget in MB (default 2048): a DEM whose grid does not fit is read only in the window "
                  "around the tracks")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{16} << 20));
}

}  // namespace

void add_exposure_commands(CLI::App& app, int& exit_code, const std::string& command_line) {
  {
    auto scenario = std::make_shared<std::string>();
    auto out = std::make_shared<std::string>();
    auto unlimited = std::make_shared<bool>(false);
    auto memory_mb = std::make_shared<std::int64_t>(2048);
    auto* cmd = app.add_subcommand(
        "exposure", "Per track: which sites can engage it, when, intercept points, shots and survival probability");
    cmd->add_option("SCENARIO", *scenario, "Scenario file (TOML) with [[tracks]]")->required();
    cmd->add_option("--out", *out, "Output directory (default: [output] dir of the scenario + /exposure)")->check(non_empty_path());
    cmd->add_flag("--unlimited-missiles", *unlimited, "Do not cap shots per site by its ready missiles");
    add_memory_option(cmd, *memory_mb);
    cmd->callback([=, &exit_code] {
      exit_code = print_stage_run(exposure_command(*scenario, *out, *unlimited, command_line, *memory_mb << 20));
    });
  }
  {
    auto scenario = std::make_shared<std::string>();
    auto out = std::make_shared<std::string>();
    auto trials = std::make_shared<std::int64_t>(0);
    auto seed = std::make_shared<std::uint64_t>(0);
    auto memory_mb = std::make_shared<std::int64_t>(2048);
    auto* cmd = app.add_subcommand("raid", "Monte Carlo raid: all tracks' targets against all sites with finite "
                                           "missiles; distribution of survivors");
    cmd->add_option("SCENARIO", *scenario, "Scenario file (TOML) with [[tracks]]")->required();
    auto* t = cmd->add_option("--trials", *trials, "Monte Carlo trials (default: [raid] trials)")
                  ->check(CLI::Range(std::int64_t{1}, std::int64_t{100'000'000}));
    auto* s = cmd->add_option("--seed", *seed, "Random seed (default: [raid] seed)")->check(seed_value());
    cmd->add_option("--out", *out, "Output directory (default: [output] dir of the scenario + /raid)")->check(non_empty_path());
    add_memory_option(cmd, *memory_mb);
    cmd->callback([=, &exit_code] {
      exit_code = print_stage_run(raid_command(*scenario, *out, t->count() ? std::optional<std::int64_t>(*trials) : std::nullopt,
                                               s->count() ? std::optional<std::uint64_t>(*seed) : std::nullopt, command_line,
                                               *memory_mb << 20));
    });
  }
}

}  // namespace skycover::cli
