"""Checks for a project with a lock: CI installs the lock (cached on its hash) rather than
solving environment.yml, with a fixer that rewrites the step; the Dockerfile builds the env
from the lock, checked against the lock's sha256 and labelled with it; and ``lock.follow``
(with ``devkit ls``): the env, CI and the image all follow that one lock."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from devkit import atomic, yamlfile
from devkit.conda import envbuild, envs, envspec, lockfile
from devkit.conda.envspec import EnvSpec
from devkit.doctor.base import ProjectOutcome, Result, SpecOutcome
from devkit.doctor.checks.files import checks_workflows, rel, where
from devkit.doctor.context import Context
from devkit.errors import DevkitError, FileFormatError
from devkit.repo import dockerlock, projectfiles
from devkit.repo import lockuse as repo_lockuse
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
    if ctx.outside(lock) is not None:
        return out.skip(f"{lock.name} resolves outside the monorepo (see lock.stale)")
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


@dataclass(frozen=True)
class Following:
    """Whether each place a project's env is made installs its conda-lock.yml."""

    env: str  # lock, environment.yml, an older lock or file, not built
    ci: str  # lock, environment.yml, none
    image: str  # lock, solves, stale sha256, none

    @property
    def gaps(self) -> list[str]:
        """What does not follow the lock (places that do not exist are not gaps)."""
        found = []
        if self.env not in (LOCK, NOT_BUILT):
            found.append(f"env: {self.env}")
        if self.ci not in (LOCK, repo_lockuse.NONE):
            found.append(f"CI: {self.ci}")
        if self.image not in (LOCK, dockerlock.NONE):
            found.append(f"image: {self.image}")
        return found


LOCK = "lock"
NOT_BUILT = "not built"


def following(ctx: Context, project: Project, spec: EnvSpec) -> Following | None:
    """Who installs the project's lock; None without a lock."""
    lock = lockfile.lock_path(project.path)
    if not lock.is_file():
        return None
    return Following(_env_follows(ctx, project, spec, lock), _ci_follows(ctx, project, lock),
                     _image_follows(ctx, project, lock))  # fmt: skip


def _env_follows(ctx: Context, project: Project, spec: EnvSpec, lock: Path) -> str:
    location = ctx.location(project)
    recorded = envbuild.read_fingerprint(location.prefix) if location else None
    if recorded is None:
        return NOT_BUILT
    if recorded.sha256 == envbuild.fingerprint_for(spec, lock):
        return LOCK
    if recorded.sha256 == spec.fingerprint:
        return "built from environment.yml"
    return "built from an older lock or file"


def _ci_follows(ctx: Context, project: Project, lock: Path) -> str:
    wanted = rel(ctx, lock)
    steps = [s for w in checks_workflows(ctx, project) for s in lockstep.env_steps(w)]
    if not steps:
        return repo_lockuse.NONE
    return LOCK if all(s.installs(wanted) for s in steps) else "solves environment.yml"


def _image_follows(ctx: Context, project: Project, lock: Path) -> str:
    parsed = ctx.project_file(project, DOCKERFILE)
    if not isinstance(parsed, Dockerfile):
        return dockerlock.NONE
    use = dockerlock.use(parsed)
    if use.installs == dockerlock.SOLVES:
        return "solves"
    if use.installs == dockerlock.NONE:
        return dockerlock.NONE
    if use.stamped is not None and use.stamped != dockerlock.sha256_of(lock):
        return "checks another lock's sha256"
    return LOCK


def lock_follow(ctx: Context, out: SpecOutcome) -> Result:
    """The env, CI and the image all install the project's conda-lock.yml."""
    found = following(ctx, out.project, out.spec)
    if found is None:
        return out.skip(f"no {lockfile.LOCK_NAME}")
    shown = f"env: {found.env}, CI: {found.ci}, image: {found.image}"
    if found.gaps:
        name = out.project.name
        return out.warn(
            f"{lockfile.LOCK_NAME} is not followed everywhere: {'; '.join(found.gaps)}",
            hint=f"env.stale, files.ci_lock and files.docker_lock say how; `devkit doctor {name} "
            "--fix` rebuilds the env from the lock and rewrites the CI step and the Dockerfile",
        )
    return out.ok(f"{lockfile.LOCK_NAME} is followed: {shown}")
