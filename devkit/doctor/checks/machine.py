"""Machine checks: OS and CPU, Rosetta, free disk where envs live, memory."""

from __future__ import annotations

from pathlib import Path

from devkit.doctor.base import Outcome, Result
from devkit.doctor.context import Context

_GB = 1024**3
SUPPORTED = ("linux-64", "linux-aarch64", "osx-64", "osx-arm64")


def os_arch(ctx: Context, out: Outcome) -> Result:
    """The OS and CPU map to a conda platform micromamba ships for."""
    facts = ctx.facts
    subdir = facts.subdir
    if subdir not in SUPPORTED:
        return out.fail(
            f"{facts.system} on {facts.machine} is not a platform devkit supports",
            hint="use macOS or Linux (x86_64 or arm64); on Windows, use WSL2",
        )
    return out.ok(f"{facts.system} {facts.machine} ({subdir})")


def rosetta(ctx: Context, out: Outcome) -> Result:
    """An Apple Silicon Mac running this shell under Rosetta solves for osx-64, not osx-arm64."""
    if not ctx.facts.is_mac:
        return out.skip("not a Mac")
    if ctx.facts.rosetta:
        return out.fail(
            "this shell runs under Rosetta (x86_64 on an Apple Silicon Mac): envs built here "
            "get osx-64 packages, unlike your teammates' osx-arm64 ones",
            hint="open a native terminal (Terminal > Get Info > uncheck 'Open using Rosetta'), "
            "check with `uname -m` (arm64), then re-create the envs",
        )
    return out.ok(f"native {ctx.facts.machine}")


def _existing(path: Path) -> Path:
    # The root prefix may not exist yet; measure the disk it will be created on.
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path("/")


def disk(ctx: Context, out: Outcome) -> Result:
    """Free space on the disk that holds the envs (a data-science env is several GB)."""
    import psutil

    where = _existing(ctx.root_prefix)
    free_gb = psutil.disk_usage(str(where)).free / _GB
    limits = ctx.limits
    text = f"{free_gb:.1f} GB free on the disk of {ctx.root_prefix}"
    hint = "free some space, or move the envs: set MAMBA_ROOT_PREFIX to a bigger disk"
    if free_gb < limits.disk_fail_gb:
        return out.fail(f"{text} (under {limits.disk_fail_gb:g} GB)", hint=hint)
    if free_gb < limits.disk_warn_gb:
        return out.warn(f"{text} (under {limits.disk_warn_gb:g} GB)", hint=hint)
    return out.ok(text)


def memory(ctx: Context, out: Outcome) -> Result:
    """Total memory: solving and importing pandas/geopandas stacks want several GB."""
    import psutil

    total_gb = psutil.virtual_memory().total / _GB
    text = f"{total_gb:.1f} GB of memory"
    if total_gb < ctx.limits.memory_warn_gb:
        return out.warn(
            f"{text} (under {ctx.limits.memory_warn_gb:g} GB): large solves and data "
            "loads may swap",
            hint="close other programs while creating envs, or build envs one at a time",
        )
    return out.ok(text)
