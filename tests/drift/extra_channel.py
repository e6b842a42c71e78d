"""A small extra channel for drift tests: a package whose versions differ but can be aligned.

| package | version | subdirs |
| --- | --- | --- |
| tabulate | 0.8.9 | linux-64, osx-64, osx-arm64 |
| tabulate | 0.9.0 | linux-64 only (so a loose spec drifts, and `tabulate=0.8.9` aligns it) |
| geodata | 1.0 | linux-64, osx-64 only; depends on `tabulate >=0.8` |

geodata cannot be solved on osx-arm64, so tabulate is missing there only because of it, and
between the other two its version differs (0.9.0 on linux-64, 0.8.9 on osx-64).

Built like the test world's channels: real packages indexed by py-rattler in a child process
(`python -m tests.drift.extra_channel DEST`), since rattler's runtime can crash finalization.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from tests.support.channel import PLATFORMS, SUBDIRS
from tests.support.conda_package import Package, fake_hash, write_package
from tests.support.micromamba_standin import REPO_ROOT

NAME = "extra"
TABULATE_EVERYWHERE = "0.8.9"
TABULATE_LINUX_ONLY = "0.9.0"
GEODATA_VERSION = "1.0"


def packages() -> list[Package]:
    """Every package of the extra channel."""
    found = []
    for subdir in PLATFORMS:
        versions = [TABULATE_EVERYWHERE]
        if subdir == "linux-64":
            versions.append(TABULATE_LINUX_ONLY)
        for version in versions:
            build = f"h{fake_hash('tabulate', version, subdir)}_0"
            files = {"share/tabulate/VERSION": f"{version}\n"}
            found.append(Package("tabulate", version, build, subdir, files=files))
        if subdir != "osx-arm64":
            build = f"h{fake_hash('geodata', subdir)}_0"
            files = {"share/geodata/VERSION": f"{GEODATA_VERSION}\n"}
            depends = ("tabulate >=0.8",)
            found.append(Package("geodata", GEODATA_VERSION, build, subdir, depends, files=files))
    return found


def build(dest: Path) -> Path:
    """Write and index the channel at `dest/extra`; return that folder."""
    from rattler.index import index_fs

    channel = dest / NAME
    for subdir in SUBDIRS:
        (channel / subdir).mkdir(parents=True, exist_ok=True)
    for package in packages():
        write_package(package, channel / package.subdir)
    asyncio.run(index_fs(channel, write_zst=False, write_shards=False))
    return channel


def build_out_of_process(dest: Path) -> Path:
    """Build in a child interpreter (see the module docstring)."""
    subprocess.run(
        [sys.executable, "-m", "tests.drift.extra_channel", str(dest)], cwd=REPO_ROOT, check=True
    )
    return dest / NAME


if __name__ == "__main__":
    build(Path(sys.argv[1]))
    sys.stdout.flush()
    os._exit(0)
