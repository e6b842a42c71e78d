"""``devkit drift``: what differs between a project's Linux and Mac envs, before CI finds out."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from devkit import atomic, console, paths, userconfig
from devkit.conda import envs, envspec, lockfile, lockinstall, micromamba, network
from devkit.drift import cache, document, render, snapshot
from devkit.drift.analysis import analyse
from devkit.drift.project import (
    Failure,
    Options,
    Report,
    lock_report,
    network_access,
    relative,
    root_prefix,
    solve_project,
)
from devkit.errors import DevkitError, PreflightError, UsageError
from devkit.repo import monorepo


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
    """Run the mode asked for; 0 without drift, 1 with drift or an unsolvable spec.

    With ``--json`` there is always a document on stdout, even when an error stops the command
    (CI's ``--json > drift.json`` then uploads what went wrong, not an empty file).
    """
    try:
        return _drift(request)
    except DevkitError as exc:
        if request.as_json:
            mode = "compare" if request.compare else "lock" if request.lock else "solve"
            console.print_json(document.dumps(document.document([], mode, exc)))
        raise


def _drift(request: DriftRequest) -> int:
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
    reports: list[Report | Failure] = []
    net = network_access(root_prefix())  # shared: a host that failed is not asked again
    if not net.settings.verify:
        console.warn(f"TLS certificates are not verified ({net.settings.origins.get('verify')})")
    for project in selected:
        if not request.as_json and len(selected) > 1:
            console.info(f"solving {project.name}…")
        try:
            reports.append(_solve(repo, project, options, net))
        except DevkitError as exc:
            # One project's unreadable channel or broken file must not hide the others'.
            console.error(DevkitError(f"{project.name}: {exc.message}", hint=exc.hint))
            source = relative(project.env_file, repo.root)
            failure = Failure("solve", project.name, source, exc.message, exc.hint, exc.exit_code)
            reports.append(failure)
    return _show(reports, "solve", request.as_json)


def _solve(
    repo: monorepo.Monorepo, project: monorepo.Project, options: Options, net: network.Access
) -> Report:
    spec = envspec.parse(project.env_file)
    console.warn_each(str(w) for w in spec.warnings)
    report, solve_request, _ = solve_project(repo, project, spec, options, net)
    if not options.platforms and not options.channel_priority:
        # Warm doctor's cache: its drift check then needs no solve of its own.
        key, remote = cache.key(spec, solve_request, paths.cache_dir())
        cache.store(paths.cache_dir(), spec, key, remote, document.report_dict(report))
    return report


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
        console.warn_each(str(w) for w in spec.warnings)
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


def _show(reports: list[Report | Failure], mode: str, as_json: bool) -> int:
    code = document.exit_code(reports)
    if as_json:
        console.print_json(document.dumps(document.document(reports, mode)))
        return code
    out = console.out()
    for index, report in enumerate(reports):
        if index:
            out.print()
        for renderable in render.lines(report):
            out.print(renderable)
    return code
