"""Read an environment's records (conda-meta, pip dist-infos, history) and shape them as JSON."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.standin.context import Context


def conda_meta_records(prefix: Path) -> list[dict[str, Any]]:
    """The raw JSON of every `conda-meta/*.json`, sorted by package name."""
    meta = prefix / "conda-meta"
    if not meta.is_dir():
        return []
    records = [json.loads(path.read_text()) for path in meta.glob("*.json")]
    return sorted(records, key=lambda record: record["name"])


@dataclass(frozen=True)
class PipPackage:
    """A package pip installed into the env, found by its .dist-info folder."""

    name: str
    version: str


def pip_packages(prefix: Path, records: list[dict[str, Any]]) -> list[PipPackage]:
    """Python distributions in the env's site-packages that no conda package owns."""
    owned = {
        path.split("/")[-2]
        for record in records
        for path in record.get("files", [])
        if ".dist-info/" in path
    }
    found: list[PipPackage] = []
    for dist in sorted(prefix.glob("lib/python*/site-packages/*.dist-info")):
        if dist.name in owned or not (dist / "METADATA").is_file():
            continue
        headers = dict(
            line.split(": ", 1)
            for line in (dist / "METADATA").read_text(errors="replace").splitlines()
            if ": " in line and not line.startswith(" ")
        )
        if "Name" in headers and "Version" in headers:
            found.append(PipPackage(headers["Name"], headers["Version"]))
    return sorted(found, key=lambda package: package.name.lower())


def _nullable(ctx: Context, values: list[str] | None) -> list[str] | None:
    # Before 2.7, libmamba wrote empty arrays as null.
    if not values and ctx.version_tuple < (2, 7):
        return None
    return list(values or [])


def action_entry(ctx: Context, record: dict[str, Any]) -> dict[str, Any]:
    """One FETCH/LINK/UNLINK entry, with the keys micromamba prints."""
    channel = str(record.get("channel") or record["url"].rsplit("/", 2)[0])
    return {
        "build": record["build"],
        "build_number": record.get("build_number", 0),
        "build_string": record["build"],
        "channel": ctx.channel_field(channel, record["subdir"]),
        "constrains": _nullable(ctx, record.get("constrains")),
        "depends": _nullable(ctx, record.get("depends")),
        "fn": record.get("fn") or record["url"].rsplit("/", 1)[-1],
        "license": record.get("license", ""),
        "md5": record.get("md5", ""),
        "name": record["name"],
        "sha256": record.get("sha256", ""),
        "size": record.get("size", 0),
        "subdir": record["subdir"],
        "timestamp": record.get("timestamp", 0),
        "url": record["url"],
        "version": record["version"],
    }


def list_entry(ctx: Context, record: dict[str, Any]) -> dict[str, Any]:
    """One `micromamba list --json` entry for a conda package."""
    channel = str(record.get("channel") or record["url"].rsplit("/", 2)[0]).rstrip("/")
    entry: dict[str, Any] = {
        "base_url": channel,
        "build_number": record.get("build_number", 0),
        "build_string": record["build"],
        "channel": ctx.channel_field(channel, record["subdir"]),
        "dist_name": f"{record['name']}-{record['version']}-{record['build']}",
        "name": record["name"],
        "platform": record["subdir"],
        "version": record["version"],
    }
    if ctx.version_tuple >= (2, 0, 7):
        entry["url"] = record["url"]
        entry["md5"] = record.get("md5", "")
    if ctx.version_tuple >= (2, 1, 1):
        entry["sha256"] = record.get("sha256", "")
    return entry


def pip_list_entry(ctx: Context, package: PipPackage) -> dict[str, Any]:
    """One `micromamba list --json` entry for a pip-installed package (2.0.4+)."""
    entry: dict[str, Any] = {
        "base_url": "https://pypi.org/",
        "build_number": 0,
        "build_string": "pypi_0",
        "channel": "pypi",
        "dist_name": f"{package.name}-{package.version}-pypi_0",
        "name": package.name,
        "platform": ctx.platform,
        "version": package.version,
    }
    if ctx.version_tuple >= (2, 0, 7):
        entry["url"] = ""
        entry["md5"] = ""
    if ctx.version_tuple >= (2, 1, 1):
        entry["sha256"] = ""
    return entry


_SPECS_LINE = re.compile(r"^# (update|remove) specs: (\[.*\])$")


def _history_events(prefix: Path) -> Iterator[tuple[str, list[str]]]:
    history = prefix / "conda-meta" / "history"
    if not history.is_file():
        return
    for line in history.read_text().splitlines():
        match = _SPECS_LINE.match(line.strip())
        if match:
            try:
                specs = json.loads(match.group(2))
            except json.JSONDecodeError:
                continue
            yield match.group(1), [str(spec) for spec in specs]


def spec_name(spec: str) -> str:
    """The package name of a MatchSpec string (`conda-forge::numpy>=1` -> `numpy`)."""
    bare = spec.split("::")[-1].strip()
    return re.split(r"[\s=<>!~\[]", bare, maxsplit=1)[0]


def requested_specs(prefix: Path) -> dict[str, str]:
    """The user-requested specs recorded in conda-meta/history, by package name."""
    specs: dict[str, str] = {}
    for kind, entries in _history_events(prefix):
        for spec in entries:
            if kind == "update":
                specs[spec_name(spec)] = spec
            else:
                specs.pop(spec_name(spec), None)
    return specs


def env_vars(prefix: Path) -> dict[str, str]:
    """The `env_vars` micromamba keeps in conda-meta/state (environment.yml `variables:`)."""
    state = prefix / "conda-meta" / "state"
    try:
        data = json.loads(state.read_text())
    except (OSError, json.JSONDecodeError):
        return {}
    found = data.get("env_vars") if isinstance(data, dict) else None
    return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}
