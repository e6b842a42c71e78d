"""The monorepo's optional ``devkit.yaml``, validated into frozen dataclasses."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

from devkit import parsecache, paths, shellsplit, yamlfile
from devkit.conda.channels import CHANNEL_PRIORITIES
from devkit.conda.platforms import PLATFORM, virtual_package_problem
from devkit.errors import FileFormatError

REPO_CONFIG_NAME = "devkit.yaml"
# devkit.yaml's parse, kept between runs (parsecache): every command reads it, `devkit run` too,
# and at 500 projects its parse costs more than the rest of run's own work. A shelf of its own
# and small: yamlfile's holds every workflow doctor read, more than a run may load. Every entry
# is unpickled each run (half a millisecond at 500 projects): the file as it is and as it was
# before (a switch between two branches) are enough.
SHELF = parsecache.Shelf("devkit-yaml", code=yamlfile.CODE, keep=1, at_once=True)


class ProjectSettings(NamedTuple):
    """Per-project overrides from ``devkit.yaml``."""

    run: tuple[str, ...] | None = None
    # Target platforms of `devkit drift` / `devkit lock` for this project (empty: the repo's).
    platforms: tuple[str, ...] = ()


class RepoConfig(NamedTuple):
    """The monorepo's optional ``devkit.yaml``."""

    path: Path | None = None
    projects_dir: str = "projects"
    projects: Mapping[str, ProjectSettings] = {}
    # Solving for other platforms (`devkit drift`, `devkit lock`; see docs/drift.md).
    platforms: tuple[str, ...] = ()
    channel_priority: str | None = None
    virtual_packages: Mapping[str, tuple[str, ...]] = {}
    mirrors: Mapping[str, str] = {}
    # The line of each `projects:` entry, to point at one that names no project.
    project_lines: Mapping[str, int] = {}

    def settings_for(self, project: str) -> ProjectSettings:
        """The settings of one project (defaults when it has none)."""
        return self.projects.get(project, ProjectSettings())


_REPO_KEYS = {
    "projects_dir",
    "projects",
    "platforms",
    "channel_priority",
    "virtual_packages",
    "mirrors",
}
_PROJECT_KEYS = {"run", "platforms"}


def load_repo_config(root: Path) -> RepoConfig:
    """Read ``<root>/devkit.yaml`` if there is one; every key is optional."""
    path = root / REPO_CONFIG_NAME
    if not path.is_file():
        return RepoConfig()
    target = paths.escapes(path, root)
    if target is not None:
        # Never read (or quote in an error) a file elsewhere on this machine.
        raise FileFormatError(
            path,
            f"resolves to {target}, outside the monorepo: devkit does not read it",
            hint="keep devkit.yaml in the clone, where every developer gets the same one",
        )
    # Every value here is text by meaning (a folder, project names, platforms, URLs, a command):
    # `projects_dir: 2024` and a project called `yes` or `0755` keep the text written.
    data = yamlfile.load(path, text=True, cache=True, shelf=SHELF)
    if data is None:
        return RepoConfig(path=path)
    if not isinstance(data, yamlfile.YamlMap):
        raise FileFormatError(path, "expected a mapping at the top level", line=1)
    _reject_unknown(path, data, _REPO_KEYS)

    projects_dir = data.get("projects_dir", "projects")
    if not isinstance(projects_dir, str) or not projects_dir.strip():
        raise FileFormatError(
            path, "`projects_dir` must be a folder name", line=data.line_of("projects_dir")
        )
    resolved = (root / projects_dir).resolve()
    if not resolved.is_relative_to(root.resolve()):
        raise FileFormatError(
            path,
            f"`projects_dir` {projects_dir!r} points outside the monorepo",
            line=data.line_of("projects_dir"),
        )

    projects: dict[str, ProjectSettings] = {}
    raw_projects = data.get("projects")
    if raw_projects is None:
        raw_projects = yamlfile.YamlMap()
    if not isinstance(raw_projects, yamlfile.YamlMap):
        raise FileFormatError(
            path, "`projects` must map project names to settings", line=data.line_of("projects")
        )
    for name, raw in raw_projects.items():
        line = raw_projects.line_of(name)
        if raw is None:
            projects[name] = ProjectSettings()
            continue
        if not isinstance(raw, yamlfile.YamlMap):
            raise FileFormatError(
                path, f"settings of project `{name}` must be a mapping", line=line
            )
        _reject_unknown(path, raw, _PROJECT_KEYS, where=f"project `{name}`")
        projects[name] = ProjectSettings(
            run=_parse_command(path, raw, "run"), platforms=_platforms(path, raw)
        )
    priority = data.get("channel_priority")
    if priority is not None and priority not in CHANNEL_PRIORITIES:
        raise FileFormatError(
            path,
            f"`channel_priority` must be one of {', '.join(CHANNEL_PRIORITIES)}",
            line=data.line_of("channel_priority"),
        )
    return RepoConfig(
        path=path,
        projects_dir=projects_dir,
        projects=projects,
        project_lines={name: raw_projects.line_of(name) for name in projects},
        platforms=_platforms(path, data),
        channel_priority=priority,
        virtual_packages=_virtual_packages(path, data),
        mirrors=_mirrors(path, data),
    )


