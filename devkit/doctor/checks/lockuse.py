"""Project-file checks for a project with a lock: CI installs the lock (cached on its hash)
rather than solving environment.yml, with a fixer that rewrites the step."""

from __future__ import annotations

from pathlib import Path

from devkit import atomic, yamlfile
from devkit.conda import envs, envspec, lockfile
from devkit.doctor.base import ProjectOutcome, Result
from devkit.doctor.checks.files import checks_workflows, rel, where
from devkit.doctor.context import Context
from devkit.errors import DevkitError, FileFormatError
from devkit.repo.github import lockstep
from devkit.repo.github.workflows import Workflow
from devkit.repo.monorepo import Project


def _fix_hint(project: Project, check_id: str) -> str:
    return f"`devkit doctor {project.name} --fix --check {check_id}` rewrites it (asking first)"


def ci_lock(ctx: Context, out: ProjectOutcome) -> Result:
    """With a conda-lock.yml, the checks workflow installs it, cached on its hash."""
    project = out.project
    lock = lockfile.lock_path(project.path)
    if not lock.is_file():
        return out.skip(f"no {lock.name}: CI solves {project.env_file.name}, as it should")
    workflows = checks_workflows(ctx, project)
    steps = [s for w in workflows for s in lockstep.env_steps(w)]
    if not steps:
        return out.skip("no micromamba step in a checks workflow (see files.workflow_env_file)")
    wanted = rel(ctx, lock)
    solving = [s for s in steps if not s.installs(wanted)]
    uncached = [s for s in steps if s.installs(wanted) and not s.cached]
    if solving:
        places = ", ".join(
            f"{s.env_file} ({where(ctx, s.workflow, s.env_file_line)})" for s in solving
        )
        return out.warn(
            f"the project has {wanted} but CI solves {places}: CI may test other versions than "
            "the lock pins, and solves on every run",
            hint=f"install the lock: {lockstep.SETUP_USES} with `environment-file: {wanted}` "
            f"and `cache-environment: true`; {_fix_hint(project, 'files.ci_lock')}",
        )
    if uncached:
        places = ", ".join(where(ctx, s.workflow, s.line) for s in uncached)
        return out.warn(
            f"CI installs {wanted} without caching the env ({places}): every run downloads it",
            hint=f"add `cache-environment: true` (the cache key holds the lock's sha256); "
            f"{_fix_hint(project, 'files.ci_lock')}",
        )
    return out.ok(f"CI installs {wanted}, the env cached on its hash")


def fix_ci_lock(ctx: Context, result: Result) -> str:
    """Rewrite each micromamba step of the project's checks workflows to install its lock."""
    assert ctx.monorepo is not None and result.project is not None
    project = ctx.monorepo.project(result.project)
    wanted = rel(ctx, lockfile.lock_path(project.path))
    env_name = _env_name(project)
    done = []
    for workflow in checks_workflows(ctx, project):
        # One step at a time, each read afresh: a rewrite moves the lines of the ones below it.
        while True:
            steps = lockstep.env_steps(_reload(workflow.path))
            todo = next((s for s in steps if not (s.installs(wanted) and s.cached)), None)
            if todo is None:
                break
            text, changes = lockstep.rewrite(workflow.path, todo, wanted, env_name)
            atomic.write_text(workflow.path, text)
            done.append(f"{where(ctx, workflow.path, todo.line)}: {'; '.join(changes)}")
    if not done:
        return "nothing to do"
    return "rewrote " + " | ".join(done) + "; review and commit it"


def _reload(path: Path) -> Workflow:
    return Workflow(path, yamlfile.load(path))


def _env_name(project: Project) -> str:
    try:
        spec = envspec.parse(project.env_file, dependencies=False)
    except FileFormatError as exc:
        raise DevkitError(exc.message, hint="fix environment.yml first (see env.spec)") from exc
    return envs.env_name(project, spec)
