"""An installed env's exact packages, exported to a file, and two such files compared.

A developer exports their Mac's env, CI exports its Linux env (``devkit drift api --export``),
and ``devkit drift --compare mac.json ci.json`` reports the same categories as a solve. Conda
packages come from ``conda-meta/*.json``; pip packages are the ``*.dist-info`` folders of
site-packages that no conda package owns.
"""

from __future__ import annotations

import datetime as dt
import json
import platform as platform_mod
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devkit import __version__
from devkit.conda import channels, envs
from devkit.conda.envspec import Dependency, EnvSpec
from devkit.conda.package import Package
from devkit.drift.analysis import Observation
from devkit.errors import DevkitError, FileFormatError
from devkit.yamlfile import kind

SCHEMA = "devkit-env-export"
SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Snapshot:
    """One env on one machine."""

    path: Path
    project: str | None
    platform: str
    conda: dict[str, Package]
    pip: dict[str, str]
    direct: tuple[Dependency, ...] | None


def _channel_name(channel: str) -> str:
    return channels.short_name(channel) if channel else "unknown"


def _conda_records(prefix: Path) -> list[dict[str, Any]]:
    records = []
    for path in sorted((prefix / "conda-meta").glob("*.json")):
        try:
            records.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError) as exc:
            raise DevkitError(f"cannot read {path}: {exc}") from exc
    return records


def _dist_name(folder: str) -> str:
    # `numpy-1.21.5.dist-info` and `foo-1.0-py3.11.egg-info`, as envs.pip_installed reads them.
    if folder.endswith(".dist-info"):
        return envs.normalise_dist_name(folder.removesuffix(".dist-info").rpartition("-")[0])
    return envs.normalise_dist_name(folder.removesuffix(".egg-info").partition("-")[0])


def _pip_only(prefix: Path, records: list[dict[str, Any]]) -> dict[str, str]:
    owned = {
        _dist_name(Path(file).parent.name)
        for record in records
        for file in record.get("files") or ()
        if ".dist-info/" in file or ".egg-info/" in file
    }
    return {name: v for name, v in envs.pip_installed(prefix).items() if name not in owned}


def env_platform(prefix: Path, records: list[dict[str, Any]], host: str | None) -> str:
    """The platform an env was built for: its ``.mambarc`` (``--platform``), its packages'
    subdir, else this machine's."""
    try:
        for line in (prefix / ".mambarc").read_text(encoding="utf-8").splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "platform" and value.strip():
                return value.strip()
    except OSError:
        pass
    subdirs = {str(r.get("subdir")) for r in records} - {"noarch", "None", ""}
    if len(subdirs) == 1:
        return subdirs.pop()
    return host or "unknown"


def export(
    prefix: Path, spec: EnvSpec | None, project: str | None, host: str | None
) -> dict[str, Any]:
    """The export document of an installed env."""
    records = _conda_records(prefix)
    if not records:
        raise DevkitError(
            f"{prefix} lists no packages", hint="create the env first: `devkit setup`"
        )
    platform = env_platform(prefix, records, host)
    conda = [
        {
            "name": r["name"],
            "version": r["version"],
            "build": r.get("build", ""),
            "build_number": r.get("build_number", 0),
            "channel": _channel_name(str(r.get("channel") or "")),
            "subdir": r.get("subdir", ""),
            "url": r.get("url", ""),
            "md5": r.get("md5"),
            "sha256": r.get("sha256"),
        }
        for r in sorted(records, key=lambda r: r["name"])
    ]
    pip = [{"name": n, "version": v} for n, v in sorted(_pip_only(prefix, records).items())]
    direct = None
    if spec is not None:
        direct = [
            {"text": d.text, "name": d.name, "version": d.version, "selector": d.selector}
            for d in spec.dependencies
        ]
    return {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "devkit_version": __version__,
        "created_at": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "project": project,
        "platform": platform,
        "machine": {"system": platform_mod.system(), "machine": platform_mod.machine()},
        "prefix": str(prefix),
        "direct": direct,
        "conda": conda,
        "pip": pip,
    }


