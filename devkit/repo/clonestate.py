"""Whether a monorepo folder is a finished clone: a commit checked out, the projects folder there.

A clone killed part-way leaves a repository with its origin set and no commit (or a checkout
that stopped before writing every file). It passes for a clone, but holds no project, so doctor
and setup ask this module instead of counting projects.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path

from devkit import git
from devkit.repo.monorepo import Monorepo


class Problem(enum.Enum):
    """What is wrong with a clone, by what repairs it."""

    NO_COMMIT = "no-commit"  # setup can fetch and check out the default branch
    NOT_CHECKED_OUT = "not-checked-out"  # the commit has the projects folder; the disk does not
    NO_PROJECTS_FOLDER = "no-projects-folder"  # not the monorepo, or the wrong branch


@dataclass(frozen=True)
class Unfinished:
    """Why a monorepo folder cannot be used yet, and the exact commands that fix it."""

    problem: Problem
    message: str
    hint: str
    # The branch the hint checks out (NO_COMMIT), as far as the clone knows without the network.
    branch: str | None = None


def unfinished(repo: Monorepo, *, use_git: bool = True) -> Unfinished | None:
    """What keeps ``repo`` from being a finished clone, or None when it is one.

    ``use_git=False`` (git is not installed) looks at the projects folder only.
    """
    root = repo.root
    projects = repo.projects_dir
    # One git call in the common case: a commit resolves, and the projects folder is there.
    has_commit = git.head_commit(root) is not None if use_git else False
    top = git.toplevel(root) if use_git and not (has_commit and projects.is_dir()) else None
    if top is not None and not has_commit:
        branch = git.known_default_branch(top) or git.head_branch(top) or "main"
        return Unfinished(
            Problem.NO_COMMIT,
            f"{root} is an unfinished clone: git has no commit checked out (a clone that "
            "stopped part-way?), so it holds no project",
            f"run `devkit setup` to fetch and check out the default branch, or by hand: "
            f"git -C {root} fetch origin && git -C {root} checkout {branch}",
            branch=branch,
        )
    if projects.is_dir():
        return None
    # Hints name paths from the monorepo root (`git -C ROOT` reads pathspecs from there).
    where = _relative(projects, root)
    if top is not None and git.in_head(top, _relative(projects, top)):
        return Unfinished(
            Problem.NOT_CHECKED_OUT,
            f"{projects} is missing, though the commit checked out has it (a checkout that "
            "stopped part-way, or a deleted folder?)",
            f"restore it from the commit: git -C {root} checkout HEAD -- {where}",
        )
    if top is not None:
        branch = git.head_branch(top)
        on = f" on branch {branch}" if branch else " at the commit checked out"
        return Unfinished(
            Problem.NO_PROJECTS_FOLDER,
            f"{root} has no projects folder ({where}/){on}: not the monorepo, or the wrong branch",
            f"check out the monorepo's default branch (git -C {root} checkout "
            f"{git.known_default_branch(top) or 'main'}), or point devkit at the monorepo with "
            "--root",
        )
    return Unfinished(
        Problem.NO_PROJECTS_FOLDER,
        f"{root} has no projects folder ({where}/), so it holds no project",
        "pass --root with the folder that holds projects/ (or set `projects_dir` in "
        "devkit.yaml), or clone the monorepo with `devkit setup --repo URL`",
    )


def _relative(path: Path, base: Path) -> str:
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return str(path)
