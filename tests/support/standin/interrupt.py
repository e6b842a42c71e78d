"""Ctrl-C during a transaction, taken the way libmamba 2.x takes it, and a pause for tests.

libmamba's signal thread turns SIGINT into a flag; the transaction looks at it between steps:
before linking starts ("Interrupted by user - stopped before transaction.") and after each
package, when what was linked so far is rolled back ("Transaction interrupted, rollbacking").
Either way micromamba exits 0 (2.x reports ``user_interrupted`` as success). SIGTERM and SIGHUP
keep their default action: micromamba dies.

The pause: with ``STANDIN_PAUSE=<step>`` and ``STANDIN_PAUSE_MARK=<file>``, the stand-in writes
its pid to the file when it reaches that step and waits there (up to a minute) for a signal, so
a test can interrupt at a precise moment. Steps: ``solved`` (the transaction is about to start;
for ``create`` the prefix holds ``conda-meta/history``), ``linked:N`` (N packages linked, their
``conda-meta`` records written).
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import FrameType

PAUSE = "STANDIN_PAUSE"
PAUSE_MARK = "STANDIN_PAUSE_MARK"
PAUSE_LIMIT = 60.0

_received: list[int] = []
_prompting: list[bool] = []


def _note(signum: int, _frame: FrameType | None) -> None:
    _received.append(signum)
    if _prompting:
        raise KeyboardInterrupt  # a prompt blocked in readline would never look at the flag


def watch() -> None:
    """From here on Ctrl-C is noted, not raised (libmamba's signal thread)."""
    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
        signal.signal(signal.SIGINT, _note)


def interrupted() -> bool:
    """Whether Ctrl-C has arrived since ``watch()``."""
    return bool(_received)


@contextlib.contextmanager
def prompting() -> Iterator[None]:
    """While asking a question, Ctrl-C raises KeyboardInterrupt (the answer is no)."""
    _prompting.append(True)
    try:
        if _received:
            raise KeyboardInterrupt
        yield
    finally:
        _prompting.pop()


def checkpoint(env: Mapping[str, str], step: str) -> bool:
    """A step of the transaction is done: pause if a test asked to; whether to stop here."""
    mark = env.get(PAUSE_MARK)
    if env.get(PAUSE) == step and mark and not _received:
        Path(mark).write_text(str(os.getpid()))
        deadline = time.monotonic() + PAUSE_LIMIT
        while not _received and time.monotonic() < deadline:
            time.sleep(0.02)
    return interrupted()
