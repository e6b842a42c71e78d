"""Running a program in a process group of its own, as ``devkit check`` runs each step.

``run_group`` starts the program in a session of its own and, when it exits, waits for what it
left in its group; ``group_signals`` passes devkit's signals on to every such group. Unlike
``proc.run_attached`` (one child on the terminal), several steps may run at once, in threads.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from types import FrameType
from typing import IO

from devkit import proc
from devkit.console import LOG
from devkit.errors import ToolNotFoundError, exit_code_of
from devkit.proc import group as procgroup


def _group_alive(pgid: int) -> bool:
    """Whether any non-zombie process is left in the group."""
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    import psutil

    for process in psutil.process_iter(["status"]):
        try:
            if os.getpgid(process.pid) == pgid and process.info["status"] != psutil.STATUS_ZOMBIE:
                return True
        except (ProcessLookupError, psutil.Error):
            continue
    return False


def _reap_group(pgid: int, grace: float) -> None:
    """Give the group ``grace`` seconds to finish on its own, then SIGTERM, then SIGKILL."""
    for sig in (None, signal.SIGTERM, signal.SIGKILL):
        if sig is not None:
            LOG.debug("process group %d still running; sending %s", pgid, signal.Signals(sig).name)
            procgroup.signal_group(pgid, sig)
        deadline = time.monotonic() + (grace if sig is None else 2.0)
        while time.monotonic() < deadline:
            if not _group_alive(pgid):
                return
            time.sleep(0.05)


# Process groups `run_group` is waiting for, and the signals `group_signals` received: a step
# that starts after a Ctrl-C would outlive the devkit that was asked to stop. Reentrant: the
# signal handler that stops them may interrupt the main thread while it holds the lock.
_groups: set[int] = set()
_groups_stopping: list[int] = []
_groups_lock = threading.RLock()


def run_group(
    argv: Sequence[str | os.PathLike[str]],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    on_output: Callable[[str], None] | None = None,
    stdout_fd: int | None = None,
    grace: float = 5.0,
) -> int:
    """Run a program in its own process group until it exits; return its exit code (128+N on
    signal N). No process of the group outlives the call.

    Its output goes to ``on_output`` line by line (stdout and stderr together), else straight to
    this process's stderr and to ``stdout_fd`` (default: stdout). Its stdin is empty, as in CI.
    Under ``group_signals`` a signal to devkit reaches the whole group (micromamba run does not
    pass SIGINT on, mamba-org/mamba#1820), and no group starts after one.
    """
    args = [os.fspath(a) for a in argv]
    LOG.debug("run in its own group: %s", " ".join(args))
    with _groups_lock:
        if _groups_stopping:
            raise proc.stopped(_groups_stopping[0])
        try:
            child = subprocess.Popen(  # argv is a list, never a shell string
                args,
                cwd=cwd,
                env=dict(env) if env is not None else proc.clean_env(),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE if on_output else stdout_fd,
                stderr=subprocess.STDOUT if on_output else None,
                start_new_session=True,
                text=on_output is not None,
                errors="replace" if on_output else None,
            )
        except FileNotFoundError as exc:
            raise ToolNotFoundError(f"{args[0]} is not installed or not on PATH.") from exc
        except OSError as exc:
            raise ToolNotFoundError(f"{args[0]} cannot run: {exc.strerror}") from exc
        _groups.add(child.pid)
    # A reader thread, so a process the step left running with the pipe open (a server started
    # with `&`) cannot keep devkit waiting: the group is reaped once the step itself exits.
    reader = None
    if on_output is not None and child.stdout is not None:
        reader = threading.Thread(target=_pump, args=(child.stdout, on_output), daemon=True)
        reader.start()
    try:
        child.wait()
    except BaseException as exc:  # Ctrl-C outside group_signals: the group did not get it
        stop = signal.SIGINT if isinstance(exc, KeyboardInterrupt) else signal.SIGTERM
        procgroup.signal_group(child.pid, stop)
        raise
    finally:
        with _groups_lock:
            _groups.discard(child.pid)
        _reap_group(child.pid, grace)
        if child.poll() is None:
            child.kill()
            child.wait()
        if reader is not None:
            # Only a process that left the group (setsid) can still hold the pipe: not waited for.
            reader.join(timeout=1.0)
    return exit_code_of(child.returncode)


def _pump(stream: IO[str], on_output: Callable[[str], None]) -> None:
    with stream:
        for line in stream:
            on_output(line.rstrip("\n"))


@contextlib.contextmanager
def group_signals() -> Iterator[list[int]]:
    """Pass Ctrl-C, SIGTERM and SIGHUP on to every ``run_group`` child (a second one kills),
    and start no group after; yields the signals received. Main thread only."""
    received: list[int] = []

    def forward(signum: int, _frame: FrameType | None) -> None:
        received.append(signum)
        with _groups_lock:
            _groups_stopping.append(signum)
            groups = list(_groups)
        for pgid in groups:
            procgroup.signal_group(pgid, signum if len(received) == 1 else signal.SIGKILL)

    with proc.handlers((signal.SIGINT, signal.SIGTERM, signal.SIGHUP), forward):
        try:
            yield received
        finally:
            with _groups_lock:
                _groups_stopping.clear()
