// skycover command-line front end.
// Exit codes: 0 success, 1 usage error (CLI11), 2 invalid input, 3 I/O error, 4 internal error.
#include <cstdio>
#include <exception>

#include <fmt/format.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "commands.hpp"
#include "skycover/core/interrupt.hpp"
#include "skycover/core/terminal_text.hpp"
#include "skycover/dist/world.hpp"
#include "skycover/products/manifest.hpp"
#include "skycover/version.hpp"
#include "skycover/visibility/viewshed.hpp"

namespace skycover::cli {

void say(std::string_view text) { std::fputs(terminal_safe(text).c_str(), stdout); }
void complain(std::string_view text) { std::fputs(terminal_safe(text).c_str(), stderr); }

int report(const Status& status) {
  if (status.ok()) return 0;
  complain(fmt::format("skycover: error: {}\n", status.message()));
  return status.exit_code();
}

}  // namespace skycover::cli

namespace {

// Log lines quote paths and values from the user's files: the message is made terminal-safe
// before the coloured stderr sink prints it.
class TerminalSafeSink final : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    const std::string safe = skycover::terminal_safe(std::string_view(msg.payload.data(), msg.payload.size()));
    spdlog::details::log_msg copy = msg;
    copy.payload = safe;
    target_->log(copy);
  }
  void flush_() override { target_->flush(); }
  void set_pattern_(const std::string& pattern) override { target_->set_pattern(pattern); }
  void set_formatter_(std::unique_ptr<spdlog::formatter> formatter) override {
    target_->set_formatter(std::move(formatter));
  }

 private:
  std::shared_ptr<spdlog::sinks::stderr_color_sink_mt> target_ = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
};

// The sub-command named on the command line (the first argument that is not an option), or "".
std::string subcommand_of(int argc, char** argv) {
  for (int i = 1; i < argc; ++i)
    if (argv[i][0] != '-') return argv[i];
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  // Log lines (warnings, info) go to stderr; stdout carries only results.
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("skycover", std::make_shared<TerminalSafeSink>()));
  spdlog::set_pattern("skycover: %l: %v");

  // Ctrl-C and SIGTERM stop the work and remove what was staged (core/interrupt.hpp).
  skycover::install_interrupt_handlers();

  // Alone, or one rank of an MPI run (mpirun -np N skycover coverage|sweep ...).
  auto world = skycover::World::open(&argc, &argv);
  if (!world.ok()) return skycover::cli::report(world.status());
  skycover::Collective& ranks = world->collective();
  if (ranks.size() > 1) {
    const std::string command = subcommand_of(argc, argv);
    if (command != "coverage" && command != "sweep") {
      if (ranks.is_root())
        skycover::cli::complain(fmt::format("skycover: error: '{}' runs in one process; only coverage and sweep spread over MPI ranks "
                   "(run it without mpirun)\n", command));
      return 2;
    }
  }

  CLI::App app{"skycover: air-defence coverage and exposure analysis over real terrain"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("skycover ") + skycover::kVersion +
                                        (skycover::World::built_with_mpi() ? " (with MPI)" : " (without MPI)"));
  bool verbose = false;
  app.add_flag("-v,--verbose", verbose, "Log more detail to stderr");
  app.parse_complete_callback([&] {
    spdlog::set_level(verbose ? spdlog::level::debug : spdlog::level::warn);
    // The CPU and the kernel's column step, timed now (a few ms) as the first viewshed would.
    if (verbose) spdlog::debug("{}", skycover::kernel_report());
  });

  int exit_code = 0;
  skycover::cli::add_terrain_commands(app, exit_code);
  skycover::cli::add_visibility_commands(app, exit_code);
  skycover::cli::add_scenario_commands(app, exit_code);
  skycover::cli::add_exposure_commands(app, exit_code, skycover::join_command_line(argc, argv));
  skycover::cli::add_coverage_commands(app, exit_code, skycover::join_command_line(argc, argv), ranks);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version arrive here as "errors" with exit code 0: CLI11 prints them.
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(e);
    // Usage errors read like every other error. File arguments are not checked here (no
    // CLI::ExistingFile): the library reports a missing file as an I/O error (exit 3).
    skycover::cli::complain(fmt::format("skycover: error: {}\nRun with --help for more information.\n", e.what()));
    return 1;
  } catch (const std::exception& e) {
    skycover::cli::complain(fmt::format("skycover: internal error: {} (please report this with the command you ran)\n", e.what()));
    world->abort_all(4);
    return 4;
  }
  // Interrupted: 130 (SIGINT) or 143 (SIGTERM), whatever the stopped command reported.
  if (const int code = skycover::interrupt_exit_code()) return code;
  return exit_code;
}
