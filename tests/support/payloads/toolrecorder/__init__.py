"""The test channel's pylint, pyright, pytest and black: each call recorded, then the tool acted.

Every call appends one JSON line to ``$TOOLRECORDER_LOG`` (when set): the tool, its version,
argv, working directory, ``sys.prefix`` and ``CONDA_PREFIX`` (which env it ran in) and every
``CHECK_*`` variable, so a test proves a step ran in the env, from the right folder, with the
right arguments and variables. Then:

- ``TOOLRECORDER_FAIL=pylint,pytest``: those tools report a problem and exit 1;
- ``TOOLRECORDER_SLEEP=pytest`` with ``TOOLRECORDER_MARK=<file>``: that tool writes its pid to
  the file and waits up to 60 s for a signal (Ctrl-C tests); SIGINT ends it with exit 2, as
  pytest's "Interrupted" does;
- black reports every ``.py`` file under its arguments holding ``# black-standin: reformat`` as
  one it would reformat, and with ``--check`` exits 1 when there is one.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path

MARKER = "# black-standin: reformat"


def _record(tool: str, version: str, **extra: object) -> None:
    log = os.environ.get("TOOLRECORDER_LOG")
    if not log:
        return
    entry = {
        "tool": tool,
        "version": version,
        "argv": sys.argv[1:],
        "cwd": os.getcwd(),
        "prefix": sys.prefix,
        "conda_prefix": os.environ.get("CONDA_PREFIX"),
        "env": {k: v for k, v in sorted(os.environ.items()) if k.startswith("CHECK_")},
        "pid": os.getpid(),
        **extra,
    }
    with open(log, "a", encoding="utf-8") as out:
        out.write(json.dumps(entry) + "\n")


def _listed(name: str) -> bool:
    return name in os.environ.get("TOOLRECORDER_FAIL", "").split(",")


def _sleep(tool: str, version: str) -> int:
    def interrupted(_signum: int, _frame: object) -> None:
        _record(tool, version, interrupted=True)
        print(f"{tool}: Interrupted", flush=True)
        raise SystemExit(2)

    signal.signal(signal.SIGINT, interrupted)
    mark = os.environ.get("TOOLRECORDER_MARK")
    if mark:
        Path(mark).write_text(str(os.getpid()))
    time.sleep(60)
    return 0


def _black(version: str) -> int:
    targets = [a for a in sys.argv[1:] if not a.startswith("-")] or ["."]
    files = [
        path
        for target in map(Path, targets)
        for path in (sorted(target.rglob("*.py")) if target.is_dir() else [target])
    ]
    found = [p for p in files if p.is_file() and MARKER in p.read_text(encoding="utf-8")]
    for path in found:
        print(f"would reformat {path}", file=sys.stderr)
    print(f"black {version}: {len(found)} file(s) would be reformatted", file=sys.stderr)
    return 1 if found and "--check" in sys.argv else 0


def run(tool: str, version: str) -> int:
    """What the tool's command does: record, then fail, wait or pass as asked."""
    _record(tool, version)
    if tool in os.environ.get("TOOLRECORDER_SLEEP", "").split(","):
        return _sleep(tool, version)
    if tool == "black":
        return _black(version)
    if _listed(tool):
        print(f"{tool} {version}: 1 problem (TOOLRECORDER_FAIL)", flush=True)
        return 1
    print(f"{tool} {version}: all good in {os.getcwd()}", flush=True)
    return 0
