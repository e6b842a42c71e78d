"""A devkit read in a fresh interpreter that counts the YAML texts it parsed: what a parse
shelf kept from an earlier run shows as no parse at all in the next one."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

# `calls`: the files parsed so far; the body prints `len(calls)` and what it read.
_COUNTING = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from devkit import yamlfile
    from devkit.errors import FileFormatError

    calls = []
    original = yamlfile._parse
    def counted(*args):
        calls.append(args[1])
        return original(*args)
    yamlfile._parse = counted
    """
)


def read_counting(body: str, *args: str, **env: str) -> str:
    """``body`` (Python, with ``calls``, ``Path``, ``FileFormatError`` and ``sys.argv`` from
    ``args``) run after the counting set-up, with ``env`` over this environment; its output."""
    done = subprocess.run(
        [sys.executable, "-c", _COUNTING + textwrap.dedent(body), *args],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **env},
    )
    return done.stdout.strip()
