"""How a devkit process ends once its command is done: with Python's finalization, or without.

Finalization frees every object one by one. After doctor over a thousand projects that is
180 MB of parsed files, records and results, a tenth of a second spent after the report is
out, on memory the system takes back at once anyway. A command asks to skip it
(``without_finalization``); the CLI's exit does so only when nothing would be cut short: one
thread, the ``atexit`` callbacks run (log handlers flushed, temporary folders removed), the
standard streams flushed. Files are written and closed by the commands themselves, never
left to finalization.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
import threading

_requested = False


def without_finalization() -> None:
    """Ask that this process end without finalization (see the module)."""
    global _requested
    _requested = True


def leave(code: int) -> None:
    """End the process with ``code`` now, without finalization, if it was asked and is safe;
    otherwise return (the caller exits normally)."""
    if not _requested or threading.active_count() != 1:
        return
    atexit._run_exitfuncs()  # what a normal exit would run first
    for stream in (sys.stdout, sys.stderr):
        # stdout may be a closed pipe (`devkit doctor | head`): nothing left to tell it.
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)
