// A product directory that appears whole or not at all.
//
// `coverage`, `sweep`, `demo`, `exposure` and `raid` write many files (summary, rasters, maps,
// report, manifest). A failure half-way must not leave a plausible-looking but partial folder, and
// a re-run must not mix its files with an earlier run's. So every run writes into a hidden
// temporary sibling (".NAME.partial-PID-N", same parent, hence the same file system) and commit()
// renames it onto the target:
//   - target missing or empty: it appears whole at commit.
//   - target holds a finished skycover output (its manifest.json says "tool": "skycover" and lists
//     every top-level file): the re-run replaces it at commit (old folder moved aside, new one
//     renamed in, old one deleted), so the manifest lists exactly this run's files and no stale
//     ones stay; folders nested in it that are skycover outputs of their own (sweep/, exposure/,
//     raid/ of other commands) are carried over.
//   - target holds anything else: refused (exit 2, naming what is there), never emptied.
//   - "." and "..": refused (a run replaces its folder).
// On failure, Ctrl-C or SIGTERM (the error unwinds; core/interrupt.hpp) the sibling is deleted.
// Siblings left by a killed or crashed run (their PID is gone) are removed by the next open() of
// the same target. See docs/reliability.md.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "skycover/core/status.hpp"

namespace skycover {

class StagedOutputDir {
 public:
  // Creates the staging directory (or, in place, the target's parents); errors name the path.
  static Result<StagedOutputDir> open(const std::filesystem::path& target);
  StagedOutputDir(StagedOutputDir&& other) noexcept;
  StagedOutputDir& operator=(StagedOutputDir&&) = delete;
  StagedOutputDir(const StagedOutputDir&) = delete;
  StagedOutputDir& operator=(const StagedOutputDir&) = delete;
  ~StagedOutputDir();  // removes the staging directory unless committed

  // Where to write now (the staging directory, or the target itself when in place).
  const std::filesystem::path& path() const { return path_; }
  const std::filesystem::path& target() const { return target_; }
  // Whether commit() replaces an earlier skycover output.
  bool replaces() const { return replaces_; }
  // Move the staged directory onto the target.
  Status commit();

 private:
  StagedOutputDir(std::filesystem::path target, std::filesystem::path path) : target_(std::move(target)), path_(std::move(path)) {}
  std::filesystem::path target_;
  std::filesystem::path path_;
  bool done_ = false;
  bool replaces_ = false;
  std::vector<std::string> keep_;  // nested outputs of other commands, carried over at commit
};

}  // namespace skycover
