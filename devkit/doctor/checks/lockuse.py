"""Project-file checks for a project with a lock: CI installs the lock (cached on its hash)
rather than solving environment.yml, with a fixer that rewrites the step; the Dockerfile builds
the env from the lock, checked against the lock's sha256 and labelled with it."""

from __future__ import annotations

from pathlib import Path

from devkit import atomic, yamlfile
from devkit.conda import envs, envspec, lockfile
from devkit.doctor.base import ProjectOutcome, Result
from devkit.doctor.checks.files import checks_workflows, rel, where
from devkit.doctor.context import Context
from devkit.errors import DevkitError, FileFormatError
from devkit.repo import dockerlock, projectfiles
from devkit.repo.github import lockstep
from devkit.repo.github.workflows import Workflow
from devkit.repo.monorepo import Project
from devkit.repo.projectfiles import DOCKERFILE, Dockerfile


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


def docker_lock(ctx: Context, out: ProjectOutcome) -> Result:
    """With a conda-lock.yml, the Dockerfile builds the env from it, checked against its sha256."""
    project = out.project
    lock = lockfile.lock_path(project.path)
    if not lock.is_file():
        return out.skip(f"no {lock.name}: the image is built from {project.env_file.name}")
    parsed = ctx.project_file(project, DOCKERFILE)
    if not isinstance(parsed, Dockerfile):
        return out.skip("no Dockerfile, or it does not parse (see files.parse)")
    use = dockerlock.use(parsed)
    path = rel(ctx, parsed.path)
    docs = "docs/project-files.md, 'The image from the lock', shows the Dockerfile before and after"
    if use.installs == dockerlock.SOLVES:
        return out.warn(
            f"the project has {lock.name} but the Dockerfile solves "
            f"({where(ctx, parsed.path, use.line)}: `{use.command}`): the image gets whatever the "
            "channels serve that day, not what the lock pins",
            hint=f"build the env from the lock: `COPY conda-lock.yml` and `micromamba create -p "
            f"/venv -f conda-lock.yml` in a mambaorg/micromamba stage, then copy /venv; {docs}; "
            f"`devkit doctor {project.name} --fix --check files.docker_lock` rewrites the build "
            "stage of the template's shape (asking first)",
        )
    if use.installs == dockerlock.NONE:
        return out.skip(f"{path} installs no conda env")
    try:
        locked = lockfile.read(lock)
    except FileFormatError as exc:
        return out.skip(f"{lock.name} does not parse (see lock.stale): {exc.message}")
    if not locked.packages.get("linux-64"):
        return out.fail(
            f"{lock.name} has no linux-64 packages: the image (linux/amd64) gets nothing from it",
            hint=f"`devkit lock {project.name}` with linux-64 among its platforms",
            fixable=False,
        )
    if use.stamped is None or not use.labelled:
        return out.warn(
            f"{path} installs {lock.name} but does not check it against {dockerlock.LOCK_ARG} "
            "and label the image with it: nothing says which lock an image was built from",
            hint=f"add `ARG {dockerlock.LOCK_ARG}=` before the first FROM, the sha256 check and "
            f"the `{dockerlock.LABEL}` LABEL; {docs}",
            fixable=False,
        )
    actual = dockerlock.sha256_of(lock)
    if use.stamped != actual:
        return out.fail(
            f"{dockerlock.LOCK_ARG} ({where(ctx, parsed.path, use.stamped_line)}) is not the "
            f"sha256 of {lock.name}: the image build stops at its check",
            hint=f"`devkit lock {project.name}` keeps it current; "
            f"`devkit doctor {project.name} --fix --check files.docker_lock` sets it now",
        )
    return out.ok(
        f"the image installs {lock.name}'s linux-64 packages (nothing solved), checked against "
        "its sha256 and labelled with it"
    )


def fix_docker_lock(ctx: Context, result: Result) -> str:
    """Build the image from the lock: a solving build stage is replaced by the template's
    locked one; a stale DEVKIT_LOCK_SHA256 is set to the lock's sha256 (one line changes)."""
    assert ctx.monorepo is not None and result.project is not None
    project = ctx.monorepo.project(result.project)
    dockerfile = project.path / DOCKERFILE
    lock = lockfile.lock_path(project.path)
    sha256 = dockerlock.sha256_of(lock)
    try:
        parsed = projectfiles.parse_dockerfile(dockerfile)
    except FileFormatError as exc:
        raise DevkitError(exc.message, hint="fix the Dockerfile first (see files.parse)") from exc
    if dockerlock.use(parsed).installs == dockerlock.SOLVES:
        atomic.write_text(dockerfile, dockerlock.rewrite_for_lock(parsed, sha256))
        return (
            f"{rel(ctx, dockerfile)}: the build stage installs {lock.name} (micromamba, nothing "
            "solved), checks it against its sha256 and labels the image; review and commit it"
        )
    if not dockerlock.stamp(dockerfile, sha256):
        return "nothing to do"
    return f"{rel(ctx, dockerfile)}: {dockerlock.LOCK_ARG} set to {lock.name}'s sha256; commit it"
