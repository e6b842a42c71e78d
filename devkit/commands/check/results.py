"""What ``devkit check`` records of each step, and what it knows of an env's packages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from devkit.conda import envs
from devkit.repo.github.plan import PlannedStep, StepKind

OK, FAILED, SKIPPED, PLANNED = "ok", "failed", "skipped", "planned"


@dataclass(frozen=True)
class StepResult:
    """One row of the closing table: a step (or a whole job, ``index`` 0) and its outcome."""

    project: str
    workflow: str  # relative to the monorepo root
    job: str  # the job's id
    job_name: str
    index: int
    step: str
    kind: str
    status: str
    detail: str = ""
    seconds: float | None = None
    exit_code: int | None = None
    allowed: bool = False  # failed, but `continue-on-error: true`


@dataclass(frozen=True)
class EnvReady:
    """The project's env as its steps will find it."""

    name: str
    prefix: Path
    usable: bool
    status: str  # how the env step reports: ok or failed
    detail: str
    seconds: float | None = None  # the build's, when devkit built it for this run


def describe(step: PlannedStep, env_name: str) -> str:
    """What devkit does for a step, in a few words (``--list`` and the JSON's ``plan``)."""
    if step.kind is StepKind.RUN:
        lines = step.script.strip().splitlines()
        command = lines[0] + (" …" if len(lines) > 1 else "") if lines else ""
        return f"{step.shell[0]}: {command} (in {step.working_directory or '.'}, env {env_name})"
    if step.kind is StepKind.ENV:
        return f"env {env_name}, as devkit setup built it ({step.detail})"
    return step.detail


def installed_version(prefix: Path, name: str) -> str | None:
    """The version of a package in an env, from its conda record or, for pip, its dist-info."""
    for record in (prefix / "conda-meta").glob(f"{name}-*.json"):
        found, version, _build = record.stem.rsplit("-", 2)
        if found == name:
            return version
    return envs.pip_installed(prefix).get(envs.normalise_dist_name(name))


_CLAUSE = re.compile(r"^\s*(==|!=|>=|<=|~=|>|<)?\s*([\w.*+!-]+)\s*$")
_RELEASE = re.compile(r"\d+(?:\.\d+)*")


def _release(text: str) -> tuple[tuple[int, ...], str]:
    """``22.3`` -> ``((22, 3, 0, 0), "")``; ``21.5b1`` -> ``((21, 5, 0, 0), "b1")``."""
    match = _RELEASE.match(text.strip())
    if match is None:
        return (), text
    parts = tuple(int(p) for p in match.group(0).split("."))
    return parts + (0,) * (4 - len(parts)), text.strip()[match.end() :]


def version_fits(have: str, wanted: str) -> bool:
    """Whether ``have`` meets the action's ``version:`` (a version, or PEP 440 clauses)."""
    for clause in wanted.split(","):
        match = _CLAUSE.match(clause)
        if match is None:
            return False
        op, version = match.group(1) or "==", match.group(2)
        if version.endswith(".*"):
            prefix = version[:-2].split(".")
            if (have.split(".")[: len(prefix)] == prefix) != (op == "=="):
                return False
            continue
        (a, a_tag), (b, b_tag) = _release(have), _release(version)
        if not a or not b:
            return False
        if op == "~=":
            keep = len(version.split(".")) - 1
            ok = a >= b and a[:keep] == b[:keep]
        elif op in ("==", "!="):
            ok = (a == b and a_tag == b_tag) == (op == "==")
        else:
            ok = {">=": a >= b, "<=": a <= b, ">": a > b}.get(op, a < b)
        if not ok:
            return False
    return True
