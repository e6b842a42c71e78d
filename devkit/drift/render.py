"""The text report of ``devkit drift``: rich renderables for one report, or one failure.

Every difference the analysis found is shown (the JSON document holds the same facts, and
more): the versions of direct specs and of their dependencies, each platform's, with the pin
that aligns them or what needs them; a package missing only because a spec could not be solved
there is named as that spec's consequence, not as a finding of its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from devkit import console
from devkit.drift.analysis import Drift, PlatformOnly, VersionDrift
from devkit.drift.project import Failure, Report

if TYPE_CHECKING:
    from rich.console import RenderableType
    from rich.table import Table


def lines(item: Report | Failure) -> list[RenderableType]:
    """What to print for one project (or comparison)."""
    return _failure(item) if isinstance(item, Failure) else _report(item)


def _table(*columns: str) -> Table:
    from rich.table import Table

    return Table(*columns, box=None, pad_edge=False, show_edge=False)


def _add(table: Table, *cells: str) -> None:
    # Specs carry brackets (`numpy[channel=…]`, `fastapi[version='>=1']`): text, not markup.
    from rich.markup import escape

    console.add_row(table, *(escape(cell) for cell in cells))


def _failure(failure: Failure) -> list[RenderableType]:
    from rich.markup import escape

    return [
        f"[bold]{escape(failure.project or 'comparison')}[/]  {escape(failure.source)}",
        f"[red]✗ not checked:[/] {escape(failure.message)}",
    ]


def _report(report: Report) -> list[RenderableType]:
    """A heading, then one small table per category."""
    from rich.markup import escape

    drift = report.drift
    labels = list(drift.labels)
    name = report.project or "comparison"
    out: list[RenderableType] = [f"[bold]{escape(name)}[/]  {escape(report.source)}"]
    context = ", ".join(labels)
    if report.channels:
        context += "; channels " + ", ".join(c.name for c in report.channels)
    if report.priority:
        context += f"; channel priority {report.priority}"
    out.append(f"  [dim]{escape(context)}[/]")
    if drift.unsolvable:
        out.append("[bold red]Cannot be solved[/]")
        table = _table("platform", "culprit")
        for u in drift.unsolvable:
            _add(table, u.platform, f"{u.spec}: {u.reason}")
        out.append(table)
    if drift.version_drift:
        out.append("[bold yellow]Versions differ across platforms[/]")
        table = _table("package", *labels, "pin / needed by")
        for v in drift.version_drift:
            cells = [v.versions.get(label, "-") for label in labels]
            _add(table, v.name, *cells, _why(v, searched=report.mode == "solve"))
        out.append(table)
    surprising = drift.surprising_platform_only
    if surprising:
        out.append("[bold yellow]On some platforms only[/]")
        table = _table("package", "present on", "missing on")
        for p in surprising:
            _add(table, p.name, ", ".join(p.present), _missing(p))
        out.append(table)
    consequences = [p for p in drift.platform_only if p.consequence and not p.expected]
    if consequences:
        listed = "; ".join(_consequence(p) for p in consequences)
        out.append(
            f"  [dim]missing only because a spec cannot be solved there: {escape(listed)}[/]"
        )
    expected = [p.name for p in drift.platform_only if p.expected]
    if expected:
        out.append(f"  [dim]expected on one OS only: {escape(', '.join(expected))}[/]")
    out.extend(_channels_and_loose(drift, labels))
    out.extend(f"  [dim]note: {escape(n)}[/]" for n in report.notes)
    verdict = "[red]✗ drift[/]" if drift.has_drift else "[green]✓ no drift[/]"
    counts = ", ".join(f"{k}: {n} packages" for k, n in report.counts.items())
    out.append(f"{verdict} ({counts})")
    return out


def _why(v: VersionDrift, *, searched: bool) -> str:
    """The last cell of a version row: the aligning pin of a direct spec, or what needs it."""
    if not v.direct:
        # No pin is searched for a dependency: aligning what needs it aligns it.
        return f"needed by {', '.join(v.required_by)}" if v.required_by else "a dependency"
    if v.intended:
        return "pinned per OS in the file"
    # Only a solve searches for an aligning pin; exports and locks are what they are.
    return (v.pin or "none found") if searched else ""


def _missing(p: PlatformOnly) -> str:
    return ", ".join(
        f"{label} (with {', '.join(p.because_of[label])})" if label in p.because_of else label
        for label in p.missing
    )


def _consequence(p: PlatformOnly) -> str:
    groups: dict[tuple[str, ...], list[str]] = {}
    for label in p.missing:
        groups.setdefault(p.because_of[label], []).append(label)
    return f"{p.name} on " + ", ".join(
        f"{', '.join(where)} ({', '.join(specs)})" for specs, where in groups.items()
    )


def _channels_and_loose(drift: Drift, labels: list[str]) -> list[RenderableType]:
    out: list[RenderableType] = []
    if drift.channel_drift:
        out.append("[bold yellow]From different channels[/]")
        table = _table("package", *labels)
        for c in drift.channel_drift:
            _add(table, c.name, *(c.channels.get(label, "-") for label in labels))
        out.append(table)
    if drift.loose_specs:
        out.append("[bold]Specs without a version (they drift over time)[/]")
        table = _table("spec", "line", *labels)
        for s in drift.loose_specs:
            cells = [s.resolved.get(label, "-") for label in labels]
            _add(table, s.spec, str(s.line) if s.line else "-", *cells)
        out.append(table)
    return out
