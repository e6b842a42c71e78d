"""From a project's checks workflow to what ``devkit check`` does on this machine: pure data.

One OS leg: a job runs here when its runner (``runs-on``, ``matrix.os`` resolved) is this
machine's OS, with the first matrix entry for it (the one whose Python is the env's, when several
are). Each step becomes a ``PlannedStep`` whose kind says how it runs here (docs/check.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devkit import yamlfile
from devkit.repo.github import matrix, queries
from devkit.repo.github.actions import StepKind
from devkit.repo.github.expressions import Contexts, Unknown, condition_holds, text_of
from devkit.repo.github.steps import PlannedStep, env_block, plan_step, resolved_name
from devkit.repo.github.workflows import Workflow, dig

__all__ = ["Machine", "PlannedJob", "PlannedStep", "StepKind", "WorkflowPlan", "plan_workflow"]

RUNNER_OS = {"linux": "Linux", "macos": "macOS"}


@dataclass(frozen=True)
class Machine:
    """What the plan depends on: this machine's OS leg, the monorepo, the env's Python."""

    os: str  # "linux" or "macos"
    arch: str  # "X64" or "ARM64", as runner.arch says it
    root: Path
    python: str | None = None  # the env's Python version, to pick the matching matrix entry


@dataclass(frozen=True)
class PlannedJob:
    """One job: the matrix entry chosen for this OS and its steps, or why it does not run."""

    job_id: str
    name: str
    line: int
    steps: tuple[PlannedStep, ...] = ()
    runs_on: str = ""
    matrix: Mapping[str, Any] = field(default_factory=dict)
    skipped: str = ""  # why the whole job does not run here
    notes: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()


@dataclass(frozen=True)
class WorkflowPlan:
    """A workflow's jobs, in the order they run here."""

    path: Path
    name: str
    jobs: tuple[PlannedJob, ...]


def checks_workflows(found: list[Workflow], project: str, projects_dir: str) -> list[Workflow]:
    """The workflows that check ``project``: their path filters or working directory name it,
    and they do not build or deploy it."""
    return [
        w
        for w in found
        if project in queries.folders_named(w, projects_dir) and not queries.is_deploy(w)
    ]


def plan_workflow(workflow: Workflow, machine: Machine) -> WorkflowPlan:
    """What each job of ``workflow`` does on ``machine``."""
    base = Contexts(
        runner={"os": RUNNER_OS.get(machine.os, machine.os), "arch": machine.arch},
        github={"workspace": str(machine.root)},
    )
    workflow_env, workflow_secrets = env_block(workflow.data.get("env"), base)
    jobs = [
        _job(workflow, job_id, job, machine, base.with_env(workflow_env), workflow_secrets)
        for job_id, job in queries.jobs(workflow)
    ]
    name = workflow.data.get("name")
    return WorkflowPlan(
        workflow.path, str(name) if name else workflow.path.name, tuple(_in_order(jobs))
    )


def _in_order(jobs: list[PlannedJob]) -> list[PlannedJob]:
    """File order, except that a job comes after the jobs it ``needs``."""
    done: list[PlannedJob] = []
    waiting = list(jobs)
    while waiting:
        ids = {j.job_id for j in waiting}
        ready = next((j for j in waiting if not ids.intersection(j.needs)), waiting[0])
        waiting.remove(ready)
        done.append(ready)
    return done


def _job(
    workflow: Workflow,
    job_id: str,
    job: yamlfile.YamlMap,
    machine: Machine,
    ctx: Contexts,
    secret_vars: dict[str, str],
) -> PlannedJob:
    line = job.line
    needs_value = job.get("needs")
    needs = tuple(
        str(n) for n in (needs_value if isinstance(needs_value, list) else [needs_value]) if n
    )
    raw_name = str(job.get("name") or job_id)
    if isinstance(job.get("uses"), str):
        return PlannedJob(
            job_id, raw_name, line, skipped=f"calls the reusable workflow {job['uses']}"
        )
    try:
        entries = matrix.matrix_entries(dig(job, "strategy", "matrix"))
    except Unknown as exc:
        return PlannedJob(job_id, raw_name, line, skipped=f"its matrix needs {exc.part}")
    fitting: list[tuple[dict[str, Any], str]] = []
    seen_labels: list[str] = []
    for entry in entries:
        labels = matrix.runs_on(
            job.get("runs-on"), Contexts(entry, ctx.env, ctx.runner, ctx.github)
        )
        seen_labels.extend(label for label in labels if label not in seen_labels)
        if matrix.runner_family(labels) == machine.os:
            fitting.append((entry, " ".join(labels)))
    if not fitting:
        here = RUNNER_OS.get(machine.os, machine.os)
        where = ", ".join(seen_labels) or "no runner"
        family = matrix.runner_family(seen_labels)
        reason = (
            f"runs on {where} only; this machine runs {here}"
            if family
            else f"runs on {where}, which devkit cannot tell the OS of"
        )
        return PlannedJob(job_id, resolved_name(raw_name, ctx), line, skipped=reason, needs=needs)
    entry, runs_on = matrix.choose(fitting, machine.python)
    ctx = Contexts(entry, ctx.env, ctx.runner, ctx.github)
    name = resolved_name(raw_name, ctx)

    def skip(reason: str) -> PlannedJob:
        return PlannedJob(
            job_id, name, line, runs_on=runs_on, matrix=entry, needs=needs, skipped=reason
        )

    if job.get("container"):
        return skip("runs its steps in a container; devkit runs steps on this machine only")
    condition = job.get("if")
    try:
        if condition is not None and not condition_holds(text_of(condition), ctx, failed=False):
            return skip(f"its `if: {text_of(condition)}` is false here")
    except Unknown as exc:
        return skip(f"its `if:` needs {exc.part}, which only a CI run knows")
    notes: list[str] = []
    if len(fitting) > 1:
        described = ["; ".join(f"{k}={text_of(v)}" for k, v in e.items()) for e, _ in fitting]
        described.remove("; ".join(f"{k}={text_of(v)}" for k, v in entry.items()))
        notes.append(f"other matrix entries for this OS not run: {', '.join(described)}")
    if job.get("services"):
        notes.append("its `services:` are not started here")
    job_env, job_secrets = env_block(job.get("env"), ctx)
    ctx = ctx.with_env({**ctx.env, **job_env})
    defaults = _defaults(workflow.data, job)
    listed = job.get("steps")
    steps = [
        plan_step(index, step, ctx, {**secret_vars, **job_secrets}, defaults)
        for index, step in enumerate(listed if isinstance(listed, list) else [], start=1)
        if isinstance(step, yamlfile.YamlMap)
    ]
    return PlannedJob(
        job_id, name, line, tuple(steps), runs_on, entry, notes=tuple(notes), needs=needs
    )


def _defaults(data: yamlfile.YamlMap, job: yamlfile.YamlMap) -> dict[str, str]:
    found: dict[str, str] = {}
    for owner in (data, job):
        run = dig(owner, "defaults", "run")
        if isinstance(run, dict):
            found.update({k: text_of(run[k]) for k in ("shell", "working-directory") if k in run})
    return found
