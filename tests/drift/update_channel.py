"""A channel that gets new versions during a test, for `devkit lock --update`.

| stage | alpha | beta | gamma |
| --- | --- | --- | --- |
| 1 | 1.0 | 1.0 | 1.0 (depends beta) |
| 2 | + 1.1 | + 1.1 | + 2.0 (depends beta >=1.1) |

noarch (generic) packages, so every platform sees them. Indexed in a child interpreter, like the
test world's channels (`python -m tests.drift.update_channel DEST STAGE`).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from tests.support.channel import SUBDIRS
from tests.support.conda_package import Package, fake_hash, write_package
from tests.support.micromamba_standin import REPO_ROOT

NAME = "updates"
STAGES = {
    1: (("alpha", "1.0", ()), ("beta", "1.0", ()), ("gamma", "1.0", ("beta",))),
    2: (("alpha", "1.1", ()), ("beta", "1.1", ()), ("gamma", "2.0", ("beta >=1.1",))),
}


def build(dest: Path, stage: int) -> Path:
    """Add the packages of `stage` (and those before it) to `dest/updates` and index it."""
    from rattler.index import index_fs

    channel = dest / NAME
    for subdir in SUBDIRS:
        (channel / subdir).mkdir(parents=True, exist_ok=True)
    for number in range(1, stage + 1):
        for name, version, depends in STAGES[number]:
            build_string = f"h{fake_hash(name, version)}_0"
            files = {f"share/{name}/VERSION": f"{version}\n"}
            package = Package(
                name, version, build_string, "noarch", depends, files=files, noarch="generic"
            )
            write_package(package, channel / "noarch")
    asyncio.run(index_fs(channel, write_zst=False, write_shards=False))
    return channel


def build_out_of_process(dest: Path, stage: int) -> Path:
    """Build in a child interpreter (rattler's runtime can crash CPython's finalization)."""
    subprocess.run(
        [sys.executable, "-m", "tests.drift.update_channel", str(dest), str(stage)],
        cwd=REPO_ROOT,
        check=True,
    )
    return dest / NAME


if __name__ == "__main__":
    build(Path(sys.argv[1]), int(sys.argv[2]))
    sys.stdout.flush()
    os._exit(0)
