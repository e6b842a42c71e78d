"""Per-project env checks: the file parses, the env exists, is whole, current and as pinned."""

from __future__ import annotations

from devkit.conda import envbuild, envrecords, envs, lockfile, micromamba
from devkit.doctor.base import ProjectOutcome, Result, SpecOutcome
from devkit.doctor.context import Context
from devkit.errors import DevkitError, FileFormatError


def spec_valid(ctx: Context, out: ProjectOutcome) -> Result:
    """The environment file parses and every dependency is a valid conda MatchSpec."""
    project = out.project
    spec = ctx.spec(project)
    if isinstance(spec, FileFormatError):
        return out.fail(
            spec.message, hint=spec.hint or "fix that line; `devkit doctor` re-reads the file"
        )
    notes = [f"{project.env_file.name}:{w.line}: {w.message}" for w in spec.warnings]
    lenient = [d for d in spec.dependencies if d.lenient_note]
    if lenient:
        lines = ", ".join(f"{d.text!r} (line {d.line})" for d in lenient)
        notes.append(f"{project.env_file.name}: specs only conda's lenient parser accepts: {lines}")
    if notes:
        return out.warn(
            "; ".join(notes),
            hint="write them as `name=version`, or `name ==version build` to pin a build"
            if not spec.warnings
            else "each line says what micromamba makes of it and what to write instead",
        )
    return out.ok(f"{len(spec.dependencies)} conda specs, {len(spec.pip)} pip requirements")


def _unbuildable(ctx: Context, out: SpecOutcome) -> str | None:
    """Why building the env cannot work, when this run already knows: drift.platforms found
    the file unsolvable for the platform envs are built for, and no lockfile avoids the solve."""
    if not ctx.drift_checked:
        return None  # before build_platform: asking micromamba costs a process
    here = ctx.build_platform
    if here is None:
        return None
    if lockfile.lock_path(out.spec.path.parent).is_file():
        return None  # the build may install the lock without solving
    report = ctx.drift_report(out.project)
    if not isinstance(report, dict):
        return None
    culprits = [u["message"] for u in report["unsolvable"] if u["platform"] == here]
    if not culprits:
        return None
    return f"{out.project.env_file.name} cannot be solved for {here}: " + "; ".join(culprits)


def _needs_build(
    ctx: Context, out: SpecOutcome, message: str, hint: str, *, warn: bool = False
) -> Result:
    """A finding fix_env would repair, unless the same run knows the build would fail."""
    why = _unbuildable(ctx, out)
    if why is not None:
        hint = f"a rebuild would fail: {why} (see drift.platforms); fix the file first"
    report = out.warn if warn else out.fail
    return report(message, hint=hint, fixable=False if why else None)


def env_exists(ctx: Context, out: SpecOutcome) -> Result:
    """The project's env has been created."""
    location = out.location
    if not location.prefix.exists():
        return _needs_build(
            ctx,
            out,
            f"env `{location.name}` is not created ({location.prefix})",
            f"devkit setup --projects {out.project.name} (or `devkit doctor --fix`)",
        )
    return out.ok(f"env `{location.name}` at {location.prefix}")


def env_broken(ctx: Context, out: SpecOutcome) -> Result:
    """The env is whole: conda-meta readable, python present if installed."""
    location = out.location
    if not location.prefix.exists():
        return out.skip("no env")
    status = ctx.env_status(location.prefix)
    records = ctx.installed(location.prefix) if status.state is envs.EnvState.PRESENT else []
    reason = records.message if isinstance(records, FileFormatError) else status.reason
    if status.state is envs.EnvState.BROKEN or isinstance(records, FileFormatError):
        return _needs_build(
            ctx,
            out,
            f"env `{location.name}` is broken: {reason}",
            "re-create it: `devkit doctor --fix` (asks first)",
        )
    return out.ok("conda-meta readable, python present")


