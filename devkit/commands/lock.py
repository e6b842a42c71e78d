"""``devkit lock``: write ``projects/<name>/conda-lock.yml`` for every target platform; with
``--update PKG`` move only those packages; with ``--diff`` say what the lock changes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from devkit import console, paths, userconfig
from devkit.conda import envspec, lockfile, lockhold, lockwrite, piplock, pypi, solve
from devkit.conda.envspec import EnvSpec
from devkit.conda.lockwrite import PipPart
from devkit.conda.network import Access
from devkit.conda.solve import PlatformSolve, SolveRequest
from devkit.drift import lockdiff
from devkit.drift.project import Options, network_access, plan, relative, root_prefix
from devkit.errors import DevkitError, UsageError
from devkit.repo import lockuse, monorepo


@dataclass(frozen=True)
class LockRequest:
    """What ``devkit lock`` was asked to do."""

    root: Path | None = None
    projects: tuple[str, ...] = ()
    all_projects: bool = False
    platforms: tuple[str, ...] = ()
    channel_priority: str | None = None
    pip: bool = True  # False: --no-pip, the conda part only
    update: tuple[str, ...] = ()  # --update: move these, hold the rest
    dry_run: bool = False  # with --update: print what would move, write nothing
    diff: str | None = None  # --diff [REF]: "" for the merge base with the upstream branch
    as_json: bool = False  # with --diff


def lock(request: LockRequest) -> int:
    """Solve and write each project's lockfile; an unsolvable project keeps its old one."""
    user = userconfig.load_user_config()
    repo = monorepo.load(monorepo.find_root(request.root, Path.cwd(), user.clone))
    console.warn_each(repo.warnings)
    if not request.projects and not request.all_projects:
        raise UsageError("name a project, or pass --all", hint="`devkit ls` lists them")
    if request.projects and request.all_projects:
        raise UsageError("name projects or pass --all, not both")
    if request.dry_run and not request.update:
        raise UsageError("--dry-run goes with --update", hint="devkit lock PROJECT --update PKG")
    if request.as_json and request.diff is None:
        raise UsageError("--json goes with --diff", hint="devkit lock PROJECT --diff --json")
    if request.diff is not None and (request.update or not request.pip):
        raise UsageError("--diff only reads: it takes no --update or --no-pip")
    selected = repo.projects() if request.all_projects else repo.select(list(request.projects))
    if request.diff is not None:
        from devkit.commands import lock_diff  # git and rendering: loaded for --diff only

        return lock_diff.diff(repo, selected, request.diff, request.as_json)
    options = Options(platforms=request.platforms, channel_priority=request.channel_priority)
    failed = 0
    net = network_access(root_prefix())  # one for every project: a dead host is asked once
    if not net.settings.verify:
        console.warn(f"TLS certificates are not verified ({net.settings.origins.get('verify')})")
    for project in selected:
        try:
            if request.update:
                written = _update(repo, project, options, request, net)
            else:
                written = _lock_one(repo, project, options, request.pip, net)
        except DevkitError as exc:
            if len(selected) == 1:
                raise
            console.error(exc)
            failed += 1
            continue
        console.out().print(written)
    return 1 if failed else 0


@dataclass(frozen=True)
class _Solved:
    """A project solved for locking: everything the lock's text is made from."""

    spec: EnvSpec
    request: SolveRequest
    solves: dict[str, PlatformSolve]
    pip: PipPart | None


def _solve(
    repo: monorepo.Monorepo,
    project: monorepo.Project,
    options: Options,
    with_pip: bool,
    net: Access,
    held: lockhold.Held | None = None,
    moving: frozenset[str] = frozenset(),
) -> _Solved:
    """Solve conda and pip for every platform; ``held``: an old lock whose packages other than
    ``moving`` are kept unless a spec needs them to move."""
    spec = envspec.parse(project.env_file)
    console.warn_each(str(w) for w in spec.warnings)
    request = plan(repo, project, spec, options, root_prefix())
    hold = pip_held = None
    if held is not None:
        hold = lockhold.Hold(
            packages={
                platform: [p for p in packages if p.name not in moving]
                for platform, packages in held.conda.items()
            },
            newer={
                platform: [f"{p.name} >{p.version}" for p in packages if p.name in moving]
                for platform, packages in held.conda.items()
            },
        )
        pip_held = {
            platform: {name: v for name, v in wheels.items() if name not in moving}
            for platform, wheels in held.pip.items()
        }
    solves = solve.solve(request, paths.cache_dir(), net, hold)
    problems = [
        f"{platform}: {culprit.message}"
        for platform, solved in solves.items()
        for culprit in solved.culprits
    ]
    if problems:
        raise DevkitError(
            f"cannot lock {project.name}: " + "; ".join(problems),
            hint="fix those specs (a pin, a `sel(linux):` selector) or lock fewer platforms "
            "with --platforms; `devkit drift " + project.name + "` shows the details",
        )
    try:
        pip = piplock.lock_pip(spec, request, solves, with_pip, pip_held) if spec.pip else None
    except DevkitError as exc:
        raise DevkitError(f"cannot lock {project.name}: {exc.message}", hint=exc.hint) from exc
    return _Solved(spec, request, solves, pip)


