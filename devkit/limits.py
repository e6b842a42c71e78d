"""How much of a file devkit will read: limits no real file comes near, checked before the work.

A file over a limit is an error naming the file (and line), never a stall or a crash: a
``dependencies:`` nested five thousand levels deep, a 400,000-line environment file or a ``.env``
whose ``${VAR}`` references double a value on every line are refused here, before any parsing or
checking is spent on them. docs/cli.md lists the figures.
"""

from __future__ import annotations

import contextlib
import os
import stat
import threading
from pathlib import Path
from typing import NamedTuple

from devkit.errors import FileFormatError

KIB = 1024
MIB = 1024 * KIB


class YamlLimits(NamedTuple):
    """What one YAML file may hold."""

    max_bytes: int
    # Levels of mappings and lists inside each other (a workflow uses about eight).
    max_depth: int
    # Values, keys and list items, counting each key a merge (`<<: *base`) copies in.
    max_nodes: int


# environment.yml, devkit.yaml, workflows, the user config, cloudbuild.yaml: real ones hold a few
# hundred values in a few KiB. PyYAML reads about 15,000 values a second, so the cap on values
# also caps the time a hostile file can cost.
YAML = YamlLimits(max_bytes=1 * MIB, max_depth=64, max_nodes=50_000)
# conda-lock.yml: about 40 values per package and platform; 1,500 packages on 5 platforms are
# some 300,000 values in 6 MiB.
LOCKFILE = YamlLimits(max_bytes=32 * MIB, max_depth=64, max_nodes=1_000_000)

# Conda specs plus pip requirements of one environment file (real ones: under 200).
MAX_DEPENDENCIES = 10_000
# One spec or requirement: real ones are under 200 characters (a pip URL with a commit hash
# included). py-rattler's spec parser is quadratic past ~10,000 (a 500,000-character spec took
# it a minute), and several checks of every project parse each spec.
MAX_SPEC_CHARS = 2_000

# `.env`: a process cannot receive more than about 1 MiB of variables on macOS (ARG_MAX), and
# Linux refuses any one `NAME=value` over 128 KiB (MAX_ARG_STRLEN).
DOTENV_MAX_BYTES = 1 * MIB
DOTENV_MAX_VARIABLES = 10_000
DOTENV_MAX_VALUE = 128 * KIB
DOTENV_MAX_TOTAL = 1 * MIB

# How long a named pipe may take to get a writer (1Password answers at once).
FIFO_WAIT = 5.0


def _read(path: Path, count: int) -> bytes:
    if not stat.S_ISFIFO(path.stat().st_mode):
        with path.open("rb") as handle:
            # Asked for at the file's size: read(count) sets aside the whole limit first (a
            # MiB a file), which cost more than the read. A file grown since reads on to count.
            size = os.fstat(handle.fileno()).st_size
            data = handle.read(min(count, size + 1))
            if size + 1 == len(data) < count:
                data += handle.read(count - len(data))
            return data
    # A named pipe's open() waits for a writer, and its read() for the writer to finish.
    # 1Password and the like mount `.env` as one and write when it is opened, so devkit waits,
    # but not forever: a FIFO nobody serves (or whose writer hangs) must not hang doctor. Open
    # and read run in a thread; when the wait is over devkit opens the write end itself, which
    # releases an open still waiting, and reports the pipe. A thread stuck in read() is left
    # to end with its writer (it holds nothing else).
    done: list[bytes] = []
    failed: list[OSError] = []

    def reader() -> None:
        try:
            with path.open("rb") as handle:
                done.append(handle.read(count))
        except OSError as exc:
            failed.append(exc)

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    thread.join(FIFO_WAIT)
    if thread.is_alive():
        with contextlib.suppress(OSError):
            os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
        raise FileFormatError(
            path,
            f"a named pipe that was not written to within {FIFO_WAIT:g} s",
            hint="start what serves it (e.g. 1Password), or replace it with a file",
        )
    if failed:
        raise failed[0]
    return done[0]


def size_text(count: int) -> str:
    """``1 MiB``, ``128 KiB``, ``300 bytes``."""
    if count >= MIB and count % MIB == 0:
        return f"{count // MIB} MiB"
    if count >= KIB and count % KIB == 0:
        return f"{count // KIB} KiB"
    return f"{count} bytes"


def read_capped(path: Path, max_bytes: int) -> bytes:
    """A file's bytes, refusing one over ``max_bytes`` without reading past the limit.

    Reads rather than trusting ``stat``: a pipe (``--env-file <(…)``) has no size until read.
    OS errors (missing file, a folder) propagate for the caller to word.
    """
    data = _read(path, max_bytes + 1)
    if len(data) > max_bytes:
        raise FileFormatError(
            path,
            f"larger than {size_text(max_bytes)}, the most devkit reads from this kind of file",
            hint="no real file comes near that size: is it the right file?",
        )
    return data
