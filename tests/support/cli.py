"""Running devkit in tests: the real executable in a subprocess, or the CLI in this process.

The executable is what users run (signals, terminals, exit codes, imports on the start-up
path); the in-process runner is for error paths and output, where a subprocess only adds
start-up time. A test that starts the executable must carry the ``slow`` marker, so that
``scripts/check --fast`` (``-m "not slow"``) leaves every one of them out: ``devkit()`` fails a
test that does not.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

DEVKIT = Path(sys.executable).parent / "devkit"

# Set by the autouse fixture in tests/conftest.py for the test that is running.
_current_is_slow = True


def mark_current(slow: bool) -> None:
    """Record whether the running test carries the ``slow`` marker."""
    global _current_is_slow
    _current_is_slow = slow


def devkit(
    *args: str | Path,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """The real ``devkit`` executable, no stdin; never raises on a non-zero exit."""
    if not _current_is_slow:
        pytest.fail("this test starts the real devkit executable: mark it @pytest.mark.slow")
    return subprocess.run(
        [str(DEVKIT), *(str(a) for a in args)],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@dataclass(frozen=True)
class InProcess:
    """What ``devkit ARGS`` printed and returned, run in this process."""

    returncode: int
    stdout: str
    stderr: str


def devkit_in_process(*args: str | Path) -> InProcess:
    """``devkit ARGS`` through the CLI's own entry (option parsing, error handler, exit code).

    Not for commands that solve (py-rattler's runtime must not start in the pytest process)
    or that hand over the terminal.
    """
    from devkit.cli import run_cli

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run_cli([str(a) for a in args])
    return InProcess(code, out.getvalue(), err.getvalue())
