#include "skycover/core/interrupt.hpp"

#include <atomic>
#include <csignal>

#include <fmt/format.h>

namespace skycover {
namespace {

std::atomic<int> g_signal{0};  // see the header: the only way a signal can reach the work
static_assert(std::atomic<int>::is_always_lock_free, "the handler needs a lock-free store");

extern "C" void on_signal(int sig) {
  g_signal.store(sig, std::memory_order_relaxed);
  // A second Ctrl-C stops at once (the default action), for a user who does not want to wait.
  std::signal(sig, SIG_DFL);
}

}  // namespace

void install_interrupt_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

int interrupted() { return g_signal.load(std::memory_order_relaxed); }

void request_interrupt() { g_signal.store(SIGINT, std::memory_order_relaxed); }

void clear_interrupt() { g_signal.store(0, std::memory_order_relaxed); }

Status interrupted_status() {
  const int sig = interrupted();
  return Status::Internal(fmt::format("interrupted by {}: stopped; nothing was written to the output folder",
                                      sig == SIGTERM ? "SIGTERM" : "SIGINT (Ctrl-C)"));
}

int interrupt_exit_code() {
  const int sig = interrupted();
  return sig ? 128 + sig : 0;
}

}  // namespace skycover
