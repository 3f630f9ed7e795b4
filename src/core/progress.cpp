#include "skycover/core/progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace skycover {

namespace {

// SKYCOVER_PROGRESS=lines: one line per percent ("skycover: progress: LABEL 42.0%") whether or not
// stderr is a terminal, for front ends that run the CLI as a child (the QGIS plugin). Read when a
// bar is made: the environment is the CLI's input, like its arguments.
bool lines_requested() {
  const char* v = std::getenv("SKYCOVER_PROGRESS");
  return v != nullptr && std::string_view(v) == "lines";
}

}  // namespace

Progress::Progress(std::string label, std::int64_t total, bool enabled)
    : label_(std::move(label)), total_(total > 0 ? total : 1),
      lines_(enabled && lines_requested()),
      active_(lines_ || (enabled && ::isatty(STDERR_FILENO) == 1)) {}

Progress::~Progress() { finish(); }

void Progress::advance(std::int64_t n) {
  const auto done = done_.fetch_add(n) + n;
  if (observer_) observer_(label_, done, total_.load());
  if (!active_) return;
  const int permille = static_cast<int>(1000 * done / total_.load());
  int last = last_permille_.load();
  // Redraw at most every 0.5 % (a line every 1 %) so terminals are not flooded from many threads.
  if (permille >= last + (lines_ ? 10 : 5) && last_permille_.compare_exchange_strong(last, permille)) draw(done);
}

void Progress::draw(std::int64_t done) {
  std::lock_guard lock(draw_mutex_);
  // Workers race to the lock: never draw a value older than one already shown.
  if (finished_ || done < drawn_ || (lines_ && done == drawn_)) return;
  drawn_ = done;
  constexpr int kWidth = 30;
  const double frac = std::min(1.0, static_cast<double>(done) / static_cast<double>(total_.load()));
  if (lines_) {
    std::fprintf(stderr, "skycover: progress: %s %.1f%%\n", label_.c_str(), 100.0 * frac);
    std::fflush(stderr);
    return;
  }
  const int filled = static_cast<int>(frac * kWidth);
  std::fprintf(stderr, "\r%-24s [", label_.c_str());
  for (int i = 0; i < kWidth; ++i) std::fputc(i < filled ? '#' : '.', stderr);
  std::fprintf(stderr, "] %5.1f%%", 100.0 * frac);
  // ETA from the mean rate so far (the work of a tiled run is spread evenly enough).
  const double elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  if (frac > 0.01 && frac < 1.0) {
    const auto eta_s = static_cast<long>(elapsed_s * (1.0 - frac) / frac);
    std::fprintf(stderr, "  ETA %ld:%02ld   ", eta_s / 60, eta_s % 60);
  } else {
    std::fprintf(stderr, "  %.0f s        ", elapsed_s);
  }
  std::fflush(stderr);
}

void Progress::finish() {
  if (!active_) return;
  draw(total_.load());
  std::lock_guard lock(draw_mutex_);
  if (!finished_) {
    if (!lines_) std::fputc('\n', stderr);
    finished_ = true;
  }
}

}  // namespace skycover
