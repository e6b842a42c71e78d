"""``devkit lock``: write ``projects/<name>/conda-lock.yml`` for every target platform."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from devkit import console, paths, userconfig
from devkit.conda import envspec, lockfile, lockwrite, piplock, solve
from devkit.drift.project import Options, plan, relative, root_prefix
from devkit.errors import DevkitError, UsageError
from devkit.repo import monorepo


@dataclass(frozen=True)
class LockRequest:
    """What ``devkit lock`` was asked to do."""

    root: Path | None = None
    projects: tuple[str, ...] = ()
    all_projects: bool = False
    platforms: tuple[str, ...] = ()
    channel_priority: str | None = None
    pip: bool = True  # False: --no-pip, the conda part only


def lock(request: LockRequest) -> int:
    """Solve and write each project's lockfile; an unsolvable project keeps its old one."""
    user = userconfig.load_user_config()
    repo = monorepo.load(monorepo.find_root(request.root, Path.cwd(), user.clone))
    console.warn_each(repo.warnings)
    if not request.projects and not request.all_projects:
        raise UsageError("name a project, or pass --all", hint="`devkit ls` lists them")
    if request.projects and request.all_projects:
        raise UsageError("name projects or pass --all, not both")
    selected = repo.projects() if request.all_projects else repo.select(list(request.projects))
    options = Options(platforms=request.platforms, channel_priority=request.channel_priority)
    failed = 0
    for project in selected:
        try:
            written = _lock_one(repo, project, options, request.pip)
        except DevkitError as exc:
            if len(selected) == 1:
                raise
            console.error(exc)
            failed += 1
            continue
        console.out().print(written)
    return 1 if failed else 0


def _lock_one(
    repo: monorepo.Monorepo, project: monorepo.Project, options: Options, with_pip: bool
) -> str:
    spec = envspec.parse(project.env_file)
    request = plan(repo, project, spec, options, root_prefix())
    solves = solve.solve(request, paths.cache_dir())
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
        pip = piplock.lock_pip(spec, request, solves, with_pip) if spec.pip else None
    except DevkitError as exc:
        raise DevkitError(f"cannot lock {project.name}: {exc.message}", hint=exc.hint) from exc
    path = lockfile.lock_path(project.path)
    lockwrite.write(path, lockwrite.render(spec, request, solves, project.name, pip))
    for note in piplock.notes(pip):
        console.warn(note)
    return f"wrote {relative(path, repo.root)} ({piplock.counts(solves, pip)} packages)"
