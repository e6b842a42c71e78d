"""Channel checks: conda-forge mixed with defaults/anaconda, and Python past end of life."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections import Counter

from devkit.conda import envs
from devkit.doctor.base import Result, SpecOutcome
from devkit.doctor.context import Context
from devkit.errors import FileFormatError

_ANACONDA = {"defaults", "anaconda", "main", "r", "msys2"}
# End of security support, from the CPython release schedule (PEP 596, 619, 664, 693).
PYTHON_EOL = {
    "3.7": dt.date(2023, 6, 27),
    "3.8": dt.date(2024, 10, 7),
    "3.9": dt.date(2025, 10, 31),
    "3.10": dt.date(2026, 10, 31),
    "3.11": dt.date(2027, 10, 31),
    "3.12": dt.date(2028, 10, 31),
    "3.13": dt.date(2029, 10, 31),
}


def mixed_in_file(ctx: Context, out: SpecOutcome) -> Result:
    """The environment file does not mix conda-forge with Anaconda's channels."""
    spec = out.spec
    anaconda = [c for c in spec.channels if c.rstrip("/").split("/")[-1] in _ANACONDA]
    if "conda-forge" in spec.channels and anaconda:
        return out.warn(
            f"conda-forge is mixed with {', '.join(anaconda)}: their binaries are not built "
            "to work together, and `defaults` has licence terms for companies",
            hint="use `channels: [conda-forge, nodefaults]` and drop the others",
        )
    return out.ok("channels: " + (", ".join(spec.channels) or "(micromamba's defaults)"))


def mixed_in_env(ctx: Context, out: SpecOutcome) -> Result:
    """The installed packages all come from one channel."""
    location = out.location
    if ctx.env_status(location.prefix).state is not envs.EnvState.PRESENT:
        return out.skip("no usable env")
    records = ctx.installed(location.prefix)
    if isinstance(records, FileFormatError):
        return out.skip("a package record does not parse (see env.broken)")
    counts = Counter(_channel_name(r.channel) for r in records)
    if len(counts) > 1:
        listing = ", ".join(f"{name} ({n})" for name, n in counts.most_common())
        return out.warn(
            f"env `{location.name}` mixes packages from several channels: {listing}",
            hint="pin everything to one channel (conda-forge) and re-create the env",
        )
    return out.ok(f"all packages from {next(iter(counts), 'nowhere')}")


_SUBDIRS = {"noarch", "linux-64", "linux-aarch64", "linux-ppc64le", "osx-64", "osx-arm64", "win-64"}


# Envs hold hundreds of records from a channel or two: each channel's name worked out once.
@functools.lru_cache(maxsize=1024)
def _channel_name(channel: str | None) -> str:
    # Records say `conda-forge`, a channel URL, or a subdir URL (`…/conda-forge/linux-64`).
    if not channel:
        return "unknown"
    parts = channel.rstrip("/").split("/")
    if len(parts) > 1 and parts[-1] in _SUBDIRS:
        parts = parts[:-1]
    return parts[-1]


def python_eol(ctx: Context, out: SpecOutcome) -> Result:
    """The Python the project pins still gets security fixes."""
    spec = out.spec
    dep = spec.dependency("python")
    if dep is None or dep.version is None:
        return out.warn(
            "python is not pinned: each machine gets whatever is newest that day",
            hint="pin it, e.g. `python=3.12`, the same in CI and the Dockerfile",
        )
    match = re.search(r"(\d+)\.(\d+)", dep.version)
    if not match:
        return out.ok(f"python {dep.version}")
    minor = f"{match.group(1)}.{match.group(2)}"
    eol = PYTHON_EOL.get(minor)
    if eol is None and (int(match.group(1)), int(match.group(2))) < (3, 7):
        eol = dt.date(2021, 12, 23)  # 3.6, the last of the older ones to go
    today = ctx.facts.today
    if eol is not None and eol <= today:
        return out.warn(
            f"python {minor} reached end of life on {eol.isoformat()}: no more security fixes",
            hint="move to a supported Python (3.12 or newer) in environment.yml, CI and Docker",
        )
    return out.ok(f"python {minor}" + (f" (supported until {eol.isoformat()})" if eol else ""))
