"""Waiting for a process group devkit started until every process of it is gone.

``proc.run_attached`` starts ``micromamba run`` in a group of its own. When micromamba exits,
the service it started may still be shutting down (micromamba dies on Ctrl-C at once, the
service takes its time), or may have left a process behind. Waiting for them is cheap in the
common case: a system call every few milliseconds. psutil, which has to scan every process of
the machine, is only used when the group lingers, to tell live processes from zombies and to
say what devkit is waiting for.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator
from typing import NamedTuple

from devkit.console import LOG

POLL_S = 0.01
# How often to scan the machine's processes once the group lingers, and after how long devkit
# says what it is waiting for (a service's own shutdown usually takes a few milliseconds).
LOOK_EVERY_S = 0.1
NOTICE_AFTER_S = 0.5
ESCALATION_WAIT_S = 2.0

# prctl(2) options: orphaned descendants are re-parented to this process instead of PID 1.
_PR_SET_CHILD_SUBREAPER = 36
_PR_GET_CHILD_SUBREAPER = 37


class Member(NamedTuple):  # not a dataclass: see proc.Result
    """A live process of the group."""

    pid: int
    name: str

    def __str__(self) -> str:
        return f"{self.name} (pid {self.pid})"


@contextlib.contextmanager
def adopting_orphans() -> Iterator[bool]:
    """On Linux, be the reaper of this process's orphaned descendants while inside; whether so.

    On Ctrl-C micromamba dies before the service it started, which is orphaned. Its zombie
    then waits for PID 1, and a PID 1 that does not reap (some containers' init) keeps it in
    the group for good, telling it from a live process takes a scan of every process. Adopted,
    the service's zombie comes back to devkit, which reaps it, so the group is gone the moment
    its last process is. macOS has no such option; there launchd reaps orphans promptly.
    """
    if not sys.platform.startswith("linux"):
        yield False
        return
    import ctypes  # Linux only, and only once the child runs: off the path to its start

    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        yield False
        return
    already = ctypes.c_int(0)
    prctl(_PR_GET_CHILD_SUBREAPER, ctypes.byref(already), 0, 0, 0)
    if already.value:
        yield True
        return
    adopted = prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    try:
        yield adopted
    finally:
        if adopted:
            prctl(_PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)


def signal_group(pgid: int, sig: int) -> None:
    """Send ``sig`` to every process of the group, if any is left."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def wait_gone(
    pgid: int,
    grace: float,
    *,
    reap: bool,
    notify: Callable[[str], None] | None = None,
    interrupted: bool = False,
) -> None:
    """Give the group ``grace`` seconds to finish on its own, then SIGTERM, then SIGKILL.

    ``reap``: reap the group's processes that are this process's children (orphans adopted by
    ``adopting_orphans``); only once the group leader has been waited for, so its exit status
    stays with its ``Popen``. ``notify`` hears, in words, what devkit waits for when that takes
    longer than ``NOTICE_AFTER_S``, and each escalation; ``interrupted`` (the user pressed
    Ctrl-C, and another one kills the group) adds how not to wait.
    """
    started = time.monotonic()
    noticed = False
    for sig in (None, signal.SIGTERM, signal.SIGKILL):
        if sig is not None:
            members = _members(pgid)
            if members is not None and not members:
                # Only zombies left: ours to reap when we adopted them (an orphan that exited
                # just as the grace ran out), else PID 1's.
                if reap:
                    _reap_children(pgid)
                return
            LOG.debug("process group %d still running; sending %s", pgid, sig.name)
            if notify is not None and members:
                notify(f"sending {sig.name} to {_names(members)}")
            signal_group(pgid, sig)
        deadline = time.monotonic() + (grace if sig is None else ESCALATION_WAIT_S)
        looked = time.monotonic()
        while True:
            if reap:
                _reap_children(pgid)
            if not _signallable(pgid):
                return
            now = time.monotonic()
            if now >= deadline:
                break
            if now - looked >= LOOK_EVERY_S:
                looked = now
                members = _members(pgid)
                if members is not None and not members:
                    if reap:
                        _reap_children(pgid)
                    return
                late = now - started >= NOTICE_AFTER_S
                if members and notify is not None and late and not noticed:
                    noticed = True
                    text = _waiting(members, sig, deadline - now)
                    notify(text + (" (another Ctrl-C kills at once)" if interrupted else ""))
            time.sleep(POLL_S)


def _waiting(members: list[Member], sent: signal.Signals | None, left: float) -> str:
    then = {None: "SIGTERM", signal.SIGTERM: "SIGKILL"}.get(sent)
    return f"waiting for {_names(members)} to stop" + (f"; {then} in {left:.1f} s" if then else "")


def _names(members: list[Member]) -> str:
    return ", ".join(str(m) for m in members)


def _reap_children(pgid: int) -> None:
    while True:
        try:
            pid, _status = os.waitpid(-pgid, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _signallable(pgid: int) -> bool:
    """Whether any process, a zombie included, is left in the group: one cheap system call."""
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def _members(pgid: int) -> list[Member] | None:
    """The group's live (not zombie) processes; None when psutil cannot tell."""
    import psutil  # a scan of every process: only once the group outlives a cheap wait

    found: list[Member] = []
    try:
        processes = list(psutil.process_iter(["status", "name"]))
    except psutil.Error:
        return None
    for process in processes:
        try:
            if os.getpgid(process.pid) != pgid:
                continue
        except (ProcessLookupError, PermissionError):
            continue
        if process.info["status"] != psutil.STATUS_ZOMBIE:
            found.append(Member(process.pid, process.info["name"] or "?"))
    return found
