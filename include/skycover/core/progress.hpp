// Progress reporting: a bar with the share done and an ETA on stderr when stderr is a terminal, silent otherwise
// (CI logs and pipes stay clean). With SKYCOVER_PROGRESS=lines in the environment, a line per
// percent instead ("skycover: progress: LABEL 42.0%"), terminal or not: what a front end running
// the CLI as a child parses (the QGIS plugin). Thread-safe: advance() may be called from TBB workers.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

namespace skycover {

// Told (label, done, total) from any thread while work advances (a front end's own display, e.g.
// a Python callback); must be thread-safe.
using ProgressObserver = std::function<void(const std::string& label, std::int64_t done, std::int64_t total)>;

class Progress {
 public:
  // enabled=false forces silence; otherwise the bar shows only if stderr is a TTY.
  Progress(std::string label, std::int64_t total, bool enabled = true);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void advance(std::int64_t n = 1);
  // Also tell `observer` at every advance, from the advancing thread. Set it before the work starts.
  void set_observer(ProgressObserver observer) { observer_ = std::move(observer); }
  // Change the total (a tiled run learns it once its tiles are planned).
  void set_total(std::int64_t total) { total_.store(total > 0 ? total : 1); }
  void finish();

 private:
  void draw(std::int64_t done);
  std::string label_;
  std::atomic<std::int64_t> total_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  bool lines_;   // SKYCOVER_PROGRESS=lines: a line per percent instead of a bar
  bool active_;
  std::atomic<std::int64_t> done_{0};
  std::atomic<int> last_permille_{-1};
  std::mutex draw_mutex_;
  bool finished_ = false;
  std::int64_t drawn_ = -1;  // last value drawn (guarded by draw_mutex_)
  ProgressObserver observer_;
};

}  // namespace skycover
