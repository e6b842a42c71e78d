"""Turning a report into text for people or a versioned JSON document for machines."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from typing import Any

from rich.text import Text

from devkit import __version__, redaction
from devkit.doctor.base import Result, Status
from devkit.doctor.linewrap import wrap
from devkit.doctor.registry import BY_ID
from devkit.doctor.runner import Report
from devkit.doctor.textline import Line, Prefix
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
    """The documented JSON document (see docs/doctor.md), as ``json.dumps(document,
    indent=2)`` writes it."""
    head: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "devkit_version": __version__,
        "root": root,
        "exit_code": report.exit_code(strict=strict),
        "summary": {status.value: report.count(status) for status in Status},
    }
    results = [
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
    ]
    # json indents only in Python, which took 0.3 s for 36,000 results. The results are flat,
    # so the C encoder writes them in one call, each result's keys on lines of their own when
    # the item separator carries the newline and indent; then only the braces between results
    # move to the lines indent=2 gives them. "},<separator>{" is found nowhere else: inside a
    # result a separator follows a number, a literal or a string's closing quote.
    # tests/doctor/test_render_golden.py compares the document with json.dumps(indent=2).
    if not results:
        return json.dumps({**head, "results": []}, indent=2)
    listed = _RESULT.encode(results)[2:-2].replace("},\n      {", "\n    },\n    {\n      ")
    body = f"[\n    {{\n      {listed}\n    }}\n  ]"
    return json.dumps(head, indent=2).removesuffix("\n}") + f',\n  "results": {body}\n}}'


_RESULT = json.JSONEncoder(separators=(",\n      ", ": "))


def to_text(report: Report, *, show_all: bool = False, width: int = MAX_WIDTH) -> list[Text]:
    """The report's lines as rich ``Text`` (see ``to_lines``)."""
    return [line.text() for line in to_lines(report, show_all=show_all, width=width)]


def to_lines(
    report: Report,
    *,
    show_all: bool = False,
    width: int = MAX_WIDTH,
    share: Share | None = None,
) -> list[Line]:
    """The report's lines, styled, every piece masked (``redact``) as it is laid out, so the
    whole need not be masked again (3 MB at a thousand projects). By default what needs
    attention: a line for each section or project where all is well, every warning and
    failure with its fix (a project's blockers first), then a summary naming what failed
    where. ``show_all``: every result, in report order. Styles are spans, not markup: nothing
    to escape or parse per line.

    ``share``: how the sections' blocks are laid out in parts (``fork.halves``: half of them
    by a forked copy), for a report printed without styles. Each such block comes back as
    its visible text, one ``Line`` holding its lines, without styles.
    """
    layout = _Layout(min(width, MAX_WIDTH))
    sections = _sections(report.results)
    if share is not None:
        redaction.prepare()  # once, here, not in each process
    blocks = (
        _everything(sections, layout, share) if show_all else _attention(sections, layout, share)
    )
    lines: list[Line] = []
    for block in [*blocks, _summary(report, sections, layout)]:
        if lines:
            lines.append(_BLANK)
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


Section = tuple[str, list[Result]]
# Lays out blocks in parts (``fork.halves``): a function from some sections to their blocks'
# texts, and all the sections, to all the texts in order.
Share = Callable[[Callable[[Sequence[Section]], list[str]], Sequence[Section]], list[str]]


def _everything(
    sections: dict[str, list[Result]], layout: _Layout, share: Share | None
) -> list[list[Line]]:
    def block(name: str, results: list[Result]) -> list[Line]:
        lines = (line for r in results for line in _result_lines(r, layout))
        return [Line(redact(name), "bold"), *lines]

    return _laid_out(list(sections.items()), block, share)


def _attention(
    sections: dict[str, list[Result]], layout: _Layout, share: Share | None
) -> list[list[Line]]:
    # The sections with something to report, laid out first (in parts, with ``share``).
    troubled = [(n, rs) for n, rs in sections.items() if any(r.status in _PROBLEMS for r in rs)]
    laid_out = iter(_laid_out(troubled, lambda n, rs: _problem_block(n, rs, layout), share))
    blocks: list[list[Line]] = []
    well: list[Line] = []  # consecutive one-line sections, printed as one block
    healthy: list[tuple[str, list[Result]]] = []  # projects with nothing to report
    for name, results in sections.items():
        problems = any(r.status in _PROBLEMS for r in results)
        if not problems and results[0].project is not None:
            healthy.append((name, results))
            continue
        if not problems:
            well.append(_all_well(name, _counts(results)))
            continue
        if well:
            blocks.append(well)
            well = []
        blocks.append(next(laid_out))
    if len(healthy) <= HEALTHY_LINES:
        well += [_all_well(n, _counts(rs)) for n, rs in healthy]
    else:
        names = [rs[0].project or "" for _, rs in healthy]
        detail = f"nothing to report: {_some(names)} (`--all` lists every check)"
        well.append(_all_well(f"{len(healthy)} projects", detail, " with "))
    if well:
        blocks.append(well)
    return blocks