def env_stale(ctx: Context, out: SpecOutcome) -> Result:
    """The env was built from the current environment file (fingerprint, no solve)."""
    project = out.project
    spec = out.spec
    location = out.location
    if ctx.env_status(location.prefix).state is not envs.EnvState.PRESENT:
        return out.skip("no usable env")
    recorded = envbuild.read_fingerprint(location.prefix)
    if recorded is None:
        return _needs_build(
            ctx,
            out,
            f"env `{location.name}` was not built by devkit (or its build did not finish), "
            "so devkit cannot tell whether it matches the environment file",
            "rebuild it with `devkit doctor --fix` to record what it was built from",
            warn=True,
        )
    if recorded.sha256 != envbuild.source_sha256(spec, lambda: ctx.build_platform):
        return _needs_build(
            ctx,
            out,
            f"{project.env_file.name} (or its conda-lock.yml) changed since env "
            f"`{location.name}` was built",
            "update the env: `devkit doctor --fix` (or `devkit setup` again)",
        )
    return out.ok(f"built from the current {project.env_file.name}")


def fix_env(ctx: Context, result: Result) -> str:
    """Create, re-create or update the env from its environment file."""
    assert ctx.monorepo is not None and result.project is not None
    project = ctx.monorepo.project(result.project)
    spec = ctx.spec(project)
    if isinstance(spec, FileFormatError):
        raise spec
    location = envs.locate(ctx.root_prefix, project, spec)
    mm = micromamba.Micromamba(micromamba.locate(ctx.config), ctx.root_prefix)
    built = envbuild.build(mm, spec, location)
    if not built.ok:
        lines = [*built.problems, *([built.note] if built.note else [])]
        raise DevkitError(f"env `{location.name}` was not built:\n  " + "\n  ".join(lines))
    return built.describe(f"env `{location.name}`")


def env_pins(ctx: Context, out: SpecOutcome) -> Result:
    """Installed packages satisfy every pinned spec of the environment file."""
    spec = out.spec
    location = out.location
    if ctx.env_status(location.prefix).state is not envs.EnvState.PRESENT:
        return out.skip("no usable env")
    records = ctx.installed(location.prefix)
    if isinstance(records, FileFormatError):
        return out.skip("a package record does not parse (see env.broken)")
    unmet = envrecords.unmet_specs(spec, records, ctx.facts.subdir)
    missing = [u.text for u in unmet if u.installed is None]
    wrong = [f"{u.text} (installed {u.installed})" for u in unmet if u.installed is not None]
    if missing or wrong:
        parts = []
        if missing:
            parts.append("not installed: " + ", ".join(missing))
        if wrong:
            parts.append("wrong version: " + ", ".join(wrong))
        return _needs_build(
            ctx,
            out,
            f"env `{location.name}` does not match its file: " + "; ".join(parts),
            "update the env: `devkit doctor --fix`",
        )
    packages = len({r.name for r in records})
    return out.ok(f"{len(spec.dependencies)} specs satisfied by {packages} packages")


def env_pip(ctx: Context, out: SpecOutcome) -> Result:
    """Packages of the `pip:` section are installed, at the pinned versions."""
    spec = out.spec
    if not spec.pip:
        return out.ok("no pip section")
    location = out.location
    if ctx.env_status(location.prefix).state is not envs.EnvState.PRESENT:
        return out.skip("no usable env")
    checked = envs.check_pip(spec, location.prefix)
    problems, skipped = checked.problems, checked.unchecked
    if problems:
        return _needs_build(
            ctx,
            out,
            "pip section not satisfied: " + "; ".join(problems),
            "update the env: `devkit doctor --fix` (pip output shows why an install failed)",
        )
    if skipped == len(spec.pip):
        return out.skip(f"{skipped} URL/path requirements: pip knows them, devkit cannot check")
    note = f" ({skipped} URL/path requirements not checked)" if skipped else ""
    return out.ok(f"{len(spec.pip) - skipped} pip requirements satisfied{note}")


def env_name_clash(ctx: Context, out: SpecOutcome) -> Result:
    """No two projects claim the same env name (one would overwrite the other's env)."""
    project = out.project
    spec = out.spec
    name = envs.env_name(project, spec)
    others = [other for other in ctx.env_name_claims.get(name, []) if other != project.name]
    if others:
        return out.fail(
            f"env name `{name}` is also claimed by: {', '.join(others)}",
            hint=f"give each project its own `name:` in {project.env_file.name}",
        )
    return out.ok(f"env name `{name}` is unique")
