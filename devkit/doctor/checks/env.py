"""Per-project env checks: the file parses, the env exists, is whole, current and as pinned."""

from __future__ import annotations

import re

from devkit.conda import envbuild, envs, envspec
from devkit.conda.envspec import EnvSpec
from devkit.doctor.base import Outcome, Result
from devkit.doctor.context import Context
from devkit.errors import FileFormatError
from devkit.repo.monorepo import Project

_PIP_PIN = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(?:==\s*([^\s;,]+))?")


def _project(out: Outcome) -> Project:
    assert out.project is not None  # per-project checks always get one
    return out.project


def _spec_or_skip(ctx: Context, out: Outcome) -> EnvSpec | Result:
    spec = ctx.spec(_project(out))
    if isinstance(spec, FileFormatError):
        return out.skip("environment file does not parse")
    return spec


def spec_valid(ctx: Context, out: Outcome) -> Result:
    """The environment file parses and every dependency is a valid conda MatchSpec."""
    project = _project(out)
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


def env_exists(ctx: Context, out: Outcome) -> Result:
    """The project's env has been created."""
    location = ctx.location(_project(out))
    if location is None:
        return out.skip("environment file does not parse")
    if not location.prefix.exists():
        return out.fail(
            f"env `{location.name}` is not created ({location.prefix})",
            hint=f"devkit setup --projects {_project(out).name} (or `devkit doctor --fix`)",
        )
    return out.ok(f"env `{location.name}` at {location.prefix}")


def env_broken(ctx: Context, out: Outcome) -> Result:
    """The env is whole: conda-meta readable, python present if installed."""
    location = ctx.location(_project(out))
    if location is None or not location.prefix.exists():
        return out.skip("no env")
    status = envs.status(location.prefix)
    records = ctx.installed(location.prefix) if status.state is envs.EnvState.PRESENT else []
    reason = records.message if isinstance(records, FileFormatError) else status.reason
    if status.state is envs.EnvState.BROKEN or isinstance(records, FileFormatError):
        return out.fail(
            f"env `{location.name}` is broken: {reason}",
            hint="re-create it: `devkit doctor --fix` (asks first)",
        )
    return out.ok("conda-meta readable, python present")


def env_stale(ctx: Context, out: Outcome) -> Result:
    """The env was built from the current environment file (fingerprint, no solve)."""
    project = _project(out)
    spec = _spec_or_skip(ctx, out)
    if isinstance(spec, Result):
        return spec
    location = ctx.location(project)
    if location is None or envs.status(location.prefix).state is not envs.EnvState.PRESENT:
        return out.skip("no usable env")
    recorded = envbuild.read_fingerprint(location.prefix)
    if recorded is None:
        return out.warn(
            f"env `{location.name}` was not built by devkit (or its build did not finish), "
            "so devkit cannot tell whether it matches the environment file",
            hint="rebuild it with `devkit doctor --fix` to record what it was built from",
        )
    if recorded.sha256 != envbuild.source_sha256(spec, lambda: ctx.build_platform):
        return out.fail(
            f"{project.env_file.name} (or its conda-lock.yml) changed since env "
            f"`{location.name}` was built",
            hint="update the env: `devkit doctor --fix` (or `devkit setup` again)",
        )
    return out.ok(f"built from the current {project.env_file.name}")


def fix_env(ctx: Context, result: Result) -> str:
    """Create, re-create or update the env from its environment file."""
    from devkit.conda import micromamba

    assert ctx.monorepo is not None and result.project is not None
    project = ctx.monorepo.project(result.project)
    spec = ctx.spec(project)
    if isinstance(spec, FileFormatError):
        raise spec
    location = envs.locate(ctx.root_prefix, project, spec)
    mm = micromamba.Micromamba(micromamba.locate(ctx.config), ctx.root_prefix)
    built = envbuild.build(mm, spec, location)
    if not built.ok:
        from devkit.errors import DevkitError

        lines = [*built.problems, *([built.note] if built.note else [])]
        raise DevkitError(
            f"micromamba could not build env `{location.name}`:\n  " + "\n  ".join(lines)
        )
    return built.describe(f"env `{location.name}`")


