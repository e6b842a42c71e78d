"""``conda-lock.yml`` in conda-lock's v1 format, read back without a solve (lockwrite.py
writes it).

micromamba installs such a file directly (``micromamba create -p P -f conda-lock.yml``; the
name must end in ``-lock.yml``). What libmamba requires of it (mamba's env_lockfile_conda.cpp):
``version: 1``; ``metadata`` with non-empty ``platforms``, ``sources`` and ``content_hash``, and
``channels`` as ``{url, used_env_vars}``; each package with ``name``, ``version``, ``manager``,
``platform``, ``url``, ``hash.md5`` or ``hash.sha256`` and ``dependencies`` as a mapping.
conda-lock's own parser also wants an md5 for conda packages and no unknown keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from devkit import limits, yamlfile
from devkit.conda import channels, lockpip
from devkit.conda.envspec import EnvSpec, applies
from devkit.conda.package import Package, parse_file_name, split_url
from devkit.conda.platforms import PLATFORM
from devkit.conda.pypi import PipPackage
from devkit.errors import FileFormatError
from devkit.yamlfile import kind

LOCK_NAME = "conda-lock.yml"


@dataclass(frozen=True)
class Lock:
    """A parsed lockfile: its metadata and, per platform, its conda packages by name."""

    path: Path
    platforms: tuple[str, ...]
    channels: tuple[str, ...]
    sources: tuple[str, ...]
    content_hash: dict[str, str]
    source_sha256: str | None
    packages: dict[str, dict[str, Package]] = field(default_factory=dict)
    # `manager: pip` entries per platform, by normalised PyPI name.
    pip: dict[str, dict[str, PipPackage]] = field(default_factory=dict)
    custom: dict[str, str] = field(default_factory=dict)  # metadata.custom_metadata

    @property
    def source(self) -> Path | None:
        """The environment file it was made from (``sources`` are relative to the lock)."""
        return (self.path.parent / self.sources[0]) if self.sources else None


def lock_path(project_dir: Path) -> Path:
    """Where a project's lockfile lives."""
    return project_dir / LOCK_NAME


def read(path: Path) -> Lock:
    """Parse a conda-lock v1 file (devkit's or conda-lock's); errors name the file and line."""
    # Locks of big envs on several platforms run to megabytes: their own, larger limits.
    data = yamlfile.load(path, bounds=limits.LOCKFILE)
    if not isinstance(data, dict) or data.get("version") != 1:
        raise FileFormatError(
            path,
            "not a conda-lock v1 file (expected `version: 1`)",
            line=_line(data, "version"),
            hint=_RELOCK,
        )
    meta = data.get("metadata")
    entries = data.get("package")
    if not isinstance(meta, dict) or not isinstance(entries, list):
        raise FileFormatError(
            path, "expected `metadata` and a `package` list", line=_line(data), hint=_RELOCK
        )
    check = _Checker(path)
    platforms = check.strings(meta, "platforms", "metadata.platforms")
    for index, platform in enumerate(platforms):
        if not PLATFORM.match(platform):
            check.fail(
                f"metadata.platforms: {platform!r} is not a platform (like linux-64 or osx-arm64)",
                _item_line(meta.get("platforms"), index),
            )
    sources = check.strings(meta, "sources", "metadata.sources")
    lock_channels = check.channels(meta)
    hashes = check.mapping(meta, "content_hash", "metadata.content_hash")
    for key, value in hashes.items():
        if not isinstance(value, str):
            check.fail(
                f"metadata.content_hash.{key} must be a string, not {kind(value)}", hashes, key
            )
    inputs = check.mapping(meta, "inputs_metadata", "metadata.inputs_metadata")
    first = inputs.get(sources[0]) if sources else None
    source_sha256 = first.get("sha256") if isinstance(first, dict) else None
    if source_sha256 is not None and not isinstance(source_sha256, str):
        check.fail(
            f"metadata.inputs_metadata.{sources[0]}.sha256 must be a string", first, "sha256"
        )
    known = [
        channels.Channel(name=channels.short_name(u), url=u, fetch_url=u) for u in lock_channels
    ]
    packages: dict[str, dict[str, Package]] = {p: {} for p in platforms}
    pip: dict[str, dict[str, PipPackage]] = {}
    for index, entry in enumerate(entries):
        line = _item_line(entries, index)
        if not isinstance(entry, dict):
            check.fail(f"package entry must be a mapping, not {kind(entry)}", line)
        manager = entry.get("manager")
        if not isinstance(manager, str):
            check.fail(
                f"package entry: `manager` must be conda or pip, not {kind(manager)}",
                entry,
                "manager",
            )
        if manager == "pip":
            platform, wheel = lockpip.entry(check, entry, line)
            pip.setdefault(platform, {})[wheel.name] = wheel
            continue
        if manager != "conda":
            continue
        platform, package = check.package(entry, line, known)
        packages.setdefault(platform, {})[package.name] = package
    return Lock(
        path=path,
        platforms=tuple(platforms),
        channels=lock_channels,
        sources=tuple(sources),
        content_hash=dict(hashes),
        source_sha256=source_sha256,
        packages=packages,
        pip=pip,
        custom={
            str(k): str(v)
            for k, v in check.mapping(meta, "custom_metadata", "metadata.custom_metadata").items()
        },
    )