def _problem_block(name: str, results: list[Result], layout: _Layout) -> list[Line]:
    """A section's warnings and failures (its blockers first), then a count of the rest."""
    block = [Line(redact(name), "bold")]
    for result in sorted((r for r in results if r.status in _PROBLEMS), key=_urgency):
        block.extend(_result_lines(result, layout))
    rest = [r for r in results if r.status not in _PROBLEMS]
    if rest:
        block.append(Line(f"  and {_counts(rest)}", "dim"))
    return block


def _laid_out(
    sections: list[Section],
    block: Callable[[str, list[Result]], list[Line]],
    share: Share | None,
) -> list[list[Line]]:
    """Each section's block; with ``share``, laid out in parts, each block as one line of its
    visible text."""

    def lay_out(part: Sequence[Section]) -> list[list[Line]]:
        return [block(name, results) for name, results in part]

    if share is None:
        return lay_out(sections)

    def texts(part: Sequence[Section]) -> list[str]:
        return ["\n".join(line.visible() for line in lines) for lines in lay_out(part)]

    return [[Line(text)] for text in share(texts, sections)]


def _all_well(name: str, detail: str, joint: str = ": ") -> Line:
    heading = (redact(name), "bold")
    return Prefix(("✓", "green"), (" ", ""), heading, (joint, "")).line(redact(detail))


def _urgency(result: Result) -> int:
    # sorted() is stable: within each rank, report (registry) order.
    if result.check_id in ONBOARDING:
        return 0
    return 1 if result.status is Status.FAIL else 2


def _result_lines(result: Result, layout: _Layout) -> list[Line]:
    """The result's line (wrapped), its items one a line, and its fix."""
    if result.items:
        lines = [_head(result.status, result.check_id, "").line("")]
        for item in result.items:
            lines += layout.lines(_ITEM, item, 8)
    else:
        lines = layout.lines(_head(result.status, result.check_id, " "), result.message, 6)
    if result.hint and result.status in _PROBLEMS:
        lines += layout.lines(_FIX, result.hint, 11)
    return lines


_BLANK = Line("")
_SUMMARY = Prefix(("Summary:", "bold"))
_ITEM = Prefix(("      - ", ""))
_FIX = Prefix(("      ", ""), ("fix:", "cyan"), (" ", ""))
_INDENT = Prefix(("  ", ""))


@cache  # a few dozen checks, each heading a thousand projects' results
def _head(status: Status, check_id: str, then: str) -> Prefix:
    return Prefix(("  ", ""), (_MARK[status], _STYLE[status]), (f" {check_id}:", ""), (then, ""))


class _Layout:
    """Wraps texts at one width, each distinct text once: a thousand projects share most fixes
    and many messages, word for word."""

    def __init__(self, width: int) -> None:
        self.width = width
        # (text, start, indent) -> the first line after its prefix, then the other lines
        self._done: dict[tuple[str, int, int], list[str]] = {}

    def lines(self, prefix: Prefix, text: str, indent: int) -> list[Line]:
        """``text`` after a styled prefix, wrapped at spaces to the width."""
        start = len(prefix.plain)
        key = (text, start, indent)
        done = self._done.get(key)
        if done is None:
            done = self._done[key] = self._wrap(text, start, indent)
        return [prefix.line(done[0]), *(Line(line) for line in done[1:])]

    def _wrap(self, text: str, start: int, indent: int) -> list[str]:
        # Secrets are masked again as the report is written, but a secret with a space in it
        # may be wrapped across two lines by then: mask it first.
        text = redact(text)
        if start + len(text) <= self.width and "\n" not in text:
            return [text]
        lines = wrap(text, self.width, start, indent)
        if not lines:
            return [""]
        return [lines[0][start:], *lines[1:]]


def _summary(report: Report, sections: dict[str, list[Result]], layout: _Layout) -> list[Line]:
    counts = ", ".join(
        f"{report.count(s)} {name}"
        for s, name in (
            (Status.OK, "ok"),
            (Status.WARN, "warnings"),
            (Status.FAIL, "failed"),
            (Status.SKIP, "skipped"),
        )
    )
    lines = [_SUMMARY.line(f" {counts}")]
    for status, title in ((Status.FAIL, "Failed"), (Status.WARN, "Warnings")):
        # Where each check id failed (or warned); places with the same ids share a line.
        by_ids: dict[tuple[str, ...], list[str]] = {}
        for name, results in sections.items():
            ids = tuple(dict.fromkeys(r.check_id for r in results if r.status is status))
            if ids:
                by_ids.setdefault(ids, []).append(name.removeprefix("Project "))
        if by_ids:
            lines.append(Line(f"{title}:", "bold"))
            for ids, places in by_ids.items():
                where = _some(places) + (f" ({len(places)} projects)" if len(places) > 1 else "")
                lines += layout.lines(_INDENT, f"{where}: {', '.join(ids)}", 4)
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