def _write(repo: monorepo.Monorepo, project: monorepo.Project, solved: _Solved) -> str:
    path = lockfile.lock_path(project.path)
    text = lockwrite.render(solved.spec, solved.request, solved.solves, project.name, solved.pip)
    lockwrite.write(path, text)
    for note in piplock.notes(solved.pip):
        console.warn(note)
    stamped = lockuse.stamp(repo, project)
    if stamped:
        console.out().print(stamped, markup=False)
    counts = piplock.counts(solved.solves, solved.pip)
    return f"wrote {relative(path, repo.root)} ({counts} packages)"


def _lock_one(
    repo: monorepo.Monorepo,
    project: monorepo.Project,
    options: Options,
    with_pip: bool,
    net: Access,
) -> str:
    first = not lockfile.lock_path(project.path).is_file()
    written = _write(repo, project, _solve(repo, project, options, with_pip, net))
    if first:
        console.warn_each(lockuse.not_following(repo, project))
    return written


def lock_new(repo: monorepo.Monorepo, name: str) -> str:
    """Lock a project `devkit new` just wrote (its files already install the lock)."""
    net = network_access(root_prefix())
    project = repo.project(name)
    return _write(repo, project, _solve(repo, project, Options(), True, net))


def _update(
    repo: monorepo.Monorepo,
    project: monorepo.Project,
    options: Options,
    request: LockRequest,
    net: Access,
) -> str:
    """Move the named packages to the newest their specs allow, holding every other one."""
    path = lockfile.lock_path(project.path)
    if not path.is_file():
        raise DevkitError(
            f"{project.name} has no {path.name} to update",
            hint=f"`devkit lock {project.name}` writes one",
        )
    old = lockhold.read_held(path)
    before = lockdiff.read_sections(path.read_text(encoding="utf-8"), path)
    known = old.names
    moving = frozenset(_names(request.update, known))
    unknown = sorted(moving - known)
    if unknown:
        raise UsageError(
            f"not in {relative(path, repo.root)}: {', '.join(unknown)}",
            hint="--update names locked packages (conda or pip); a new one goes in "
            "environment.yml, then `devkit lock`",
        )
    with_pip = request.pip and old.pip_locked
    solved = _solve(repo, project, options, with_pip, net, held=old, moving=moving)
    diff = lockdiff.compare(before, _sections(solved.solves, solved.pip))
    out = console.out()
    out.print(f"{project.name}: --update {', '.join(sorted(moving))}", markup=False)
    for platform in diff.platforms:
        changes = diff.changes.get(platform, ())
        moved = "; ".join(c.label for c in changes) or "nothing moved"
        out.print(f"  {platform}: {moved}", markup=False)
    if request.dry_run:
        return f"dry run: {relative(path, repo.root)} not written"
    return _write(repo, project, solved)


def _names(values: tuple[str, ...], known: set[str]) -> list[str]:
    """``--update numpy --update pandas,PyAirtable`` -> names as the lock stores them: conda's
    in lower case (``typing_extensions`` stays), pip's PEP 503-normalised."""
    names = [v.strip() for value in values for v in value.split(",") if v.strip()]
    if not names:
        raise UsageError("--update names no package", hint="e.g. --update numpy")
    return [n.lower() if n.lower() in known else pypi.normalise(n) for n in names]


def _sections(
    solves: Mapping[str, PlatformSolve], pip: PipPart | None
) -> dict[str, dict[lockdiff.Key, tuple[str, str]]]:
    """What a lock written from these solves will hold, as lockdiff compares it."""
    found: dict[str, dict[lockdiff.Key, tuple[str, str]]] = {}
    for platform, solved in solves.items():
        section = found.setdefault(platform, {})
        for package in solved.packages.values():
            section[("conda", package.name)] = (package.version, package.build)
        resolved = pip.wheels.get(platform) if pip is not None else None
        for wheel in resolved.packages.values() if resolved is not None else ():
            section[("pip", wheel.name)] = (wheel.version, wheel.url.rsplit("/", 1)[-1])
    return found
