"""Turning a report into text for people or a versioned JSON document for machines."""

from __future__ import annotations

import json
from typing import Any

from devkit import __version__
from devkit.doctor.base import Result, Status
from devkit.doctor.registry import BY_ID
from devkit.doctor.runner import Report

SCHEMA_VERSION = 1
_MARK = {Status.OK: "✓", Status.WARN: "!", Status.FAIL: "✗", Status.SKIP: "-"}
_STYLE = {Status.OK: "green", Status.WARN: "yellow", Status.FAIL: "red", Status.SKIP: "dim"}


def to_json(report: Report, *, root: str | None, strict: bool) -> str:
    """The documented JSON document (see docs/doctor.md)."""
    document: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "devkit_version": __version__,
        "root": root,
        "exit_code": report.exit_code(strict=strict),
        "summary": {status.value: report.count(status) for status in Status},
        "results": [
            {
                "id": r.check_id,
                "section": BY_ID[r.check_id].section if r.check_id in BY_ID else None,
                "status": r.status.value,
                "message": r.message,
                "hint": r.hint,
                "project": r.project,
                "fixable": r.fixable,
            }
            for r in report.results
        ],
    }
    return json.dumps(document, indent=2)


def _section(result: Result) -> str:
    if result.project is not None:
        return f"Project {result.project}"
    check = BY_ID.get(result.check_id)
    return check.section if check else "Other"


def to_text(report: Report, *, verbose_ok: bool = True) -> list[str]:
    """Rich markup lines: results grouped by section, each problem with its fix."""
    from rich.markup import escape

    lines: list[str] = []
    current = None
    for result in report.results:
        section = _section(result)
        if section != current:
            if current is not None:
                lines.append("")
            lines.append(f"[bold]{escape(section)}[/]")
            current = section
        if result.status is Status.OK and not verbose_ok:
            continue
        style = _STYLE[result.status]
        lines.append(
            f"  [{style}]{_MARK[result.status]}[/] {escape(result.check_id)}: "
            f"{escape(result.message)}"
        )
        if result.hint and result.status in (Status.WARN, Status.FAIL):
            lines.append(f"      [cyan]fix:[/] {escape(result.hint)}")
    summary = ", ".join(
        f"{report.count(s)} {name}"
        for s, name in (
            (Status.OK, "ok"),
            (Status.WARN, "warnings"),
            (Status.FAIL, "failed"),
            (Status.SKIP, "skipped"),
        )
    )
    lines.extend(["", f"[bold]Summary:[/] {summary}"])
    return lines
