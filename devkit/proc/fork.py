"""Work done by a forked copy of this process, its result handed back through a pipe.

doctor checks a thousand projects with two cores: a copy of the process made by ``fork`` has
the run's context (config, the monorepo, the workflows already parsed) without importing or
reading anything again, and checks half of them. ``fork`` is only used where it is safe: a
single-threaded process (a fork copies one thread; a lock another one held would never be
released in the copy), on Linux: macOS's system frameworks are not safe to use in a child
forked without exec (Python itself starts processes there by spawning), and the threads
they start are not counted without /proc. Anything the child cannot do is the parent's
to do: a child that fails, is killed or cannot start hands back nothing, never a partial result.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def cores() -> int:
    """The processors this process may run on (a container's share, not the machine's)."""
    affinity = getattr(os, "sched_getaffinity", None)
    if affinity is not None:
        return len(affinity(0))
    return os.cpu_count() or 1


def single_threaded() -> bool:
    """Whether this process has one thread, counting those Python did not start (Linux)."""
    if threading.active_count() != 1:
        return False
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return True  # no /proc (macOS): Python's own count is what there is
    for line in status.splitlines():
        if line.startswith("Threads:"):
            return line.split()[1] == "1"
    return True


class Child:
    """A forked child working; ``result`` waits for what it hands back."""

    def __init__(self, pid: int, fd: int) -> None:
        self._pid = pid
        self._fd: int | None = fd
        self._done = False

    def result(self) -> bytes | None:
        """The child's bytes, or None when it did not finish its work."""
        assert self._fd is not None, "a child's result is read once"
        stream = os.fdopen(self._fd, "rb")
        self._fd = None  # the stream closes it
        try:
            with stream:
                data = stream.read()
        except BaseException:  # Ctrl-C while waiting: the child goes too
            self.stop()
            raise
        return data if self._reap() == 0 else None

    def stop(self) -> None:
        """End the child now (Ctrl-C, an error in the parent); nothing of it is left running."""
        if not self._done:  # once reaped, its pid may be another process's
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._pid, signal.SIGKILL)
            self._reap()
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def _reap(self) -> int:
        _, status = os.waitpid(self._pid, 0)
        self._done = True  # after the wait: a Ctrl-C during it leaves stop() to reap
        return os.waitstatus_to_exitcode(status)


def start(work: Callable[[], bytes]) -> Child | None:
    """Fork a child that runs ``work`` and hands back its bytes; None where a fork is not safe."""
    if sys.platform != "linux" or not single_threaded():
        return None
    read_fd, write_fd = os.pipe()
    # Whatever the parent has buffered would be written twice, once by each process.
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        _child(work, write_fd)
    os.close(write_fd)
    return Child(pid, read_fd)


def _child(work: Callable[[], bytes], fd: int) -> None:
    code = 1
    try:
        # Ctrl-C reaches the whole process group: the parent reports it, the child just ends.
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        data = work()
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
        code = 0
    except BaseException:  # noqa: BLE001, S110 - the parent does the work the child did not
        pass
    finally:
        try:
            sys.stderr.flush()
        finally:
            # No atexit handlers, no buffers of the parent's flushed again: only the result.
            os._exit(code)


def halves(
    work: Callable[[Sequence[T]], list[str]], items: Sequence[T], *, least: int = 64
) -> list[str]:
    """``work(items)``, the second half of the items worked on by a forked child at the same
    time, when there are at least ``least`` and two cores to share (else all here). Texts
    come back: strings cross the pipe for a fraction of what pickling richer objects costs."""
    if len(items) < least or cores() < 2:
        return work(items)
    import pickle  # here: most commands never fork

    middle = len(items) // 2
    child = start(lambda: pickle.dumps(work(items[middle:]), protocol=pickle.HIGHEST_PROTOCOL))
    if child is None:
        return work(items)
    try:
        mine = work(items[:middle])
        data = child.result()
    except BaseException:
        child.stop()
        raise
    theirs: list[str] = (
        work(items[middle:]) if data is None else pickle.loads(data)  # noqa: S301 - our child
    )
    return mine + theirs


class Tickets:
    """Numbers 0..n-1 that a parent and its forked children draw from, each number once.

    A pipe filled before the fork: a read of a pipe is atomic, so two processes never draw the
    same ticket, and whoever is free draws the next one.
    """

    _SIZE = 4  # bytes a ticket
    MOST = 1024  # 4 KiB, a page: what even a user's smallest pipe (past its pipe quota) holds

    def __init__(self, count: int) -> None:
        if count > self.MOST:
            raise ValueError(f"at most {self.MOST} tickets, not {count}")
        self._read, write = os.pipe()
        try:
            # All tickets are written before anyone draws, and the write end closed: a draw
            # never waits, and the end of the pipe is the end of the tickets.
            os.write(write, b"".join(i.to_bytes(self._SIZE, "big") for i in range(count)))
        finally:
            os.close(write)

    def __iter__(self) -> Iterator[int]:
        while True:
            data = os.read(self._read, self._SIZE)
            if len(data) < self._SIZE:
                return
            yield int.from_bytes(data, "big")

    def __enter__(self) -> Tickets:
        return self

    def __exit__(self, *exc: object) -> None:
        os.close(self._read)
