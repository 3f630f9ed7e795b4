// Ctrl-C (SIGINT) and SIGTERM: stop the work, clean up, exit 130 or 143.
//
// The front end installs handlers that only record the signal (an atomic store: async-signal-
// safe). Long loops (the union's site batches, coverage and survey tiles, raid trials) poll
// interrupted() and stop with interrupted_status(); the error then unwinds like any other, so the
// staged output folder and temporary files are removed by their owners (RAII), and the front end
// exits with 128 + the signal number. The one piece of process-wide state: a signal has no other
// way in. A run killed outright (SIGKILL, a crash) leaves its staging folder, which the next run
// into the same place removes (products/output_dir.hpp).
#pragma once
#include "skycover/core/status.hpp"

namespace skycover {

// Route SIGINT and SIGTERM to the flag (the second one of them kills at once, as usual).
void install_interrupt_handlers();
// The signal received (SIGINT, SIGTERM), or 0.
int interrupted();
// "interrupted by SIGINT: ..." (exit code via interrupt_exit_code()).
Status interrupted_status();
// 128 + the signal, or 0 when none was received.
int interrupt_exit_code();

// Stop the work as SIGINT would, from a front end: the Python module calls it when its progress
// callback raises (KeyboardInterrupt, or the caller's own exception to cancel). clear_interrupt()
// before the next run in the same process.
void request_interrupt();
void clear_interrupt();

}  // namespace skycover
