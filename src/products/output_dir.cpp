#include "skycover/products/output_dir.hpp"

#include <unistd.h>

#include <atomic>
#include <system_error>

#include <fmt/format.h>

namespace skycover {
namespace fs = std::filesystem;

Result<StagedOutputDir> StagedOutputDir::open(const fs::path& target) {
  std::error_code ec;
  if (fs::is_symlink(fs::symlink_status(target, ec)))
    return Status::IoError(fmt::format("{}: the output path is a symbolic link; give the folder itself (skycover "
                                       "never replaces a link or writes through one)",
                                       target.string()));
  const bool exists = fs::exists(target, ec);
  if (exists && !fs::is_directory(target, ec))
    return Status::IoError(fmt::format("{}: the output path exists and is not a directory; choose another --out",
                                       target.string()));
  if (exists && !fs::is_empty(target, ec)) {
    return StagedOutputDir(target, target);  // in place (see the header)
  }
  fs::path t = target;
  if (t.filename().empty()) t = t.parent_path();  // "out/" -> "out"
  if (t.filename().empty() || t.filename() == "." || t.filename() == "..") return StagedOutputDir(target, target);
  static std::atomic<unsigned> counter{0};
  const fs::path staging =
      t.parent_path() / fmt::format(".{}.partial-{}-{}", t.filename().string(), static_cast<long>(::getpid()), counter++);
  fs::create_directories(staging, ec);
  if (ec)
    return Status::IoError(fmt::format("cannot create the output folder {}: {}", staging.string(), ec.message()));
  return StagedOutputDir(t, staging);
}

StagedOutputDir::StagedOutputDir(StagedOutputDir&& other) noexcept
    : target_(std::move(other.target_)), path_(std::move(other.path_)), done_(other.done_) {
  other.done_ = true;
}

StagedOutputDir::~StagedOutputDir() {
  if (done_ || in_place()) return;
  std::error_code ec;
  fs::remove_all(path_, ec);
}

Status StagedOutputDir::commit() {
  if (in_place() || done_) {
    done_ = true;
    return Status::Ok();
  }
  std::error_code ec;
  if (fs::exists(target_, ec)) fs::remove(target_, ec);  // only an empty directory can be here (see open)
  fs::rename(path_, target_, ec);
  if (ec)
    return Status::IoError(fmt::format("cannot move the finished output folder {} into place as {}: {}",
                                       path_.string(), target_.string(), ec.message()));
  done_ = true;
  return Status::Ok();
}

}  // namespace skycover
