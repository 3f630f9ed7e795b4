#include "skycover/products/output_dir.hpp"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include <atomic>
#include <system_error>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace skycover {
namespace fs = std::filesystem;

namespace {

// The top-level names a finished skycover output folder holds (manifest.json and the first path
// component of every output it lists), or nullopt when `dir` has no skycover manifest.
std::optional<std::set<std::string>> skycover_output_names(const fs::path& dir) {
  std::ifstream f(dir / "manifest.json");
  if (!f) return std::nullopt;
  const nlohmann::json m = nlohmann::json::parse(f, nullptr, false);
  if (m.is_discarded() || !m.is_object() || m.value("tool", "") != "skycover") return std::nullopt;
  std::set<std::string> names{"manifest.json"};
  if (const auto it = m.find("outputs"); it != m.end() && it->is_array())
    for (const auto& o : *it)
      if (o.is_object() && o.contains("path") && o["path"].is_string())
        names.insert(fs::path(o["path"].get<std::string>()).begin()->string());
  return names;
}

// Staging and replaced folders (".NAME.partial-PID-N", ".NAME.replaced-PID-N") of runs into the
// same target that were killed or crashed: their process is gone (kill(pid, 0) fails with ESRCH).
void remove_stale_siblings(const fs::path& target) {
  std::error_code ec;
  const std::string stem = fmt::format(".{}.", target.filename().string());
  for (const auto& e : fs::directory_iterator(target.parent_path().empty() ? fs::path(".") : target.parent_path(), ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind(stem, 0) != 0) continue;
    const std::string rest = name.substr(stem.size());
    for (const char* kind : {"partial-", "replaced-"}) {
      if (rest.rfind(kind, 0) != 0) continue;
      const long pid = std::strtol(rest.c_str() + std::strlen(kind), nullptr, 10);
      if (pid > 0 && pid != static_cast<long>(::getpid()) && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) {
        std::error_code rm;
        fs::remove_all(e.path(), rm);
      }
    }
  }
}

}  // namespace

Result<StagedOutputDir> StagedOutputDir::open(const fs::path& target) {
  std::error_code ec;
  if (fs::is_symlink(fs::symlink_status(target, ec)))
    return Status::IoError(fmt::format("{}: the output path is a symbolic link; give the folder itself (skycover "
                                       "never replaces a link or writes through one)",
                                       target.string()));
  fs::path t = target;
  if (t.filename().empty()) t = t.parent_path();  // "out/" -> "out"
  if (t.empty() || t.filename() == "." || t.filename() == "..")
    return Status::Invalid(fmt::format("'{}': give the output a folder of its own (e.g. --out results), not the "
                                       "current or parent folder: a run replaces its whole output folder",
                                       target.string()));
  const bool exists = fs::exists(t, ec);
  if (exists && !fs::is_directory(t, ec))
    return Status::IoError(fmt::format("{}: the output path exists and is not a directory; choose another --out",
                                       t.string()));
  // A read-only folder stays read-only: it is not swapped for a fresh writable one.
  if (exists && ::access(t.c_str(), W_OK) != 0)
    return Status::IoError(fmt::format("{}: the output folder is not writable ({}); make it writable or choose "
                                       "another --out",
                                       t.string(), std::strerror(errno)));
  // A re-run replaces a finished skycover output (no stale files of the earlier run stay) and keeps
  // the outputs of other commands nested in it (sweep/, exposure/, raid/: skycover outputs of their
  // own); a folder holding anything else is refused, never emptied (docs/reliability.md).
  std::vector<std::string> keep;
  if (exists && !fs::is_empty(t, ec)) {
    const auto names = skycover_output_names(t);
    std::vector<std::string> unknown;
    for (const auto& e : fs::directory_iterator(t, ec)) {
      const std::string name = e.path().filename().string();
      if (names && names->count(name)) continue;
      if (names && e.is_directory() && skycover_output_names(e.path()))
        keep.push_back(name);
      else
        unknown.push_back(name);
    }
    if (!names || !unknown.empty()) {
      std::sort(unknown.begin(), unknown.end());
      if (unknown.size() > 5) unknown.resize(5), unknown.push_back("...");
      return Status::Invalid(fmt::format(
          "{}: the folder already holds files that are not {} ({}); skycover writes only into a new or empty folder, "
          "or replaces one of its own finished outputs, so that nothing else is deleted: choose a new --out (or move "
          "those files away)",
          t.string(), names ? "outputs of the earlier run" : "a skycover output (no skycover manifest.json)",
          fmt::join(unknown, ", ")));
    }
  }
  remove_stale_siblings(t);
  static std::atomic<unsigned> counter{0};
  const fs::path staging =
      t.parent_path() / fmt::format(".{}.partial-{}-{}", t.filename().string(), static_cast<long>(::getpid()), counter++);
  fs::create_directories(staging, ec);
  if (ec)
    return Status::IoError(fmt::format("cannot create the output folder {}: {}", staging.string(), ec.message()));
  StagedOutputDir d(t, staging);
  d.replaces_ = exists && !fs::is_empty(t, ec);
  d.keep_ = std::move(keep);
  return d;
}

StagedOutputDir::StagedOutputDir(StagedOutputDir&& other) noexcept
    : target_(std::move(other.target_)), path_(std::move(other.path_)), done_(other.done_), replaces_(other.replaces_),
      keep_(std::move(other.keep_)) {
  other.done_ = true;
}

StagedOutputDir::~StagedOutputDir() {
  if (done_) return;
  std::error_code ec;
  fs::remove_all(path_, ec);
}

Status StagedOutputDir::commit() {
  if (done_) return Status::Ok();
  std::error_code ec;
  // The earlier output moves aside first (same file system: a rename), the new one takes its
  // place, then the old one is deleted; if the second rename fails the old one comes back. A
  // concurrent run into the same folder may commit between the two steps (the target reappears):
  // then this run moves that output aside too and tries again, so the last to commit wins whole.
  std::vector<fs::path> asides;
  for (int attempt = 0;; ++attempt) {
    if (fs::exists(target_, ec)) {
      if (fs::is_empty(target_, ec)) {
        fs::remove(target_, ec);
      } else {
        static std::atomic<unsigned> counter{0};
        const fs::path aside = target_.parent_path() / fmt::format(".{}.replaced-{}-{}", target_.filename().string(),
                                                                   static_cast<long>(::getpid()), counter++);
        fs::rename(target_, aside, ec);
        if (ec)
          return Status::IoError(
              fmt::format("cannot move the earlier output {} aside: {}", target_.string(), ec.message()));
        asides.push_back(aside);
      }
    }
    fs::rename(path_, target_, ec);
    if (!ec) break;
    if (attempt < 3 && fs::exists(target_)) continue;  // another run committed in between
    std::error_code back;
    if (!asides.empty()) fs::rename(asides.front(), target_, back);
    return Status::IoError(fmt::format("cannot move the finished output folder {} into place as {}: {}",
                                       path_.string(), target_.string(), ec.message()));
  }
  done_ = true;
  if (asides.empty()) return Status::Ok();
  // Nested outputs of other commands come back (unless this run wrote one of the same name).
  for (const std::string& name : keep_)
    if (!fs::exists(target_ / name, ec)) fs::rename(asides.front() / name, target_ / name, ec);
  for (const fs::path& aside : asides) fs::remove_all(aside, ec);
  return Status::Ok();
}

}  // namespace skycover
