// A product directory that appears whole or not at all.
//
// `coverage`, `sweep` and `demo` write many files (summary, rasters, maps, report, manifest). A
// failure half-way must not leave a plausible-looking but partial folder. So:
//   - target missing or empty: write into a hidden temporary sibling (".NAME.partial-PID-N" in the
//     same parent, hence the same file system) and rename it onto the target at the end (an empty
//     target is removed first). On failure (destroyed without commit) the sibling is deleted: no
//     new output folder appears.
//   - target exists and holds files: write into it file by file (each file atomic, manifest.json
//     last), because replacing it would delete whatever else the user keeps there (the target may
//     be ".", or a folder of earlier runs). A failure then leaves the new files without a new
//     manifest: a manifest that lists and hashes exactly the files present marks a complete run.
#pragma once
#include <filesystem>

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
  bool in_place() const { return path_ == target_; }
  // Move the staged directory onto the target (no-op in place).
  Status commit();

 private:
  StagedOutputDir(std::filesystem::path target, std::filesystem::path path) : target_(std::move(target)), path_(std::move(path)) {}
  std::filesystem::path target_;
  std::filesystem::path path_;
  bool done_ = false;
};

}  // namespace skycover
