"""Which of a project's files install its conda-lock.yml: the checks workflow's micromamba step
(github/lockstep.py) and the Dockerfile (projectfiles.py). What ``devkit lock`` says the first
time it locks a project, and what ``devkit ls`` and doctor's lock checks report."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from devkit.conda import lockfile
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


def not_following(repo: Monorepo, project: Project) -> list[str]:
    """Lines saying which files still solve environment.yml although the project is locked."""
    found, _ = workflows.load_all(repo.root)
    lines = []
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