def load(path: Path) -> Snapshot:
    """Read an export file; anything else is a FileFormatError naming it."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise FileFormatError(path, f"cannot read: {exc.strerror}") from exc
    except ValueError as exc:
        raise FileFormatError(path, f"not JSON: {exc}") from exc
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise FileFormatError(path, "not a `devkit drift --export` file")
    if data.get("schema_version") != SCHEMA_VERSION:
        raise FileFormatError(
            path,
            f"export schema version {data.get('schema_version')} is not {SCHEMA_VERSION}",
            hint="export it again with this devkit",
        )
    fields = _Fields(path)
    project = fields.optional(data, "project", "project")
    platform = fields.string(data, "platform", "platform")
    conda: dict[str, Package] = {}
    for index, p in enumerate(fields.objects(data, "conda", "conda", required=True)):
        where = f"conda[{index}]"
        name = fields.string(p, "name", f"{where}.name")
        build_number = p.get("build_number")
        if build_number is not None and (
            isinstance(build_number, bool) or not isinstance(build_number, int)
        ):
            raise fields.error(f"{where}.build_number", "an integer", build_number)
        conda[name] = Package(
            name=name,
            version=fields.string(p, "version", f"{where}.version"),
            build=fields.optional(p, "build", f"{where}.build") or "",
            subdir=fields.optional(p, "subdir", f"{where}.subdir") or "",
            channel=fields.optional(p, "channel", f"{where}.channel") or "unknown",
            url=fields.optional(p, "url", f"{where}.url") or "",
            build_number=build_number or 0,
        )
        for key in ("md5", "sha256"):  # not compared, but an export holds them as strings
            fields.optional(p, key, f"{where}.{key}")
    pip = {
        fields.string(p, "name", f"pip[{i}].name"): fields.string(p, "version", f"pip[{i}].version")
        for i, p in enumerate(fields.objects(data, "pip", "pip"))
    }
    direct = None
    if data.get("direct") is not None:
        direct = tuple(
            Dependency(
                fields.string(d, "text", f"direct[{i}].text"),
                0,
                fields.string(d, "name", f"direct[{i}].name"),
                fields.optional(d, "version", f"direct[{i}].version"),
                fields.optional(d, "selector", f"direct[{i}].selector"),
            )
            for i, d in enumerate(fields.objects(data, "direct", "direct"))
        )
    return Snapshot(path, project, platform, conda, pip, direct)


@dataclass(frozen=True)
class _Fields:
    """Typed reads of an export's values: anything else is a FileFormatError naming the field."""

    path: Path

    def error(self, field: str, expected: str, value: object) -> FileFormatError:
        given = kind(value, json=True)
        return FileFormatError(
            self.path, f"malformed export: `{field}` must be {expected}, not {given}"
        )

    def string(self, obj: dict[str, Any], key: str, field: str) -> str:
        value = obj.get(key)
        if not isinstance(value, str) or not value:
            raise self.error(field, "a non-empty string", value)
        return value

    def optional(self, obj: dict[str, Any], key: str, field: str) -> str | None:
        value = obj.get(key)
        if value is not None and not isinstance(value, str):
            raise self.error(field, "a string or null", value)
        return value

    def objects(
        self, obj: dict[str, Any], key: str, field: str, *, required: bool = False
    ) -> list[dict[str, Any]]:
        value = obj.get(key)
        if value is None and not required:
            return []
        if not isinstance(value, list):
            raise self.error(field, "an array" if required else "an array or null", value)
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                raise self.error(f"{field}[{index}]", "an object", item)
        return value


def labels(a: Snapshot, b: Snapshot) -> tuple[str, str]:
    """Platforms name the two sides; two exports of one platform are told apart by file.

    The labels must differ, or the two sides merge into one column and drift disappears:
    `mac/api.json` and `ci/api.json` (artifacts downloaded side by side) share a file name.
    """
    if a.platform != b.platform:
        return a.platform, b.platform
    for describe in (lambda p: p.name, lambda p: str(p)):
        first, second = describe(a.path), describe(b.path)
        if first != second:
            return f"{a.platform} ({first})", f"{b.platform} ({second})"
    return f"{a.platform} (first)", f"{b.platform} (second)"


def _packages(snapshot: Snapshot) -> dict[str, Package]:
    found = dict(snapshot.conda)
    for name, version in snapshot.pip.items():
        # pip's name for a conda package it did not install: compare it as a `pypi` package.
        found.setdefault(name, Package(name, version, "pypi_0", "pypi", "pypi"))
    return found


def observe(a: Snapshot, b: Snapshot) -> Observation:
    """Both envs as one observation (direct specs: from whichever export has them)."""
    first, second = labels(a, b)
    direct: tuple[Dependency, ...] | None = None
    if a.direct is not None or b.direct is not None:
        merged = {d.text: d for d in (*(a.direct or ()), *(b.direct or ()))}
        direct = tuple(merged.values())
    return Observation(packages={first: _packages(a), second: _packages(b)}, direct=direct)