_RELOCK = "a merge or a hand edit broke it: `devkit lock <project>` writes it again"


def _line(data: object, key: str | None = None) -> int | None:
    if isinstance(data, yamlfile.YamlMap):
        return data.line_of(key) if key else data.line
    return None


def _item_line(items: object, index: int) -> int | None:
    if isinstance(items, yamlfile.YamlList) and index < len(items.item_lines):
        return items.item_lines[index]
    return None


@dataclass(frozen=True)
class _Checker:
    """Shape checks for one lockfile: each failure is a FileFormatError at the value's line."""

    path: Path

    def fail(self, message: str, where: object, key: str | None = None) -> NoReturn:
        line = where if isinstance(where, int) or where is None else _line(where, key)
        raise FileFormatError(self.path, message, line=line, hint=_RELOCK)

    def mapping(self, parent: dict[str, Any], key: str, label: str) -> dict[str, Any]:
        """``parent[key]``: a mapping, or absent (empty)."""
        value = parent.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.fail(f"{label} must be a mapping, not {kind(value)}", parent, key)
        return value

    def strings(self, parent: dict[str, Any], key: str, label: str) -> list[str]:
        """``parent[key]``: a list of non-empty strings, or absent (empty)."""
        value = parent.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(f"{label} must be a list, not {kind(value)}", parent, key)
        for index, item in enumerate(value):
            if not isinstance(item, str) or not item:
                where = _item_line(value, index) or _line(parent, key)
                self.fail(f"{label}[{index}] must be a string, not {kind(item)}", where)
        return value

    def channels(self, meta: dict[str, Any]) -> tuple[str, ...]:
        """``metadata.channels``: ``{url, used_env_vars}`` mappings (devkit, conda-lock 1.x+) or
        plain names (older conda-lock)."""
        value = meta.get("channels")
        if value is None:
            return ()
        if not isinstance(value, list):
            self.fail(f"metadata.channels must be a list, not {kind(value)}", meta, "channels")
        found = []
        for index, item in enumerate(value):
            url = item.get("url") if isinstance(item, dict) else item
            if not isinstance(url, str) or not url:
                where = _item_line(value, index) or _line(meta, "channels")
                self.fail(
                    f"metadata.channels[{index}] must be a channel name or {{url: ...}}, "
                    f"not {kind(item)}",
                    where,
                )
            found.append(url)
        return tuple(found)

    def package(
        self, entry: dict[str, Any], line: int | None, known: list[channels.Channel]
    ) -> tuple[str, Package]:
        """A ``manager: conda`` entry: its platform and Package, each of its values checked."""
        from rattler import BuildString, PackageName, Version
        from rattler.exceptions import InvalidPackageNameError, InvalidVersionError

        missing = [k for k in ("name", "version", "platform", "url") if not entry.get(k)]
        if missing:
            self.fail(f"package entry without {', '.join(missing)}", line)
        for key in ("name", "version", "platform", "url", "build"):
            value = entry.get(key)
            if value is not None and not isinstance(value, str):
                self.fail(f"package entry: `{key}` must be a string, not {kind(value)}", entry, key)
        name, version, platform, url = (
            entry["name"],
            entry["version"],
            entry["platform"],
            entry["url"],
        )
        label = f"package {name} ({platform})"
        try:
            PackageName(name)
        except InvalidPackageNameError as exc:
            self.fail(f"package entry: {exc}", entry, "name")
        try:
            Version(version)  # what `unsatisfied` matches specs against
        except InvalidVersionError as exc:
            self.fail(f"{label}: {exc}", entry, "version")
        if not PLATFORM.match(platform):
            self.fail(
                f"{label}: {platform!r} is not a platform (like linux-64 or osx-arm64)",
                entry,
                "platform",
            )
        base, subdir, build = _url_parts(url)
        if not base:
            self.fail(
                f"{label}: {url!r} is not a conda package URL "
                "(…/CHANNEL/SUBDIR/NAME-VERSION-BUILD.conda or .tar.bz2)",
                entry,
                "url",
            )
        build = entry.get("build") or build
        try:
            BuildString(build)
        except ValueError as exc:
            where = "build" if entry.get("build") else "url"
            self.fail(f"{label}: build {build!r}: {exc}", entry, where)
        dependencies = self.mapping(entry, "dependencies", f"{label}: dependencies")
        for dep, constraint in dependencies.items():
            if not isinstance(constraint, str):
                self.fail(
                    f"{label}: dependencies.{dep} must be a string, not {kind(constraint)}",
                    dependencies,
                    dep,
                )
        hashes = self.mapping(entry, "hash", f"{label}: hash")
        for key in ("md5", "sha256"):
            if hashes.get(key) is not None and not isinstance(hashes[key], str):
                self.fail(
                    f"{label}: hash.{key} must be a string, not {kind(hashes[key])}", hashes, key
                )
        package = Package(
            name=name,
            version=version,
            build=build,
            subdir=subdir,
            channel=channels.name_of(base, known),
            url=url,
            md5=hashes.get("md5"),
            sha256=hashes.get("sha256"),
            depends=tuple(f"{k} {v}".strip() for k, v in dependencies.items()),
        )
        return platform, package


def _url_parts(url: str) -> tuple[str, str, str]:
    """A package URL's channel, subdir and build; an empty channel if it is not one."""
    base, subdir, file_name = split_url(url)
    if not file_name.endswith((".conda", ".tar.bz2")):
        return "", "", ""
    try:
        name, version, build = parse_file_name(file_name)
    except ValueError:
        return "", "", ""
    if not (base and subdir and name and version and build):
        return "", "", ""
    return base, subdir, build


def unsatisfied(lock: Lock, spec: EnvSpec, platform: str) -> list[str]:
    """The environment file's specs the locked packages of a platform do not satisfy (no solve)."""
    from rattler import MatchSpec

    locked = lock.packages.get(platform, {})
    problems = []
    for dep in spec.dependencies:
        if not applies(dep, platform):
            continue
        package = locked.get(dep.name)
        if package is None:
            problems.append(f"{dep.text} is not locked")
            continue
        # A channel in the spec is a name the lock stores as a (mirror) URL: match the rest.
        text = dep.text.split("::", 1)[-1]
        if not MatchSpec(text, strict=dep.lenient_note is None).matches(package.package_record()):
            problems.append(f"{dep.text} (locked {package.version} {package.build})")
    return problems
