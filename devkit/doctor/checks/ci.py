"""Project-file checks on what the checks workflow says: it installs this project's env, tests
the pinned Python, formats with the pinned black, keeps its macOS runner, uses current actions.
"""

from __future__ import annotations

import re

from devkit.conda import lockfile
from devkit.doctor.base import ProjectOutcome, Result, SpecOutcome
from devkit.doctor.checks.files import (
    Findings,
    checks_workflows,
    folder_of,
    project_workflows,
    rel,
    where,
)
from devkit.doctor.context import Context
from devkit.repo import deprecations
from devkit.repo.github import queries


def workflow_env_file(ctx: Context, out: ProjectOutcome) -> Result:
    """The checks workflow installs this project's environment.yml (or its conda-lock.yml), and
    that file exists."""
    project = out.project
    found = checks_workflows(ctx, project)
    if not found:
        return out.skip("no checks workflow (see files.workflow_missing)")
    refs = [(w, r) for w in found for r in queries.environment_files(w)]
    expected = rel(ctx, project.env_file)
    if not refs:
        return out.warn(
            "no micromamba step installs an environment file: CI does not test the env "
            "developers use",
            hint=f"add mamba-org/setup-micromamba with `environment-file: {expected}`",
        )
    # The project's lock is its environment too (files.ci_lock says which one CI should use).
    own = {ctx.resolved(project.env_file), ctx.resolved(lockfile.lock_path(project.path))}
    findings = Findings()
    installed = []
    for workflow, ref in refs:
        if "${{" in ref.value:
            continue
        path = out.monorepo.root / ref.value
        at = where(ctx, workflow.path, ref.line)
        if not path.is_file():
            findings.fail(f"environment-file `{ref.value}` ({at}) does not exist")
        elif ctx.resolved(path) not in own:
            findings.fail(f"environment-file `{ref.value}` ({at}) is not this project's")
        else:
            installed.append(rel(ctx, path))
    shown = ", ".join(dict.fromkeys(installed)) or expected
    return findings.result(out, f"CI installs {shown}", hint=f"set `environment-file: {expected}`")


def _minor(text: str) -> str | None:
    match = re.search(r"(\d+)\.(\d+)", text)
    return f"{match.group(1)}.{match.group(2)}" if match else None


def ci_python(ctx: Context, out: SpecOutcome) -> Result:
    """Every ``python-version`` of the checks workflow is the Python environment.yml pins."""
    project = out.project
    spec = out.spec
    dep = spec.dependency("python")
    pinned = _minor(dep.version) if dep and dep.version else None
    if dep is None or pinned is None:
        return out.skip("environment.yml does not pin python (see python.eol)")
    refs = [(w, r) for w in checks_workflows(ctx, project) for r in queries.python_versions(w)]
    if not refs:
        return out.skip("no python-version in a checks workflow")
    findings = Findings()
    for workflow, ref in refs:
        at = where(ctx, workflow.path, ref.line)
        if ref.written:
            findings.fail(
                f"python-version {ref.written} ({at}) is read by YAML as the number {ref.value}"
            )
        elif _minor(ref.value) != pinned:
            findings.warn(
                f"python-version {ref.value} ({at}) but environment.yml pins "
                f"python {pinned} (line {dep.line})"
            )
    return findings.result(
        out,
        f"CI and environment.yml agree on python {pinned}",
        hint=f'write python-version as the quoted string "{pinned}" everywhere in the workflow',
    )


def _exact(version: str) -> str | None:
    text = version.replace(" ", "").removeprefix("==").removeprefix("=").removesuffix(".*")
    return None if re.search(r"[<>~!,*|]", text) or not text else text


def ci_black(ctx: Context, out: SpecOutcome) -> Result:
    """The format job's black is the black environment.yml pins, and checks only this project."""
    project = out.project
    spec = out.spec
    found = [
        (w, s) for w in checks_workflows(ctx, project) for s in queries.steps_using(w, "psf/black")
    ]
    if not found:
        return out.skip("no psf/black step in a checks workflow")
    dep = spec.dependency("black")
    pinned = _exact(dep.version) if dep and dep.version else None
    mine = folder_of(ctx, project)
    findings = Findings()
    for workflow, step in found:
        version = queries.step_input(step, "version")
        src = queries.step_input(step, "src")
        at = where(ctx, workflow.path, step.line_of("uses"))
        if version is None:
            findings.warn(f"psf/black ({at}) installs the newest black")
        elif pinned is None or _exact(version.value) is None:
            findings.warn(
                f"cannot compare black `{version.value}` ({at}) with environment.yml "
                f"({dep.text if dep else 'no black pin'})"
            )
        elif _exact(version.value) != pinned:
            findings.fail(
                f"CI formats with black {version.value} "
                f"({where(ctx, workflow.path, version.line)}) but environment.yml pins black "
                f"{pinned} (line {dep.line if dep else '?'}): code formatted locally fails CI"
            )
        paths = [p.removeprefix("./").rstrip("/") for p in (src.value.split() if src else [])]
        if not paths or any(p != mine and not p.startswith(mine + "/") for p in paths):
            findings.warn(
                f"psf/black ({at}) checks `{src.value if src else '.'}`: every "
                "project's files, with this project's black"
            )
    return findings.result(
        out,
        f"CI formats {mine} with black {pinned}",
        hint=f'give psf/black `version: "{pinned or "<the black= pin>"}"` and `src: "./{mine}"`',
    )


def ci_macos(ctx: Context, out: ProjectOutcome) -> Result:
    """The checks workflow keeps its macOS runner (it catches platform drift before merge)."""
    found = checks_workflows(ctx, out.project)
    if not found:
        return out.skip("no checks workflow (see files.workflow_missing)")
    labels = sorted({r.value for w in found for r in queries.runners(w)})
    if any(label.lower().startswith("macos") for label in labels):
        return out.ok(f"runs on {', '.join(labels)}")
    return out.warn(
        f"the checks never run on macOS (runners: {', '.join(labels) or 'none'}): packages that "
        "break only on developers' Macs are found after the merge",
        hint='add "macos-latest" next to "ubuntu-latest" in the matrix `os:` list',
    )


def actions_deprecated(ctx: Context, out: ProjectOutcome) -> Result:
    """No workflow step uses a retired action or a major on a deprecated Node runtime."""
    found = project_workflows(ctx, out.project)
    if not found:
        return out.skip("no workflow for this project (see files.workflow_missing)")
    today = ctx.facts.today
    # uses -> (verdict, file -> lines): one old action used six times is one finding.
    stale: dict[str, tuple[deprecations.Verdict, dict[str, list[str]]]] = {}
    count = 0
    for workflow in found:
        for ref in queries.uses(workflow):
            count += 1
            verdict = deprecations.action_verdict(ref.value, today)
            if verdict is not None:
                places = stale.setdefault(ref.value, (verdict, {}))[1]
                places.setdefault(rel(ctx, workflow.path), []).append(str(ref.line))
    if not stale:
        return out.ok(f"{count} actions, none deprecated")
    listed = [
        f"{uses} → {v.replacement} ({v.reason}; "
        + ", ".join(f"{path}:{','.join(lines)}" for path, lines in places.items())
        + ")"
        for uses, (v, places) in stale.items()
    ]
    return out.warn(
        "; ".join(listed),
        hint="change each `uses:` to its replacement (docs/project-files.md)",
        items=listed,
    )
