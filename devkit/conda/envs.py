"""Where a project's env lives and what state it is in, read from disk without micromamba."""

from __future__ import annotations

import enum
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, Protocol

from devkit.conda.envspec import EnvSpec

if TYPE_CHECKING:
    pass

_PYTHON_RECORD = re.compile(r"^python-\d")
_DIST_NAME_SEPARATORS = re.compile(r"[-_.]+")
_PIP_PIN = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(?:==\s*([^\s;,]+))?")


class Project(Protocol):
    """What an env needs of a project: its folder's name (the env's name by default)."""

    @property
    def name(self) -> str: ...


class EnvState(enum.Enum):
    """What is at an env's prefix."""

    MISSING = "missing"
    BROKEN = "broken"
    PRESENT = "present"


class EnvLocation(NamedTuple):
    """A project's env: its name (for ``micromamba activate``) and its prefix."""

    name: str
    prefix: Path


def env_name(project: Project, spec: EnvSpec) -> str:
    """The env's name: the file's ``name:``, else the project folder's name."""
    return spec.name or project.name


def name_claims(projects: Iterable[tuple[Project, EnvSpec]]) -> dict[str, list[str]]:
    """Env name -> the projects claiming it: two claimants would overwrite each other's env."""
    claims: dict[str, list[str]] = {}
    for project, spec in projects:
        claims.setdefault(env_name(project, spec), []).append(project.name)
    return claims


def locate(root_prefix: Path, project: Project, spec: EnvSpec) -> EnvLocation:
    """Named envs live in ``<root>/envs/<name>``, so ``micromamba activate <name>`` finds them."""
    name = env_name(project, spec)
    return EnvLocation(name=name, prefix=root_prefix / "envs" / name)


class EnvStatus(NamedTuple):
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
        # Names, not Path objects: an env holds hundreds of records, doctor looks at hundreds
        # of envs.
        records = [n for n in os.listdir(meta) if n.endswith(".json")]  # noqa: PTH208
    except OSError as exc:
        return EnvStatus(EnvState.BROKEN, f"cannot read {meta}: {exc.strerror}")
    if not records:
        return EnvStatus(EnvState.BROKEN, f"{meta} lists no packages (an interrupted create?)")
    # Record files are `<name>-<version>-<build>.json`; python-dotenv must not count as python.
    if any(_PYTHON_RECORD.match(n) for n in records):
        python = prefix / "bin" / "python"
        if not python.exists():
            return EnvStatus(EnvState.BROKEN, f"python is installed but {python} is missing")
    return EnvStatus(EnvState.PRESENT)


def pip_installed(prefix: Path) -> dict[str, str]:
    """Python distributions in the env's site-packages: normalised name -> version."""
    found: dict[str, str] = {}
    for site in prefix.glob("lib/python3*/site-packages"):
        # Names, not Path objects (as iterdir gives, in its order): an env holds hundreds.
        for entry in os.listdir(site):  # noqa: PTH208
            dot = entry.rfind(".")
            suffix = entry[dot:] if 0 < dot < len(entry) - 1 else ""  # Path.suffix's rule
            if suffix == ".dist-info":
                name, _, version = entry[:dot].rpartition("-")
            elif suffix == ".egg-info":
                name, _, rest = entry[:dot].partition("-")
                version = rest.split("-")[0]
            else:
                continue
            if name and version:
                found[normalise_dist_name(name)] = version
    return found


def normalise_dist_name(name: str) -> str:
    """PEP 503 name normalisation (``Foo_Bar.baz`` -> ``foo-bar-baz``)."""
    return _DIST_NAME_SEPARATORS.sub("-", name).lower()


class PipCheck(NamedTuple):
    """The ``pip:`` requirements not installed as pinned, and how many devkit cannot check."""

    problems: tuple[str, ...]
    unchecked: int  # options, paths and URLs: pip knows what they install, devkit does not


def check_pip(spec: EnvSpec, prefix: Path) -> PipCheck:
    """Each named ``pip:`` requirement against the env's site-packages (``==`` pins exactly)."""
    installed = pip_installed(prefix) if spec.pip else {}
    problems: list[str] = []
    unchecked = 0
    for req in spec.pip:
        match = _PIP_PIN.match(req.text)
        if req.text.startswith(("-", ".", "/", "git+", "http")) or not match:
            unchecked += 1
            continue
        name, pinned = normalise_dist_name(match.group(1)), match.group(2)
        have = installed.get(name)
        if have is None:
            problems.append(f"{req.text} not installed")
        elif pinned and have != pinned:
            problems.append(f"{req.text} (installed {have})")
    return PipCheck(tuple(problems), unchecked)
