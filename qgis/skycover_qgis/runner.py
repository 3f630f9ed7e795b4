"""Running the `skycover` command-line program from a Processing algorithm.

The plugin is a thin front end: every analysis is the CLI's. This module finds the executable,
runs it with SKYCOVER_PROGRESS=lines (the library then writes a line per percent of progress to
standard error, "skycover: progress: LABEL 42.0%", whose stage label and percentage are passed on to
QgsProcessingFeedback), polls `feedback.isCanceled()` and sends SIGTERM on cancel (skycover then
stops and writes nothing, exit 143). A failure raises QgsProcessingException with the library's own message, unchanged.
"""
import os
import re
import select
import shutil
import signal
import subprocess
import time

from qgis.core import QgsProcessingException

CLI_SETTING = "SKYCOVER_CLI"  # ProcessingConfig key (Settings > Options > Processing > Providers > skycover)


class Cancelled(QgsProcessingException):
    """The user cancelled the run; nothing was written."""


def find_cli():
    """The skycover executable: the provider setting, else $SKYCOVER_CLI, else `skycover` on PATH."""
    candidates = []
    try:
        from processing.core.ProcessingConfig import ProcessingConfig
        value = ProcessingConfig.getSetting(CLI_SETTING)
        if value:
            candidates.append(str(value))
    except Exception:  # Processing not initialised (plain PyQGIS scripts): fall through
        pass
    if os.environ.get("SKYCOVER_CLI"):
        candidates.append(os.environ["SKYCOVER_CLI"])
    on_path = shutil.which("skycover")
    if on_path:
        candidates.append(on_path)
    for c in candidates:
        if os.path.isfile(c) and os.access(c, os.X_OK):
            return c
    raise QgsProcessingException(
        "skycover: the skycover program was not found. Set its path in Settings > Options > Processing > "
        "Providers > skycover, or the SKYCOVER_CLI environment variable, or put it on PATH "
        "(it is built as build/release/skycover by scripts/build release)")


# "skycover: progress: <label> 42.0%" (src/core/progress.cpp, SKYCOVER_PROGRESS=lines)
_BAR = re.compile(r"^skycover: progress: (?P<label>.*) (?P<pct>[0-9]+(?:\.[0-9]+)?)%$")


class _ErrParser:
    """Splits the pseudo-terminal's stream into progress updates and ordinary lines."""

    def __init__(self, feedback):
        self.feedback = feedback
        self.buf = ""
        self.lines = []
        self.label = None

    def feed(self, text):
        self.buf += text
        while True:
            m = re.search(r"[\r\n]", self.buf)
            if not m:
                break
            piece, self.buf = self.buf[:m.start()], self.buf[m.end():]
            self._piece(piece)

    def _piece(self, piece):
        if not piece.strip():
            return
        bar = _BAR.match(piece)
        if bar:
            label = bar.group("label").strip()
            if self.feedback is not None:
                if label != self.label:
                    self.feedback.setProgressText(label)
                self.feedback.setProgress(float(bar.group("pct")))
            self.label = label
            return
        self.lines.append(piece)

    def finish(self):
        if self.buf:
            self._piece(self.buf)
            self.buf = ""


def error_message(lines, rc):
    """The library's message: everything from the first `skycover: error:` line, unchanged."""
    for i, line in enumerate(lines):
        if line.startswith("skycover: error:"):
            return "\n".join(lines[i:])
    tail = "\n".join(lines[-20:])
    return f"skycover exited with status {rc}" + (f":\n{tail}" if tail else "")


def run_cli(args, feedback=None, cwd=None, on_stdout_line=None):
    """Run `skycover ARGS`; return its standard output.

    Raises Cancelled when feedback is cancelled (the process is terminated and has written
    nothing), QgsProcessingException with skycover's message when it fails.
    """
    exe = find_cli()
    cmd = [exe] + [str(a) for a in args]
    if feedback is not None:
        feedback.pushCommandInfo(" ".join(_shell_quote(c) for c in cmd))
    env = dict(os.environ, SKYCOVER_PROGRESS="lines")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                            cwd=cwd, env=env, start_new_session=True)
    err_fd = proc.stderr.fileno()
    out_fd = proc.stdout.fileno()
    parser = _ErrParser(feedback)
    out_chunks = []
    out_buf = b""
    open_fds = {out_fd, err_fd}
    cancelled = False
    try:
        while open_fds:
            if feedback is not None and feedback.isCanceled() and not cancelled:
                cancelled = True
                _terminate(proc)
            ready, _, _ = select.select(list(open_fds), [], [], 0.1)
            for fd in ready:
                data = os.read(fd, 65536)
                if not data:
                    open_fds.discard(fd)
                    continue
                if fd == out_fd:
                    out_chunks.append(data)
                    if on_stdout_line is not None:
                        out_buf += data
                        *done, out_buf = out_buf.split(b"\n")
                        for line in done:
                            on_stdout_line(line.decode("utf-8", "replace"))
                else:
                    parser.feed(data.decode("utf-8", "replace"))
            if proc.poll() is not None and not ready:
                # The child is gone; anything it wrote is already readable, so one more pass drains it.
                ready, _, _ = select.select(list(open_fds), [], [], 0)
                if not ready:
                    break
        rc = proc.wait()
    finally:
        if proc.poll() is None:
            _terminate(proc)
        proc.stdout.close()
        proc.stderr.close()
    parser.finish()
    stdout = b"".join(out_chunks).decode("utf-8", "replace")
    if feedback is not None:
        for line in parser.lines:
            if not line.startswith("skycover: error:") and rc == 0:
                feedback.pushInfo(line)
    if cancelled or rc in (130, 143) or (feedback is not None and feedback.isCanceled()):
        raise Cancelled("skycover: cancelled; nothing was written")
    if rc != 0:
        raise QgsProcessingException(error_message(parser.lines, rc))
    return stdout


def _terminate(proc):
    try:
        proc.send_signal(signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + 20
    while proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def _shell_quote(s):
    return s if re.fullmatch(r"[A-Za-z0-9_./:=,@%+-]+", s) else "'" + s.replace("'", "'\\''") + "'"


def shell_command(args):
    """A copy-pasteable command line (POSIX shell quoting)."""
    return " ".join(_shell_quote(str(a)) for a in args)
