"""``devkit ls``'s rows: each project's env summarised from doctor's env checks, and whether the
env, CI and the image follow its lock, as text or JSON."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from devkit import console
from devkit.doctor.base import Result, Status
from devkit.doctor.checks import lockuse
from devkit.doctor.context import Context
from devkit.doctor.runner import Report
from devkit.errors import FileFormatError
from devkit.repo.monorepo import Project

# The checks whose results make up a row.
CHECK_IDS = ("env.spec", "env.exists", "env.broken", "env.stale")
# Not a gap: a place that does not exist yet (no env built, no workflow step, no Dockerfile).
_NEUTRAL = (lockuse.LOCK, lockuse.NOT_BUILT, "none")


@dataclass(frozen=True)
class ProjectRow:
    """One line of ``devkit ls``."""

    name: str
    env_name: str | None
    env: str
    python: str | None
    lock: bool
    # With a lock: what the env, CI and the image install ("lock" when they follow it).
    follows_lock: dict[str, str] | None = None

    @property
    def lock_text(self) -> str:
        """The lock column: ``-``, ``followed``, or what does not follow it."""
        if not self.lock:
            return "-"
        follows = self.follows_lock or {}
        gaps = [place for place, how in follows.items() if how not in _NEUTRAL]
        return "followed" if not gaps else "not by " + ", ".join(gaps)


def rows(ctx: Context, report: Report) -> list[ProjectRow]:
    """A line for each project checked, from the ls checks' results (grouped in one pass)."""
    by_project: dict[str, dict[str, Result]] = {}
    for result in report.results:
        if result.project is not None:
            by_project.setdefault(result.project, {})[result.check_id] = result
    return [_row(ctx, project, by_project.get(project.name, {})) for project in ctx.projects]


def _row(ctx: Context, project: Project, results: dict[str, Result]) -> ProjectRow:
    spec = ctx.spec(project)
    location = ctx.location(project)
    python = None
    follows = None
    if not isinstance(spec, FileFormatError):
        dep = spec.dependency("python")
        python = dep.version if dep and dep.version else ("any" if dep else None)
        found = lockuse.following(ctx, project, spec)
        if found is not None:
            follows = {"env": found.env, "ci": found.ci, "image": found.image}
    return ProjectRow(
        name=project.name,
        env_name=location.name if location else None,
        env=_env_state(results),
        python=python,
        lock=(project.path / "conda-lock.yml").is_file(),
        follows_lock=follows,
    )


def _env_state(results: dict[str, Result]) -> str:
    def failed(check_id: str) -> bool:
        result = results.get(check_id)
        return result is not None and result.status in (Status.FAIL, Status.WARN)

    if failed("env.spec") and results["env.spec"].status is Status.FAIL:
        return "invalid file"
    if failed("env.exists"):
        return "missing"
    if failed("env.broken"):
        return "broken"
    stale = results.get("env.stale")
    if stale is not None and stale.status is Status.FAIL:
        return "stale"
    if stale is not None and stale.status is Status.WARN:
        return "unverified"
    return "ok"


def to_json(rows: list[ProjectRow]) -> str:
    """The versioned document of ``devkit ls --json`` (docs/doctor.md)."""
    return json.dumps({"schema_version": 1, "projects": [asdict(r) for r in rows]}, indent=2)


def show(rows: list[ProjectRow]) -> None:
    """The table people read."""
    from rich.table import Table  # rich's table machinery only when a table is printed

    table = Table("project", "env", "state", "python", "lock", box=None, pad_edge=False)
    for r in rows:
        console.add_row(table, r.name, r.env_name or "-", r.env, r.python or "-", r.lock_text)
    console.out().print(table)