def env_pins(ctx: Context, out: Outcome) -> Result:
    """Installed packages satisfy every pinned spec of the environment file."""
    from rattler import MatchSpec

    spec = _spec_or_skip(ctx, out)
    if isinstance(spec, Result):
        return spec
    location = ctx.location(_project(out))
    if location is None or envs.status(location.prefix).state is not envs.EnvState.PRESENT:
        return out.skip("no usable env")
    records = ctx.installed(location.prefix)
    if isinstance(records, FileFormatError):
        return out.skip("a package record does not parse (see env.broken)")
    installed = {r.name.normalized: r for r in records}
    wrong: list[str] = []
    missing: list[str] = []
    for dep in spec.dependencies:
        if ctx.facts.subdir is not None and not envspec.applies(dep, ctx.facts.subdir):
            continue
        record = installed.get(dep.name)
        if record is None:
            missing.append(dep.text)
            continue
        # The channel a spec names is a URL that mirrors rewrite; compare versions and builds.
        text = dep.text.split("::", 1)[-1]
        if not MatchSpec(text, strict=dep.lenient_note is None).matches(record):
            wrong.append(f"{dep.text} (installed {record.version} {record.build})")
    if missing or wrong:
        parts = []
        if missing:
            parts.append("not installed: " + ", ".join(missing))
        if wrong:
            parts.append("wrong version: " + ", ".join(wrong))
        return out.fail(
            f"env `{location.name}` does not match its file: " + "; ".join(parts),
            hint="update the env: `devkit doctor --fix`",
        )
    return out.ok(f"{len(spec.dependencies)} specs satisfied by {len(installed)} packages")


def env_pip(ctx: Context, out: Outcome) -> Result:
    """Packages of the `pip:` section are installed, at the pinned versions."""
    spec = _spec_or_skip(ctx, out)
    if isinstance(spec, Result):
        return spec
    if not spec.pip:
        return out.ok("no pip section")
    location = ctx.location(_project(out))
    if location is None or envs.status(location.prefix).state is not envs.EnvState.PRESENT:
        return out.skip("no usable env")
    installed = envs.pip_installed(location.prefix)
    problems: list[str] = []
    skipped = 0
    for req in spec.pip:
        match = _PIP_PIN.match(req.text)
        if req.text.startswith(("-", ".", "/", "git+", "http")) or not match:
            skipped += 1  # paths, URLs and options: pip knows, devkit cannot map them
            continue
        name, pinned = envs.normalise_dist_name(match.group(1)), match.group(2)
        have = installed.get(name)
        if have is None:
            problems.append(f"{req.text} not installed")
        elif pinned and have != pinned:
            problems.append(f"{req.text} (installed {have})")
    if problems:
        return out.fail(
            "pip section not satisfied: " + "; ".join(problems),
            hint="update the env: `devkit doctor --fix` (pip output shows why an install failed)",
        )
    if skipped == len(spec.pip):
        return out.skip(f"{skipped} URL/path requirements: pip knows them, devkit cannot check")
    note = f" ({skipped} URL/path requirements not checked)" if skipped else ""
    return out.ok(f"{len(spec.pip) - skipped} pip requirements satisfied{note}")


def env_name_clash(ctx: Context, out: Outcome) -> Result:
    """No two projects claim the same env name (one would overwrite the other's env)."""
    project = _project(out)
    spec = _spec_or_skip(ctx, out)
    if isinstance(spec, Result):
        return spec
    name = envs.env_name(project, spec)
    others = [other for other in ctx.env_name_claims.get(name, []) if other != project.name]
    if others:
        return out.fail(
            f"env name `{name}` is also claimed by: {', '.join(others)}",
            hint=f"give each project its own `name:` in {project.env_file.name}",
        )
    return out.ok(f"env name `{name}` is unique")
