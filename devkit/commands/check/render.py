"""``devkit check``'s closing table, its plan listing and its versioned JSON document."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from devkit import __version__
from devkit.commands.check.results import FAILED, OK, PLANNED, SKIPPED, StepResult

if TYPE_CHECKING:
    from rich.table import Table

SCHEMA = "devkit-check"
SCHEMA_VERSION = 1
_STYLE = {OK: "green", FAILED: "red", SKIPPED: "dim", PLANNED: "cyan"}


def exit_code(results: Sequence[StepResult]) -> int:
    """1 when a step failed (``continue-on-error`` aside), else 0."""
    return 1 if any(r.status == FAILED and not r.allowed for r in results) else 0


def counts(results: Sequence[StepResult]) -> dict[str, int]:
    """How many steps ended each way."""
    return {s: sum(1 for r in results if r.status == s) for s in (OK, FAILED, SKIPPED, PLANNED)}


def summary(results: Sequence[StepResult], seconds: float) -> str:
    """``3 ok, 1 failed, 5 skipped in 12.3 s``."""
    found = counts(results)
    parts = [f"{n} {status}" for status, n in found.items() if n or status in (OK, FAILED)]
    return ", ".join(parts) + f" in {seconds:.1f} s"


def listing(rows: Sequence[StepResult]) -> list[str]:
    """``--list``: per project and workflow, each job and what each step does here (``▶`` runs,
    ``·`` does not). Plain lines: no table to lay out, so listing stays as quick as ``--help``."""
    lines: list[str] = []
    where: tuple[str, str] | None = None
    job: tuple[str, str] | None = None
    for row in rows:
        if (row.project, row.workflow) != where:
            where = (row.project, row.workflow)
            if lines:
                lines.append("")
            lines.append(f"{row.project}  ({row.workflow})")
        if (row.workflow, row.job) != job:
            job = (row.workflow, row.job)
            lines.append(f"  {row.job_name}")
        mark = "▶" if row.status == PLANNED else "·"
        name = "skipped" if row.kind == "job" else row.step
        lines.append(f"    {mark} {name}: {row.detail}")
    return lines


def table(results: Sequence[StepResult]) -> Table:
    """job → step → result → time, with the reason for anything not ok (and the env's state);
    a project column when there are several."""
    from rich.markup import escape
    from rich.table import Table

    from devkit import console

    several = len({r.project for r in results}) > 1
    columns = ["project"] if several else []
    columns += ["job", "step", "result", "time", "note"]
    grid = Table(*columns, box=None, pad_edge=False)
    grid.columns[-1].overflow = "fold"
    previous: tuple[str, str] | None = None
    for row in results:
        job = row.job_name if (row.project, row.job_name) != previous else ""
        previous = (row.project, row.job_name)
        project = [row.project if job else ""] if several else []
        status = f"[{_STYLE[row.status]}]{row.status}[/]" if row.status in _STYLE else row.status
        if row.allowed:
            status += " (allowed)"
        seconds = f"{row.seconds:.1f} s" if row.seconds is not None else ""
        note = row.detail if (row.status != OK or row.kind == "env") else ""
        if row.kind == "nothing":
            note = "nothing to do here"  # the streamed line and the JSON say why
        cells = [escape(c) for c in (*project, job, row.step)]
        console.add_row(grid, *cells, status, seconds, escape(note))
    return grid


def document(
    results: Sequence[StepResult],
    *,
    root: str,
    os_leg: str,
    listed: bool,
    changes: dict[str, Any] | None,
    code: int,
) -> str:
    """The JSON document (schema in docs/check.md)."""
    data: dict[str, Any] = {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "devkit_version": __version__,
        "root": root,
        "os": os_leg,
        "listed": listed,
        "changed": changes,
        "exit_code": code,
        "projects": list(dict.fromkeys(r.project for r in results)),
        "summary": counts(results),
        "steps": [
            {
                "project": r.project,
                "workflow": r.workflow,
                "job": r.job,
                "job_name": r.job_name,
                "index": r.index,
                "step": r.step,
                "kind": r.kind,
                "status": r.status,
                "allowed_failure": r.allowed,
                "seconds": round(r.seconds, 3) if r.seconds is not None else None,
                "exit_code": r.exit_code,
                "detail": r.detail,
            }
            for r in results
        ],
    }
    return json.dumps(data, indent=2)
