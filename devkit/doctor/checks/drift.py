"""Drift and lockfile checks: Mac-vs-Linux differences, a stale lock, a lock missing a platform.

``drift.platforms`` solves for every target platform in-process (conda/rattler_runtime.py
explains how devkit exits afterwards), but only when the cached result no longer matches the
environment file or the channel data (devkit/drift/cache.py). The lock checks never solve.
"""

from __future__ import annotations

from typing import Any

from devkit.conda import lockfile, lockpip
from devkit.conda.envspec import EnvSpec
from devkit.doctor.base import Outcome, Result, SpecOutcome
from devkit.doctor.context import Context
from devkit.errors import DevkitError, FileFormatError

_SHOWN = 3


def _listing(items: list[str]) -> str:
    more = f" (+{len(items) - _SHOWN} more)" if len(items) > _SHOWN else ""
    return "; ".join(items[:_SHOWN]) + more


def _grouped(by_platform: dict[str, str]) -> str:
    """``{"linux-64": "1.21.5", "osx-64": "1.21.5", "osx-arm64": "1.21.6"}`` ->
    ``1.21.5 (linux-64, osx-64) vs 1.21.6 (osx-arm64)``."""
    groups: dict[str, list[str]] = {}
    for platform, value in by_platform.items():
        groups.setdefault(value, []).append(platform)
    return " vs ".join(f"{value} ({', '.join(where)})" for value, where in groups.items())


def _findings(report: dict[str, Any]) -> list[str]:
    found = []
    for v in report["version_drift"]:
        if v["direct"]:
            pin = f", pin {v['pin']}" if v.get("pin") else ""
            found.append(f"{v['name']} {_grouped(v['versions'])}{pin}")
    for p in report["platform_only"]:
        # Missing only where a spec could not be solved: that spec is the finding.
        consequence = set(p["missing"]) <= set(p.get("because_of") or {})
        if not p["expected"] and not consequence:
            found.append(f"{p['name']} only on {', '.join(p['present'])}")
    for c in report["channel_drift"]:
        found.append(f"{c['name']} from {_grouped(c['channels'])}")
    return found


def platforms(ctx: Context, out: SpecOutcome) -> Result:
    """The environment file solves the same way on every target platform (cached solve)."""
    # Imported here: solving machinery that `--no-drift` runs never use (~150 ms to import).
    from devkit.drift import cache
    from devkit.drift.project import Options, plan

    project, spec = out.project, out.spec
    try:
        # Planning reads no channel: an error here is the project's (no channels, a bad
        # platform), so a failure; ctx.drift_report plans again, cheaply, and solves.
        plan(out.monorepo, project, spec, Options(pins=False), ctx.root_prefix)
    except DevkitError as exc:
        return out.fail(exc.message, hint=exc.hint)
    report = ctx.drift_report(project)
    if isinstance(report, cache.UnreachableChannels):
        # Said once, by network.channels or the first project that tried: not per project.
        return out.skip(report.message)
    if isinstance(report, DevkitError):
        # Offline or a channel down: the machine may still be fine, so no failure.
        return out.warn(f"cannot check drift: {report.message}", hint=report.hint)
    where = ", ".join(report["platforms"])
    details = f"`devkit drift {project.name}` shows the details and the pins that align them"
    if report["unsolvable"]:
        culprits = [f"{u['platform']}: {u['message']}" for u in report["unsolvable"]]
        return out.fail(
            f"{project.env_file.name} cannot be solved on every platform: {_listing(culprits)}",
            hint=f"pin a version built everywhere, or add `sel(linux):` / `sel(osx):`; {details}",
        )
    found = _findings(report)
    if found:
        return out.warn(
            f"differs across {where}: {_listing(found)}",
            hint=f"pin the versions CI should use; {details}",
        )
    loose = [s["spec"] for s in report["loose_specs"]]
    note = f"; unpinned: {', '.join(loose)}" if loose else ""
    return out.ok(f"same direct versions and channels on {where}{note}")


def _lock(ctx: Context, out: Outcome, spec: EnvSpec) -> lockfile.Lock | Result | None:
    path = lockfile.lock_path(spec.path.parent)
    if not path.is_file():
        return None
    outside = ctx.outside(path)
    if outside is not None:
        # Never read: its errors would quote a file elsewhere on this machine.
        return out.warn(outside.message, hint="keep the lockfile in the project's folder")
    try:
        return lockfile.read(path)
    except FileFormatError as exc:
        return out.fail(exc.message, hint=f"re-create it: `devkit lock {spec.path.parent.name}`")


def lock_stale(ctx: Context, out: SpecOutcome) -> Result:
    """The project's conda-lock.yml still satisfies its environment file, its ``pip:`` section
    included (no solve)."""
    project, spec = out.project, out.spec
    lock = _lock(ctx, out, spec)
    if lock is None:
        return out.skip(f"no {lockfile.LOCK_NAME} (optional: `devkit lock {project.name}`)")
    if isinstance(lock, Result):
        return lock
    problems = []
    for platform in lock.platforms:
        problems += [f"{p} on {platform}" for p in lockfile.unsatisfied(lock, spec, platform)]
        problems += [f"{p} on {platform}" for p in lockpip.unsatisfied(lock, spec, platform)]
    hint = f"re-lock: `devkit lock {project.name}` (and commit {lockfile.LOCK_NAME})"
    if problems:
        return out.fail(
            f"{lockfile.LOCK_NAME} no longer satisfies {project.env_file.name}: "
            + _listing(problems),
            hint=hint + "; until then envs are built from the environment file",
        )
    unlocked = lockpip.not_locked_reason(lock)
    if spec.pip and unlocked:
        return out.warn(
            f"the `pip:` section is {unlocked}: its packages are resolved when an env is built",
            hint=f"`devkit lock {project.name}` (without --no-pip) locks its wheels too",
        )
    if lock.source_sha256 and lock.source_sha256 != spec.fingerprint:
        return out.warn(
            f"{project.env_file.name} changed since {lockfile.LOCK_NAME} was made "
            "(every spec is still satisfied)",
            hint=hint,
        )
    return out.ok(f"{lockfile.LOCK_NAME} matches {project.env_file.name}")


def lock_platforms(ctx: Context, out: SpecOutcome) -> Result:
    """The lockfile covers every target platform, this machine's first."""
    project, spec = out.project, out.spec
    lock = _lock(ctx, out, spec)
    if lock is None:
        return out.skip(f"no {lockfile.LOCK_NAME}")
    if isinstance(lock, Result):
        return lock
    from devkit.drift import targets  # only for a project with a lockfile

    locked = [p for p in lock.platforms if lock.packages.get(p)]
    wanted = targets.choose_platforms((), spec, project, out.monorepo.config)
    missing = [p for p in wanted if p not in locked]
    here = ctx.build_platform
    hint = f"`devkit lock {project.name}` locks every target platform"
    if here and here not in locked:
        message = (
            f"{lockfile.LOCK_NAME} has no packages for this machine ({here}): its env is built "
            "from the environment file instead"
        )
        if here not in wanted:  # the project does not target this machine: say so, gently
            return out.warn(f"{message} ({here} is not one of its platforms)", hint=hint)
        return out.fail(message, hint=hint)
    if missing:
        return out.warn(f"{lockfile.LOCK_NAME} lacks {', '.join(missing)}", hint=hint)
    return out.ok(f"locked for {', '.join(locked)}")
