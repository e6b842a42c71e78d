"""Living with py-rattler's async runtime: how devkit exits once it has been started.

py-rattler's async calls (solve, gateway queries) start Rust runtime threads. CPython's
finalization has been seen to crash on them (a segfault or abort in about 1 run in 20), and
interrupting a call in flight (Ctrl-C raising KeyboardInterrupt into the event loop) has been
seen to abort the interpreter. So every such call runs inside ``rattler_calls()``, which

- records that the runtime started, so ``cli.main`` leaves with ``os._exit`` after flushing
  (the same thing the test world's micromamba stand-in does), and
- turns Ctrl-C into an immediate, clean exit 130 instead of an exception unwinding through
  the pending Rust future.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Iterator
from types import FrameType

from devkit.errors import exit_code_for_signal

_started = False


def async_runtime_started() -> bool:
    """Whether this process has run py-rattler's async code (so must skip finalization)."""
    return _started


def _interrupted(signum: int, frame: FrameType | None) -> None:
    # No unwinding through rattler: say so and leave, as the top-level handler would have.
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    with contextlib.suppress(OSError):
        os.write(2, b"Interrupted.\n" if signum == signal.SIGINT else b"Terminated.\n")
    os._exit(exit_code_for_signal(signum))


@contextlib.contextmanager
def rattler_calls() -> Iterator[None]:
    """Run py-rattler async calls: mark the runtime started; Ctrl-C (or SIGTERM, SIGHUP)
    exits at once with 128+N."""
    global _started
    _started = True
    previous: dict[int, object] = {}
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        try:
            if signal.getsignal(signum) is not signal.SIG_IGN:  # nohup's SIGHUP stays ignored
                previous[signum] = signal.signal(signum, _interrupted)
        except ValueError:
            break  # not the main thread (doctor never solves off it; be safe anyway)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)  # type: ignore[arg-type]


def exit_now(code: int) -> None:
    """Flush what was printed and leave without interpreter finalization."""
    for stream in (sys.stdout, sys.stderr):
        # stdout may be a closed pipe (`devkit drift | head`): nothing left to tell it.
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)