def _platforms(path: Path, data: yamlfile.YamlMap) -> tuple[str, ...]:
    value = data.get("platforms")
    if value is None:
        return ()
    if not isinstance(value, list) or not value:
        raise FileFormatError(
            path, "`platforms` must be a list of conda platforms", line=data.line_of("platforms")
        )
    for item in value:
        if not isinstance(item, str) or not PLATFORM.match(item):
            raise FileFormatError(
                path,
                f"unknown platform {item!r} (e.g. linux-64, osx-64, osx-arm64)",
                line=data.line_of("platforms"),
            )
    return tuple(dict.fromkeys(value))


def _virtual_packages(path: Path, data: yamlfile.YamlMap) -> dict[str, tuple[str, ...]]:
    """``platform: [__glibc=2.17, __unix]``: the virtual packages a solve for it assumes."""
    value = data.get("virtual_packages")
    line = data.line_of("virtual_packages")
    if value is None:
        return {}
    if not isinstance(value, yamlfile.YamlMap):
        raise FileFormatError(path, "`virtual_packages` must map platforms to lists", line=line)
    result: dict[str, tuple[str, ...]] = {}
    for platform, packages in value.items():
        line = value.line_of(platform)
        if not PLATFORM.match(platform):
            raise FileFormatError(path, f"unknown platform {platform!r}", line=line)
        if not isinstance(packages, list) or not all(
            isinstance(p, str) and p.startswith("__") for p in packages
        ):
            raise FileFormatError(
                path,
                f"virtual packages of {platform} must be a list like [__glibc=2.17, __unix]",
                line=line,
            )
        for text, item_line in zip(packages, getattr(packages, "item_lines", []), strict=False):
            problem = virtual_package_problem(text)
            if problem:
                raise FileFormatError(
                    path,
                    f"virtual package {text!r}: {problem}",
                    line=item_line,
                    hint="write it as __name=version or __name=version=build, e.g. __glibc=2.17",
                )
        result[platform] = tuple(packages)
    return result


def _mirrors(path: Path, data: yamlfile.YamlMap) -> dict[str, str]:
    """``<channel URL>: <mirror URL>``: fetch a channel from somewhere else."""
    value = data.get("mirrors")
    if value is None:
        return {}
    if not isinstance(value, yamlfile.YamlMap):
        raise FileFormatError(
            path, "`mirrors` must map channel URLs to mirror URLs", line=data.line_of("mirrors")
        )
    for source, target in value.items():
        if "://" not in source or not isinstance(target, str) or "://" not in target:
            raise FileFormatError(
                path,
                f"mirror `{source}` must map a channel URL to a URL",
                line=value.line_of(source),
            )
    return {source.rstrip("/"): target.rstrip("/") for source, target in value.items()}


def _parse_command(path: Path, data: yamlfile.YamlMap, key: str) -> tuple[str, ...] | None:
    value = data.get(key)
    if value is None:
        return None
    line = data.line_of(key)
    if isinstance(value, str):
        try:
            argv = shellsplit.split(value)
        except ValueError as exc:
            raise FileFormatError(path, f"`{key}`: {exc}", line=line) from exc
    elif isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        argv = [str(v) for v in value]
    else:
        raise FileFormatError(
            path, f"`{key}` must be a command line or a list of arguments", line=line
        )
    if not argv:
        raise FileFormatError(path, f"`{key}` is empty", line=line)
    return tuple(argv)


def _reject_unknown(
    path: Path, data: yamlfile.YamlMap, known: set[str], *, where: str = "devkit.yaml"
) -> None:
    for key in data:
        if key not in known:
            import difflib  # here: only an unknown key asks what was meant

            close = difflib.get_close_matches(key, sorted(known), n=1)
            hint = f" (did you mean `{close[0]}`?)" if close else ""
            raise FileFormatError(
                path, f"unknown key `{key}` in {where}{hint}", line=data.line_of(key)
            )
