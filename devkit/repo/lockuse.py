"""Which of a project's files install its conda-lock.yml: the checks workflow's micromamba step
(github/lockstep.py) and the Dockerfile (dockerlock.py). What ``devkit lock`` says the first
time it locks a project and keeps current, and what ``devkit ls`` and doctor's lock checks
report."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from devkit.conda import lockfile
from devkit.errors import FileFormatError
from devkit.repo import dockerlock, projectfiles
from devkit.repo.github import lockstep, workflows
from devkit.repo.monorepo import Monorepo, Project

LOCK = "lock"
SOLVES = "environment.yml"
NONE = "none"


@dataclass(frozen=True)
class Place:
    """One file that installs an env: where, and whether it installs the lock."""

    path: Path
    line: int
    installs: str  # LOCK, or SOLVES (it solves the environment file)


def ci_places(repo: Monorepo, project: Project, found: list[workflows.Workflow]) -> list[Place]:
    """The micromamba steps of the project's checks workflows."""
    lock = _relative(repo, lockfile.lock_path(project.path))
    folder = _relative(repo, project.path)
    return [
        Place(step.workflow, step.line, LOCK if step.installs(lock) else SOLVES)
        for step in lockstep.project_steps(found, folder)
    ]


def summary(places: list[Place]) -> str:
    """LOCK when every place installs the lock, SOLVES when one does not, NONE without any."""
    if not places:
        return NONE
    return LOCK if all(p.installs == LOCK for p in places) else SOLVES


def docker_use(project: Project) -> dockerlock.DockerUse | None:
    """What the project's Dockerfile builds its env from; None without a readable one."""
    path = project.path / projectfiles.DOCKERFILE
    if not path.is_file():
        return None
    try:
        return dockerlock.use(projectfiles.parse_dockerfile(path))
    except FileFormatError:
        return None


def stamp(repo: Monorepo, project: Project) -> str | None:
    """Keep the Dockerfile's DEVKIT_LOCK_SHA256 the lock's sha256; a line saying so, if changed."""
    dockerfile = project.path / projectfiles.DOCKERFILE
    lock = lockfile.lock_path(project.path)
    if not dockerfile.is_file() or not dockerlock.stamp(dockerfile, dockerlock.sha256_of(lock)):
        return None
    return (
        f"updated {_relative(repo, dockerfile)}: {dockerlock.LOCK_ARG} is the new lock's sha256 "
        "(the image build checks the lock against it and labels the image with it)"
    )


def not_following(repo: Monorepo, project: Project) -> list[str]:
    """Lines saying which files still solve environment.yml although the project is locked."""
    found, _ = workflows.load_all(repo.root)
    lines = []
    docker = docker_use(project)
    if docker is not None and docker.installs == dockerlock.SOLVES:
        where = f"{_relative(repo, project.path / projectfiles.DOCKERFILE)}:{docker.line}"
        lines.append(
            f"the Dockerfile still solves ({where}: `{docker.command}`): build the image from "
            "the lock (docs/project-files.md, 'The image from the lock'; `devkit doctor "
            f"{project.name} --check files.docker_lock` checks it)"
        )
    for place in ci_places(repo, project, found):
        if place.installs != LOCK:
            where = f"{_relative(repo, place.path)}:{place.line}"
            lines.append(
                f"CI still solves {project.env_file.name} ({where}): make it install the lock, "
                f"cached on its hash, with `devkit doctor {project.name} --fix --check "
                "files.ci_lock`"
            )
    return lines


def _relative(repo: Monorepo, path: Path) -> str:
    try:
        return path.resolve().relative_to(repo.root.resolve()).as_posix()
    except ValueError:
        return str(path)
