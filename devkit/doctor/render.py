"""Turning a report into text for people or a versioned JSON document for machines."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterable, Sequence
from typing import Any

from rich.markup import escape as _escape

from devkit import __version__
from devkit.doctor.base import Result, Status
from devkit.doctor.registry import BY_ID
from devkit.doctor.runner import Report
from devkit.redaction import redact

SCHEMA_VERSION = 1
_MARK = {Status.OK: "✓", Status.WARN: "!", Status.FAIL: "✗", Status.SKIP: "-"}
_STYLE = {Status.OK: "green", Status.WARN: "yellow", Status.FAIL: "red", Status.SKIP: "dim"}
_PROBLEMS = (Status.WARN, Status.FAIL)
# What stops a developer from running a project at all: the text report shows these first in a
# project, before other failures, then warnings (hygiene: old Python, actions, images).
ONBOARDING = frozenset(
    {
        "env.spec",
        "env.exists",
        "env.broken",
        "env.stale",
        "env.pins",
        "env.pip",
        "env.name_clash",
        "vars.dotenv",
        "vars.missing",
        "service.main",
        "service.port",
    }
)
# Lines are wrapped at the terminal's width, and never wider than this.
MAX_WIDTH = 100
# Up to this many projects with nothing to report get a line each; more share one line.
HEALTHY_LINES = 10
# Projects named on one line of the closing summary before "and N more".
NAMED = 6


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


def to_text(report: Report, *, show_all: bool = False, width: int = MAX_WIDTH) -> list[str]:
    """Rich markup lines. By default what needs attention: a line for each section or project
    where all is well, every warning and failure with its fix (a project's blockers first),
    then a summary naming what failed where. ``show_all``: every result, in report order."""
    width = min(width, MAX_WIDTH)
    sections = _sections(report.results)
    blocks = _everything(sections, width) if show_all else _attention(sections, width)
    lines: list[str] = []
    for block in [*blocks, _summary(report, sections, width)]:
        if lines:
            lines.append("")
        lines.extend(block)
    return lines


def _sections(results: Iterable[Result]) -> dict[str, list[Result]]:
    """Results by section (``Machine``… or ``Project <name>``), in report order."""
    found: dict[str, list[Result]] = {}
    for result in results:
        found.setdefault(_section(result), []).append(result)
    return found


def _section(result: Result) -> str:
    if result.project is not None:
        return f"Project {result.project}"
    check = BY_ID.get(result.check_id)
    return check.section if check else "Other"


def _everything(sections: dict[str, list[Result]], width: int) -> list[list[str]]:
    return [
        [_bold(name), *(line for r in results for line in _result_lines(r, width))]
        for name, results in sections.items()
    ]


def _attention(sections: dict[str, list[Result]], width: int) -> list[list[str]]:
    blocks: list[list[str]] = []
    well: list[str] = []  # consecutive one-line sections, printed as one block
    healthy: list[tuple[str, list[Result]]] = []  # projects with nothing to report
    for name, results in sections.items():
        problems = [r for r in results if r.status in _PROBLEMS]
        if not problems and results[0].project is not None:
            healthy.append((name, results))
            continue
        if not problems:
            well.append(f"[green]✓[/] [bold]{_escape(name)}[/]: {_counts(results)}")
            continue
        if well:
            blocks.append(well)
            well = []
        block = [_bold(name)]
        for result in sorted(problems, key=_urgency):
            block.extend(_result_lines(result, width))
        rest = [r for r in results if r.status not in _PROBLEMS]
        if rest:
            block.append(f"  [dim]and {_counts(rest)}[/]")
        blocks.append(block)
    if len(healthy) <= HEALTHY_LINES:
        well += [f"[green]✓[/] [bold]{_escape(n)}[/]: {_counts(rs)}" for n, rs in healthy]
    else:
        names = [rs[0].project or "" for _, rs in healthy]
        well.append(
            f"[green]✓[/] [bold]{len(healthy)} projects[/] with nothing to report: "
            f"{_escape(_some(names))} (`--all` lists every check)"
        )
    if well:
        blocks.append(well)
    return blocks


def _urgency(result: Result) -> int:
    # sorted() is stable: within each rank, report (registry) order.
    if result.check_id in ONBOARDING:
        return 0
    return 1 if result.status is Status.FAIL else 2


def _result_lines(result: Result, width: int) -> list[str]:
    """The result's line (wrapped), its items one a line, and its fix."""
    style = _STYLE[result.status]
    head = f"  {_MARK[result.status]} {result.check_id}:"
    markup = f"  [{style}]{_MARK[result.status]}[/] {_escape(result.check_id)}:"
    if result.items:
        lines = [markup]
        for item in result.items:
            lines += _wrapped("      - ", "      - ", item, 8, width)
    else:
        lines = _wrapped(markup + " ", head + " ", result.message, 6, width)
    if result.hint and result.status in _PROBLEMS:
        lines += _wrapped("      [cyan]fix:[/] ", "      fix: ", result.hint, 11, width)
    return lines


def _wrapped(markup: str, plain: str, text: str, indent: int, width: int) -> list[str]:
    """``text`` after a prefix (as markup and as printed), wrapped at spaces to ``width``."""
    # Secrets are masked again as the report is written, but a secret with a space in it may be
    # wrapped across two lines by then: mask it first.
    text = redact(text)
    if len(plain) + len(text) <= width and "\n" not in text:
        return [markup + _escape(text)]
    lines = textwrap.wrap(
        text,
        width=width,
        initial_indent=plain,
        subsequent_indent=" " * indent,
        break_long_words=False,  # a path or URL stays whole, even when wider than the line
        break_on_hyphens=False,
    )
    if not lines:
        return [markup]
    return [markup + _escape(lines[0][len(plain) :]), *(_escape(line) for line in lines[1:])]


def _summary(report: Report, sections: dict[str, list[Result]], width: int) -> list[str]:
    counts = ", ".join(
        f"{report.count(s)} {name}"
        for s, name in (
            (Status.OK, "ok"),
            (Status.WARN, "warnings"),
            (Status.FAIL, "failed"),
            (Status.SKIP, "skipped"),
        )
    )
    lines = [f"[bold]Summary:[/] {counts}"]
    for status, title in ((Status.FAIL, "Failed"), (Status.WARN, "Warnings")):
        # Where each check id failed (or warned); places with the same ids share a line.
        by_ids: dict[tuple[str, ...], list[str]] = {}
        for name, results in sections.items():
            ids = tuple(dict.fromkeys(r.check_id for r in results if r.status is status))
            if ids:
                by_ids.setdefault(ids, []).append(name.removeprefix("Project "))
        if by_ids:
            lines.append(f"[bold]{title}:[/]")
            for ids, places in by_ids.items():
                where = _some(places) + (f" ({len(places)} projects)" if len(places) > 1 else "")
                line = f"{where}: {', '.join(ids)}"
                lines += _wrapped("  ", "  ", line, 4, width)
    return lines


def _counts(results: Sequence[Result]) -> str:
    """``36 ok, 6 skipped``."""
    ok = sum(1 for r in results if r.status is Status.OK)
    skipped = len(results) - ok - sum(1 for r in results if r.status in _PROBLEMS)
    return f"{ok} ok" + (f", {skipped} skipped" if skipped else "")


def _some(names: Sequence[str]) -> str:
    """``a, b, c`` or ``a, b, … and 994 more``."""
    if len(names) <= NAMED:
        return ", ".join(names)
    return ", ".join(names[:NAMED]) + f", … and {len(names) - NAMED} more"


def _bold(text: str) -> str:
    return f"[bold]{_escape(text)}[/]"
