"""``devkit drift``: what differs between a project's Linux and Mac envs, before CI finds out."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from devkit import atomic, console, paths, userconfig
from devkit.conda import envs, envspec, lockfile, lockinstall, micromamba
from devkit.drift import cache, document, snapshot
from devkit.drift.analysis import analyse
from devkit.drift.project import (
    Options,
    Report,
    lock_report,
    network_access,
    root_prefix,
    solve_project,
)
from devkit.errors import PreflightError, UsageError
from devkit.repo import monorepo

if TYPE_CHECKING:
    from rich.console import RenderableType
    from rich.table import Table


@dataclass(frozen=True)
class DriftRequest:
    """What ``devkit drift`` was asked to do."""

    root: Path | None = None
    projects: tuple[str, ...] = ()
    all_projects: bool = False
    platforms: tuple[str, ...] = ()
    channel_priority: str | None = None
    as_json: bool = False
    lock: Path | None = None
    export: Path | None = None
    compare: tuple[Path, Path] | None = None


def drift(request: DriftRequest) -> int:
    """Run the mode asked for; 0 without drift, 1 with drift or an unsolvable spec."""
    modes = [m for m in (request.lock, request.export, request.compare) if m is not None]
    if len(modes) > 1:
        raise UsageError("--lock, --export and --compare are separate modes: pick one")
    if request.all_projects and request.projects:
        raise UsageError("name projects or pass --all, not both")
    if request.compare is not None and (request.projects or request.all_projects):
        raise UsageError(
            "--compare reads two export files: it takes no project",
            hint="the exports name their project",
        )
    if request.lock is not None and (request.all_projects or len(request.projects) > 1):
        raise UsageError("--lock reads one lockfile: name at most one project (its label)")
    if (request.lock or request.compare) and (request.platforms or request.channel_priority):
        raise UsageError(
            "--platforms and --channel-priority shape a solve; --lock and --compare read files",
            hint="drop them, or solve: `devkit drift <project> --platforms …`",
        )
    if request.compare is not None:
        return _show([_compare(*request.compare)], "compare", request.as_json)
    if request.lock is not None:
        return _show([_lock(request)], "lock", request.as_json)
    repo = _monorepo(request.root)
    if not request.projects and not request.all_projects:
        raise UsageError("name a project, or pass --all", hint="`devkit ls` lists them")
    selected = repo.projects() if request.all_projects else repo.select(list(request.projects))
    if request.export is not None:
        if len(selected) != 1:
            raise UsageError("--export writes one project's env: name exactly one project")
        return _export(repo, selected[0], request.export)
    options = Options(platforms=request.platforms, channel_priority=request.channel_priority)
    reports = []
    net = network_access(root_prefix())  # shared: a host that failed is not asked again
    if not net.settings.verify:
        console.warn(f"TLS certificates are not verified ({net.settings.origins.get('verify')})")
    for project in selected:
        if not request.as_json and len(selected) > 1:
            console.info(f"solving {project.name}…")
        spec = envspec.parse(project.env_file)
        report, solve_request, _ = solve_project(repo, project, spec, options, net)
        if not request.platforms and not request.channel_priority:
            # Warm doctor's cache: its drift check then needs no solve of its own.
            key, remote = cache.key(spec, solve_request, paths.cache_dir())
            cache.store(paths.cache_dir(), spec, key, remote, document.report_dict(report))
        reports.append(report)
    return _show(reports, "solve", request.as_json)


def _monorepo(root: Path | None) -> monorepo.Monorepo:
    user = userconfig.load_user_config()
    repo = monorepo.load(monorepo.find_root(root, Path.cwd(), user.clone))
    console.warn_each(repo.warnings)
    return repo


def _lock(request: DriftRequest) -> Report:
    assert request.lock is not None
    lock = lockfile.read(request.lock)
    spec = None
    if lock.source is not None and lock.source.is_file():
        spec = envspec.parse(lock.source)
    project = request.projects[0] if request.projects else lock.path.parent.name
    return lock_report(lock, spec, project, None)


def _compare(first: Path, second: Path) -> Report:
    a, b = snapshot.load(first), snapshot.load(second)
    notes: tuple[str, ...] = ()
    if a.project and b.project and a.project != b.project:
        notes = (f"these are exports of two projects, {a.project} and {b.project}",)
    return Report(
        notes=notes,
        mode="compare",
        project=a.project or b.project,
        source=f"{first} vs {second}",
        drift=analyse(snapshot.observe(a, b)),
        counts={
            label: len(s.conda) + len(s.pip)
            for label, s in zip(snapshot.labels(a, b), (a, b), strict=True)
        },
    )


def _export(repo: monorepo.Monorepo, project: monorepo.Project, target: Path) -> int:
    spec = envspec.parse(project.env_file)
    location = envs.locate(micromamba.root_prefix(userconfig.load_user_config()), project, spec)
    status = envs.status(location.prefix)
    if status.state is not envs.EnvState.PRESENT:
        raise PreflightError(
            f"env `{location.name}` is not usable: {status.reason}",
            hint=f"create it first: `devkit setup --projects {project.name}`",
        )
    data = snapshot.export(location.prefix, spec, project.name, lockinstall.host_platform())
    atomic.write_text(target, document.dumps(data) + "\n")
    console.info(
        f"wrote {len(data['conda'])} conda and {len(data['pip'])} pip packages of env "
        f"`{location.name}` ({data['platform']}) to {target}"
    )
    return 0


def _show(reports: list[Report], mode: str, as_json: bool) -> int:
    code = document.exit_code(reports)
    if as_json:
        console.print_json(document.dumps(document.document(reports, mode)))
        return code
    out = console.out()
    for index, report in enumerate(reports):
        if index:
            out.print()
        for renderable in _render(report):
            out.print(renderable)
    return code


def _table(*columns: str) -> Table:
    from rich.table import Table

    table = Table(*columns, box=None, pad_edge=False, show_edge=False)
    return table


def _add(table: Table, *cells: str) -> None:
    # Specs carry brackets (`numpy[channel=…]`, `fastapi[version='>=1']`): text, not markup.
    from rich.markup import escape

    console.add_row(table, *(escape(cell) for cell in cells))


def _render(report: Report) -> list[RenderableType]:
    """Rich renderables for one report: a heading, then one small table per category."""
    from rich.markup import escape

    drift = report.drift
    labels = list(drift.labels)
    name = report.project or "comparison"
    lines: list[RenderableType] = [f"[bold]{escape(name)}[/]  {escape(report.source)}"]
    context = ", ".join(labels)
    if report.channels:
        context += "; channels " + ", ".join(c.name for c in report.channels)
    if report.priority:
        context += f"; channel priority {report.priority}"
    lines.append(f"  [dim]{escape(context)}[/]")
    if drift.unsolvable:
        lines.append("[bold red]Cannot be solved[/]")
        table = _table("platform", "culprit")
        for u in drift.unsolvable:
            _add(table, u.platform, f"{u.spec}: {u.reason}")
        lines.append(table)
    if drift.version_drift:
        direct = drift.direct_version_drift
        if direct:
            lines.append("[bold yellow]Versions differ across platforms[/]")
            # Only a solve searches for an aligning pin; exports and locks are what they are.
            searched = report.mode == "solve"
            pin_column = ("pin that aligns them",) if searched else ()
            table = _table("package", *labels, *pin_column)
            for v in direct:
                cells = [v.versions.get(label, "-") for label in labels]
                pin = "pinned per OS in the file" if v.intended else v.pin or "none found"
                _add(table, v.name, *cells, *((pin,) if searched else ()))
            lines.append(table)
        transitive = len(drift.version_drift) - len(direct)
        if transitive:
            lines.append(f"  [dim]{transitive} dependencies of those differ too (see --json)[/]")
    surprising = drift.surprising_platform_only
    if surprising:
        lines.append("[bold yellow]On some platforms only[/]")
        table = _table("package", "present on", "missing on")
        for p in surprising:
            _add(table, p.name, ", ".join(p.present), ", ".join(p.missing))
        lines.append(table)
    expected = [p.name for p in drift.platform_only if p.expected]
    if expected:
        lines.append(f"  [dim]expected on one OS only: {escape(', '.join(expected))}[/]")
    if drift.channel_drift:
        lines.append("[bold yellow]From different channels[/]")
        table = _table("package", *labels)
        for c in drift.channel_drift:
            _add(table, c.name, *(c.channels.get(label, "-") for label in labels))
        lines.append(table)
    if drift.loose_specs:
        lines.append("[bold]Specs without a version (they drift over time)[/]")
        table = _table("spec", "line", *labels)
        for s in drift.loose_specs:
            cells = [s.resolved.get(label, "-") for label in labels]
            _add(table, s.spec, str(s.line) if s.line else "-", *cells)
        lines.append(table)
    lines.extend(f"  [dim]note: {escape(n)}[/]" for n in report.notes)
    verdict = "[red]✗ drift[/]" if drift.has_drift else "[green]✓ no drift[/]"
    lines.append(f"{verdict} ({', '.join(f'{k}: {n} packages' for k, n in report.counts.items())})")
    return lines
