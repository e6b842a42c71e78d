"""Which projects ``devkit check`` checks, and the plans of their checks workflows."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from devkit import git
from devkit.commands.check.results import PLANNED, SKIPPED, StepResult, describe, installed_version
from devkit.conda import envs, envspec
from devkit.errors import FileFormatError, UsageError
from devkit.repo.github import pathfilter, plan, workflows
from devkit.repo.github.plan import PlannedJob, StepKind, WorkflowPlan
from devkit.repo.monorepo import Monorepo, Project


@dataclass(frozen=True)
class Target:
    """One project to check: its env and the plans of its checks workflows."""

    project: Project
    env_name: str
    prefix: Path
    plans: tuple[WorkflowPlan, ...]
    spec_error: str = ""
    workflows: int = 0  # its checks workflows, before --step / --job


def named_projects(
    monorepo: Monorepo,
    names: tuple[str, ...],
    *,
    all_projects: bool,
    changed: bool,
    cwd: Path,
) -> list[Project] | None:
    """The named projects, ``--all``, or the one ``cwd`` is in; None: the changed ones."""
    if sum((bool(names), all_projects, changed)) > 1:
        raise UsageError("name projects, or pass --all, or --changed: one of them")
    if all_projects:
        return monorepo.projects()
    if names:
        return monorepo.select(list(names))
    if not changed:
        return [here] if (here := project_at(monorepo, cwd)) is not None else None
    return None


def changed_projects(
    monorepo: Monorepo, found: list[workflows.Workflow]
) -> tuple[list[Project], git.Changes]:
    """The projects whose checks workflows a push of what changed would start, and what
    changed (since the merge base with the upstream branch, uncommitted and untracked too)."""
    if git.toplevel(monorepo.root) is None:
        raise UsageError(
            f"--changed needs a git clone, and {monorepo.root} is not in one",
            hint="name the projects to check, or pass --all",
        )
    changes = git.changes(monorepo.root)
    projects_dir = monorepo.config.projects_dir
    chosen = [
        p
        for p in monorepo.projects()
        if any(
            pathfilter.triggered(w, changes.files)
            for w in plan.checks_workflows(found, p.name, projects_dir)
        )
    ]
    return chosen, changes


def project_at(monorepo: Monorepo, cwd: Path) -> Project | None:
    """The project whose folder holds ``cwd``, if any."""
    try:
        relative = cwd.resolve().relative_to(monorepo.projects_dir.resolve())
    except ValueError:
        return None
    if not relative.parts:
        return None
    return next((p for p in monorepo.projects() if p.name == relative.parts[0]), None)


def plan_target(
    monorepo: Monorepo,
    project: Project,
    found: list[workflows.Workflow],
    root_prefix: Path,
    os_leg: str,
    arch: str,
    steps: tuple[str, ...],
    jobs: tuple[str, ...],
) -> Target:
    """A project's env location and the plans of its checks workflows, picks applied."""
    try:
        spec = envspec.parse(project.env_file, dependencies=False)
        location = envs.locate(root_prefix, project, spec)
        spec_error = ""
    except FileFormatError as exc:
        location = envs.EnvLocation(project.name, root_prefix / "envs" / project.name)
        spec_error = exc.message
    python = installed_version(location.prefix, "python")
    machine = plan.Machine(os_leg, arch, monorepo.root, python)
    flows = plan.checks_workflows(found, project.name, monorepo.config.projects_dir)
    plans = [picked(plan.plan_workflow(w, machine), steps, jobs) for w in flows]
    kept = tuple(p for p in plans if p.jobs)
    return Target(project, location.name, location.prefix, kept, spec_error, len(flows))


def _matches(patterns: tuple[str, ...], *names: str) -> bool:
    return any(fnmatch.fnmatchcase(n.casefold(), p.casefold()) for p in patterns for n in names)


def picked(found: WorkflowPlan, steps: tuple[str, ...], jobs: tuple[str, ...]) -> WorkflowPlan:
    """Only the jobs and steps ``--job`` / ``--step`` name (the env step stays: they need it)."""
    kept: list[PlannedJob] = []
    for job in found.jobs:
        if jobs and not _matches(jobs, job.job_id, job.name):
            continue
        if steps:
            chosen = [s for s in job.steps if _matches(steps, s.name)]
            if not chosen:
                continue
            job = replace(
                job, steps=tuple(s for s in job.steps if s in chosen or s.kind is StepKind.ENV)
            )
        kept.append(job)
    return replace(found, jobs=tuple(kept))


def check_picks(targets: list[Target], steps: tuple[str, ...], jobs: tuple[str, ...]) -> None:
    """``--step`` / ``--job`` must name something: a typo would otherwise check nothing."""
    if not (steps or jobs) or any(t.plans for t in targets):
        return
    if any(t.workflows for t in targets):
        asked = ", ".join([*jobs, *steps])
        raise UsageError(
            f"no job or step here is called {asked}",
            hint="`devkit check --list` shows the jobs and steps of the selected projects",
        )


def listing(target: Target, root: Path) -> list[StepResult]:
    """The rows ``--list`` shows: what each step would do, or why it is skipped."""
    rows: list[StepResult] = []
    for found in target.plans:
        for job in found.jobs:
            base: dict[str, Any] = {
                "project": target.project.name,
                "workflow": relative(found.path, root),
                "job": job.job_id,
                "job_name": job.name,
            }
            if job.skipped:
                rows.append(StepResult(**base, index=0, step="(job)", kind="job",
                                       status=SKIPPED, detail=job.skipped))  # fmt: skip
            for step in job.steps:
                runs = step.kind in (StepKind.RUN, StepKind.BLACK, StepKind.ENV)
                rows.append(StepResult(**base, index=step.index, step=step.name,
                                       kind=step.kind.value, status=PLANNED if runs else SKIPPED,
                                       detail=describe(step, target.env_name)))  # fmt: skip
    return rows


def relative(path: Path, root: Path) -> str:
    """``path`` from the monorepo root, as the JSON and the table name files."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)
