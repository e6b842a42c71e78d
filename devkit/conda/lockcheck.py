"""The shape checks of a ``conda-lock.yml`` (``lockfile.read``): each value checked as it is
read, each failure a ``FileFormatError`` at the value's line that says how to write it again."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from devkit import yamlfile
from devkit.conda import channels
from devkit.conda.package import Package, parse_file_name, split_url
from devkit.conda.platforms import PLATFORM
from devkit.errors import FileFormatError
from devkit.yamlfile import kind

RELOCK = "a merge or a hand edit broke it: `devkit lock <project>` writes it again"


def line_of(data: object, key: str | None = None) -> int | None:
    """The line of a mapping, or of one of its keys; None for what is not a read mapping."""
    if isinstance(data, yamlfile.YamlMap):
        return data.line_of(key) if key else data.line
    return None


def item_line(items: object, index: int) -> int | None:
    """The line of a list's item; None for what is not a read list."""
    if isinstance(items, yamlfile.YamlList) and index < len(items.item_lines):
        return items.item_lines[index]
    return None


@dataclass(frozen=True)
class Checker:
    """Shape checks for one lockfile: each failure is a FileFormatError at the value's line."""

    path: Path

    def fail(self, message: str, where: object, key: str | None = None) -> NoReturn:
        line = where if isinstance(where, int) or where is None else line_of(where, key)
        raise FileFormatError(self.path, message, line=line, hint=RELOCK)

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
                where = item_line(value, index) or line_of(parent, key)
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
                where = item_line(value, index) or line_of(meta, "channels")
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
