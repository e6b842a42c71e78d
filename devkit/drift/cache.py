"""Drift results kept between runs, so ``devkit doctor`` re-solves only when something changed.

An entry is keyed by everything a solve depends on: the environment file's bytes, the channels,
targets and priority, and the state of the channel data. For a local (``file://``) channel
that state is its repodata files' size and modification time; for a remote one it is what
devkit's repodata cache last fetched, and since only a fetch can tell whether the server has
something newer, entries involving a remote channel expire after ``REMOTE_MAX_AGE``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from devkit import __version__, atomic
from devkit.conda import network, solve
from devkit.conda.envspec import EnvSpec
from devkit.conda.solve import SolveRequest, gateway_cache
from devkit.drift import document
from devkit.drift.project import solved_report
from devkit.errors import DevkitError
from devkit.repo.monorepo import Monorepo, Project

REMOTE_MAX_AGE = 24 * 3600.0
_REPODATA_FILES = ("repodata.json", "repodata.json.zst", "repodata_shards.msgpack.zst")


def _local_state(url: str, subdirs: list[str]) -> list[Any]:
    folder = Path(unquote(urlparse(url).path))
    state: list[Any] = []
    for subdir in subdirs:
        for name in _REPODATA_FILES:
            try:
                stat = (folder / subdir / name).stat()
            except OSError:
                continue
            state.append([subdir, name, stat.st_mtime_ns, stat.st_size])
    return state


def _remote_state(url: str, subdirs: list[str], cache_dir: Path) -> list[Any]:
    wanted = tuple(f"{url.rstrip('/')}/{subdir}/" for subdir in subdirs)
    state: list[Any] = []
    # rattler's cache keeps, beside each fetched repodata, an `.info.json` naming its URL and
    # a hash of its content: the cheapest honest answer to "has this channel changed?".
    for info in sorted(gateway_cache(cache_dir).glob("*.info.json")):
        try:
            data = json.loads(info.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        source = str(data.get("url", "")) if isinstance(data, dict) else ""
        if source.startswith(wanted):
            state.append([source, data.get("blake2_hash") or data.get("etag") or data.get("mod")])
    return state


def key(spec: EnvSpec, request: SolveRequest, cache_dir: Path) -> tuple[str, bool]:
    """The cache key of a solve, and whether it involves a remote channel."""
    subdirs = sorted({t.platform for t in request.targets} | {"noarch"})
    remote = False
    channels = []
    for channel in request.channels:
        if channel.fetch_url.startswith("file://"):
            state = _local_state(channel.fetch_url, subdirs)
        else:
            remote = True
            state = _remote_state(channel.fetch_url, subdirs, cache_dir)
        channels.append([channel.fetch_url, state])
    material = {
        "devkit": __version__,
        "file": spec.fingerprint,
        "specs": [d.text for d in request.specs],
        "targets": [[t.platform, list(t.virtual_packages)] for t in request.targets],
        "priority": request.priority,
        "channels": channels,
    }
    digest = hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()
    return digest, remote


def _entry_path(cache_dir: Path, spec: EnvSpec) -> Path:
    name = hashlib.sha256(str(spec.path.resolve()).encode()).hexdigest()[:20]
    return cache_dir / "drift" / f"{name}.json"


def load(cache_dir: Path, spec: EnvSpec, wanted: str) -> dict[str, Any] | None:
    """The cached report for this key, if there is a fresh one."""
    try:
        entry = json.loads(_entry_path(cache_dir, spec).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(entry, dict) or entry.get("key") != wanted:
        return None
    age = time.time() - float(entry.get("created", 0))
    if entry.get("remote") and not 0 <= age <= REMOTE_MAX_AGE:
        return None
    report = entry.get("report")
    return report if isinstance(report, dict) else None


def store(
    cache_dir: Path, spec: EnvSpec, wanted: str, remote: bool, report: dict[str, Any]
) -> None:
    """Keep a report; a cache that cannot be written only costs a solve next time."""
    path = _entry_path(cache_dir, spec)
    entry = {"key": wanted, "remote": remote, "created": time.time(), "report": report}
    with contextlib.suppress(OSError):
        atomic.write_text(path, json.dumps(entry))


class UnreachableChannels(DevkitError):
    """A channel this run already failed to reach: not asked again, not reported again."""


def report(
    monorepo: Monorepo,
    project: Project,
    spec: EnvSpec,
    request: SolveRequest,
    cache_dir: Path,
    net: network.Access,
) -> dict[str, Any]:
    """drift.platforms' report: the cached one for this request, else a fresh solve's (stored).

    A channel that cannot be read raises ``DevkitError``; one that already failed in this run
    raises ``UnreachableChannels`` at once (offline, a hundred projects cost one timeout).
    """
    wanted, remote = key(spec, request, cache_dir)
    found = load(cache_dir, spec, wanted)
    if found is not None:
        return found
    down = [c.name for c in request.channels if net.known_failure(c.fetch_url)]
    if down:
        raise UnreachableChannels(
            f"cannot solve: channel {', '.join(down)} unreachable in this run"
        )
    solves = solve.solve(request, cache_dir, net)
    fresh = document.report_dict(solved_report(project, spec, request, solves, monorepo.root))
    # Keyed as the solve found the channels: a fetch may have refreshed a remote's repodata.
    wanted, remote = key(spec, request, cache_dir)
    store(cache_dir, spec, wanted, remote, fresh)
    return fresh
