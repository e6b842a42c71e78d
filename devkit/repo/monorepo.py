"""Finding the monorepo root and the projects inside it."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import NamedTuple

from devkit import paths
from devkit.errors import DevkitError, MonorepoNotFoundError, ProjectNotFoundError, UsageError
from devkit.repo.config import REPO_CONFIG_NAME, ProjectSettings, RepoConfig, load_repo_config

ENV_FILE_NAMES = ("environment.yml", "environment.yaml")


class Project(NamedTuple):
    """One service: a folder under the projects folder holding an environment file."""

    name: str
    path: Path
    env_file: Path
    settings: ProjectSettings


class Outside(NamedTuple):
    """A project whose folder or environment file is a symlink out of the monorepo.

    devkit never reads (or prints) anything there: a clone could otherwise make it quote
    ``~/.ssh`` or ``/etc/shadow`` in an error, a doctor report or a shared bundle.
    """

    name: str
    path: Path
    target: Path

    def __str__(self) -> str:
        return (
            f"{self.path} resolves to {self.target}, outside the monorepo: devkit does not read "
            f"it, so `{self.name}` is not a project here"
        )


class Monorepo(NamedTuple):
    """A monorepo root and its configuration (``at`` makes one)."""

    root: Path
    config: RepoConfig
    # The folder that holds one subfolder per project: asked for every path a workflow names,
    # of every project, so joined once.
    projects_dir: Path
    # What the commands should tell the user about the configuration (they print, not this).
    warnings: tuple[str, ...] = ()

    @classmethod
    def at(cls, root: Path, config: RepoConfig) -> Monorepo:
        """The monorepo at ``root`` configured by ``config``."""
        return cls(root, config, root / config.projects_dir)

    def projects(self) -> list[Project]:
        """Every project, sorted by name (not those outside the monorepo: see ``outside``)."""
        return [p for p in self._scan() if isinstance(p, Project)]

    def outside_projects(self) -> list[Outside]:
        """Project folders or environment files that are symlinks out of the monorepo."""
        return [p for p in self._scan() if isinstance(p, Outside)]

    def _scan(self) -> list[Project | Outside]:
        found: list[Project | Outside] = []
        for name, env_name, plain in self._listing():
            folder = self.projects_dir / name
            env_file = folder / env_name
            if plain:
                found.append(Project(name, folder, env_file, self.config.settings_for(name)))
            else:
                found.append(self._project(name, folder, env_file))
        return found

    def _listing(self) -> list[tuple[str, str, bool]]:
        """Each project folder's name and environment file's, sorted by name, and whether
        neither is a symlink (then, in a projects folder inside, it is inside too)."""
        # Strings and DirEntry, not a Path each: `devkit run` scans the whole folder for its
        # warnings, and at a thousand projects Paths cost it more than the system calls.
        try:
            with os.scandir(self.projects_dir) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except FileNotFoundError:
            return []
        # Whether the projects folder itself is inside, resolved once: below it, a folder or
        # file that is not a symlink is where its parent is (one lstat, not a resolve each).
        base_inside = paths.escapes(self.projects_dir, self.root) is None
        found: list[tuple[str, str, bool]] = []
        for entry in entries:
            linked = entry.is_symlink()
            # A symlink is followed as Path.is_dir follows it (a loop is no folder); any other
            # entry is what the folder listing says it is.
            if not (Path(entry.path).is_dir() if linked else entry.is_dir(follow_symlinks=False)):
                continue
            env = _env_file_of(entry.path)
            if env is not None:
                found.append((entry.name, env[0], base_inside and not linked and not env[1]))
        return found

    def project(self, name: str) -> Project:
        """The project called ``name``; an unknown name says which ones are close."""
        validate_project_name(name, self.projects_dir)
        folder = self.projects_dir / name
        env_file = _env_file_in(folder) if folder.is_dir() else None
        if env_file is not None:
            found = self._project(name, folder, env_file)
            if isinstance(found, Outside):
                raise DevkitError(
                    str(found),
                    hint="keep the project inside the clone (a symlink within it is fine)",
                )
            return found
        import difflib

        names = [p.name for p in self.projects()]
        close = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
        if close:
            hint = "did you mean " + " or ".join(f"`{c}`" for c in close) + "?"
        elif names:
            hint = "did you mean one of: " + ", ".join(names) + "?"
        else:
            hint = f"{self.projects_dir} holds no project with an environment.yml"
        if folder.is_dir():
            message = f"{folder} has no environment.yml, so it is not a project"
        else:
            message = f"no project named `{name}` in {self.projects_dir}"
        raise ProjectNotFoundError(message, hint=hint)

    def select(self, names: list[str]) -> list[Project]:
        """The named projects (all of them when ``names`` is empty), in the order given."""
        if not names:
            return self.projects()
        return [self.project(name) for name in dict.fromkeys(names)]

    def _project(self, name: str, folder: Path, env_file: Path) -> Project | Outside:
        # The folder first: everything in a folder outside is outside (.env, Dockerfile, …).
        for path in (folder, env_file):
            target = paths.escapes(path, self.root)
            if target is not None:
                return Outside(name, path, target)
        return Project(name, folder, env_file, self.config.settings_for(name))


def _env_file_of(folder: str) -> tuple[str, bool] | None:
    """``_env_file_in`` for a folder's path as a string: the file's name, and whether it is a
    symlink; one lstat for a plain file (is_file and is_symlink would take two)."""
    for candidate in ENV_FILE_NAMES:
        path = f"{folder}{os.sep}{candidate}"  # a listed entry's path: no trailing separator
        mode = _mode(path, follow=False)
        if mode is None:
            continue
        if stat.S_ISREG(mode):
            return candidate, False
        if stat.S_ISLNK(mode):
            target = _mode(path, follow=True)
            if target is not None and stat.S_ISREG(target):
                return candidate, True
    return None


def _mode(path: str, *, follow: bool) -> int | None:
    # None where Path.is_file() and is_symlink() say False rather than raise.
    try:
        return os.stat(path, follow_symlinks=follow).st_mode  # noqa: PTH116 - a Path costs more
    except OSError as exc:
        if exc.errno in _NOT_THERE:
            return None
        raise


# The errors pathlib's is_file(), is_dir() and is_symlink() take for "no".
_NOT_THERE = frozenset({errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP})


def _env_file_in(folder: Path) -> Path | None:
    for candidate in ENV_FILE_NAMES:
        path = folder / candidate
        if path.is_file():
            return path
    return None


def validate_project_name(name: str, projects_dir: Path) -> None:
    """The rules every command applies to a project name (``UsageError``, exit 2): one folder
    under ``projects_dir`` that the filesystem can hold."""
    hint = "a project name is a single folder name under the projects folder"
    # A project name becomes a path component; anything that could climb out of the projects
    # folder (or name a different one) is refused before it reaches the filesystem.
    if (
        not name
        or name in {".", ".."}
        or "/" in name
        or "\\" in name
        or os.sep in name
        or name.startswith("~")
        or "\0" in name
    ):
        raise UsageError(f"invalid project name {_shown(name)!r}", hint=hint)
    # An over-long name would reach the OS as a path it refuses (ENAMETOOLONG) in whatever
    # touched it first: say so here, in the filesystem's own terms.
    longest = paths.name_max(projects_dir)
    if len(name.encode()) > longest:
        raise UsageError(
            f"invalid project name {_shown(name)!r}: {len(name.encode()):,} bytes long, and a "
            f"folder name may be at most {longest} bytes",
            hint=hint,
        )
    longest_path = paths.path_max(projects_dir)
    if len(str(projects_dir.absolute() / name).encode()) >= longest_path:
        raise UsageError(
            f"invalid project name {_shown(name)!r}: {projects_dir}/<name> would be longer "
            f"than the {longest_path} bytes a path may have",
            hint=hint,
        )


def _shown(name: str, keep: int = 40) -> str:
    return name if len(name) <= keep else f"{name[:keep]}…"


def is_monorepo_root(folder: Path) -> bool:
    """Whether a folder looks like a monorepo root: a devkit.yaml, or a projects/ folder that
    holds at least one project (a bare ~/projects of other things does not count)."""
    if (folder / REPO_CONFIG_NAME).is_file():
        return True
    try:
        entries = list((folder / "projects").iterdir())
    except OSError:
        return False
    return any(entry.is_dir() and _env_file_in(entry) is not None for entry in entries)


def find_root(explicit: Path | None, cwd: Path, recorded: Path | None) -> Path:
    """Locate the monorepo: ``--root``/``DEVKIT_ROOT``, then upwards from ``cwd``, then the
    clone recorded by ``devkit setup``."""
    if explicit is not None:
        root = explicit.expanduser().absolute()
        if not root.is_dir():
            raise MonorepoNotFoundError(
                f"--root {explicit} is not a folder",
                hint="pass the folder that holds `projects/` (or set DEVKIT_ROOT)",
            )
        return root
    for folder in (cwd, *cwd.parents):
        if is_monorepo_root(folder):
            return folder
    if recorded is not None and recorded.is_dir():
        return recorded
    if recorded is not None:
        raise MonorepoNotFoundError(
            f"no monorepo found in {cwd} or above it, and the clone `devkit setup` recorded, "
            f"{recorded}, is gone",
            hint="run `devkit setup` to clone it again, or pass --root PATH",
        )
    raise MonorepoNotFoundError(
        f"no monorepo found in {cwd} or any folder above it",
        hint="run devkit inside the monorepo, pass --root PATH, or run `devkit setup` to clone it",
    )


def load(root: Path) -> Monorepo:
    """Read a monorepo's configuration."""
    monorepo = Monorepo.at(root, load_repo_config(root))
    folder = monorepo.projects_dir
    if folder.exists() and not folder.is_dir():
        raise DevkitError(
            f"the projects folder {folder} is not a folder",
            hint="`projects_dir` in devkit.yaml names the folder that holds one subfolder per "
            "project (default: projects)",
        )
    # Once for both warnings, as names: only a project that may be outside becomes a Path.
    outside: list[Outside] = []
    names: list[str] = []
    for name, env_name, plain in monorepo._listing():
        found = None if plain else monorepo._project(name, folder / name, folder / name / env_name)
        if isinstance(found, Outside):
            outside.append(found)
        else:
            names.append(name)
    unknown = _unknown_settings(monorepo, names, {o.name for o in outside})
    return monorepo._replace(warnings=(*[str(o) for o in outside], *unknown))


def _unknown_settings(monorepo: Monorepo, names: list[str], outside: set[str]) -> list[str]:
    # Settings for a project that does not exist (a typo, a removed project) would silently
    # do nothing; a warning, not an error, so removing a project never breaks every command.
    # `outside` projects are said already, in their own words.
    configured = monorepo.config.projects
    found: list[str] = []
    known = set(names)  # 500 settings against 1000 projects: not a list scan each
    for name in configured:
        if name in outside or name in known:
            continue
        import difflib  # here: only a setting that names no project asks what was meant

        line = monorepo.config.project_lines.get(name)
        where = f"{monorepo.config.path}:{line}" if line else str(monorepo.config.path)
        close = difflib.get_close_matches(name, names, n=1, cutoff=0.5)
        hint = f"; did you mean `{close[0]}`?" if close else ""
        found.append(f"{where}: settings for `{name}`, which is not a project{hint}")
    return found
