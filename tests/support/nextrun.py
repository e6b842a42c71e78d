"""A devkit run in an interpreter of its own, with its own DEVKIT_HOME: what one run keeps on
its parse shelves, the next (another process, as devkit's runs are) finds on disk."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any


def run_json(script: str, *args: str, home: Path) -> Any:
    """``script`` run with ``args`` as ``sys.argv[1:]`` and devkit's home at ``home``: the
    JSON it printed."""
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        env={**os.environ, "DEVKIT_HOME": str(home)},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)
