"""Telling a build that failed for want of disk space, so the summary says so.

micromamba does not always name the cause: on a full disk its last words can be "failed to
fetch" or a failed extraction. So a failure counts as a full disk when its output says so
(ENOSPC, errno 28, "No space left on device"), or when, right after it, the disk holding the
root prefix or the env has almost nothing free.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path

_MB = 1024 * 1024
# Below this, right after a failed build, the disk is the likeliest cause (packages and their
# extracted files need tens of MB at the least). Free space above it with a failure whose
# output names ENOSPC still counts: micromamba may have cleaned up before exiting.
LOW_FREE_BYTES = 100 * _MB
_SAID = re.compile(
    r"no space left on device|\benospc\b|errno[ =:]*28\b|os error 28\b", re.IGNORECASE
)


def says_out_of_space(output: str) -> bool:
    """Whether a program's output reports ENOSPC (Rust, C and Python spellings)."""
    return _SAID.search(output) is not None


def free_bytes(paths: Iterable[Path]) -> dict[Path, int | None]:
    """Free bytes on the disk of each path (its nearest existing folder); None if unreadable."""
    found: dict[Path, int | None] = {}
    for path in paths:
        folder = path
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
        try:
            found[path] = shutil.disk_usage(os.fspath(folder)).free
        except OSError:
            found[path] = None
    return found


def out_of_space(
    output: str, free: Mapping[Path, int | None], *, suspect: bool = True
) -> str | None:
    """The line saying a failed build ran out of disk, or None when nothing points to it.

    ``free`` is what ``free_bytes`` measured right after the failure (the fullest disk is
    named); ``suspect=False`` (the solver explained the failure) trusts the output alone.
    """
    known = {path: n for path, n in free.items() if n is not None}
    fullest = min(known, key=lambda path: known[path]) if known else None
    said = says_out_of_space(output)
    low = fullest is not None and known[fullest] < LOW_FREE_BYTES
    if not said and not (suspect and low):
        return None
    if fullest is None:
        where = ", ".join(str(path) for path in free) or "the disk"
        return f"no space left on {where}"
    return f"no space left on {fullest}: {known[fullest] // _MB} MB free"
