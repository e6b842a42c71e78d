"""Where a project's env lives and what state it is in, read from disk without micromamba."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from pathlib import Path

from devkit.envspec import EnvSpec
from devkit.monorepo import Project

_PYTHON_RECORD = re.compile(r"^python-\d")


class EnvState(enum.Enum):
    """What is at an env's prefix."""

    MISSING = "missing"
    BROKEN = "broken"
    PRESENT = "present"


@dataclass(frozen=True)
class EnvLocation:
    """A project's env: its name (for ``micromamba activate``) and its prefix."""

    name: str
    prefix: Path


def env_name(project: Project, spec: EnvSpec) -> str:
    """The env's name: the file's ``name:``, else the project folder's name."""
    return spec.name or project.name


def locate(root_prefix: Path, project: Project, spec: EnvSpec) -> EnvLocation:
    """Named envs live in ``<root>/envs/<name>``, so ``micromamba activate <name>`` finds them."""
    name = env_name(project, spec)
    return EnvLocation(name=name, prefix=root_prefix / "envs" / name)


@dataclass(frozen=True)
class EnvStatus:
    """An env's state and, when it is not usable, why."""

    state: EnvState
    reason: str = ""


def status(prefix: Path) -> EnvStatus:
    """Whether an env exists and looks usable (conda-meta readable, a python to run)."""
    if not prefix.exists():
        return EnvStatus(EnvState.MISSING, f"{prefix} does not exist")
    meta = prefix / "conda-meta"
    if not meta.is_dir():
        return EnvStatus(EnvState.BROKEN, f"{prefix} has no conda-meta/: not a conda env")
    try:
        records = [p for p in meta.iterdir() if p.suffix == ".json"]
    except OSError as exc:
        return EnvStatus(EnvState.BROKEN, f"cannot read {meta}: {exc.strerror}")
    if not records:
        return EnvStatus(EnvState.BROKEN, f"{meta} lists no packages (an interrupted create?)")
    # Record files are `<name>-<version>-<build>.json`; python-dotenv must not count as python.
    if any(_PYTHON_RECORD.match(p.name) for p in records):
        python = prefix / "bin" / "python"
        if not python.exists():
            return EnvStatus(EnvState.BROKEN, f"python is installed but {python} is missing")
    return EnvStatus(EnvState.PRESENT)
