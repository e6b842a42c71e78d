"""Channel names to URLs the way micromamba resolves them, then through devkit.yaml's mirrors.

micromamba reads ``channel_alias``, ``default_channels``, ``custom_channels`` and ``channels``
from its rc files (micromamba's own search order); a name becomes ``<alias>/<name>``,
``defaults`` becomes the default channels, and ``nodefaults`` drops them. devkit repeats that so
a solve here asks the same channels micromamba would, then applies ``mirrors:`` so a company
mirror (or, in tests, a local ``file://`` channel) answers instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devkit import yamlfile
from devkit.conda.platforms import PLATFORM
from devkit.errors import FileFormatError

DEFAULT_ALIAS = "https://conda.anaconda.org"
DEFAULT_CHANNELS = ("https://repo.anaconda.com/pkgs/main", "https://repo.anaconda.com/pkgs/r")


# micromamba's `channel_priority` values.
CHANNEL_PRIORITIES = ("strict", "flexible", "disabled")


@dataclass(frozen=True)
class RcSettings:
    """The rc-file settings that decide where channels are."""

    channel_alias: str = DEFAULT_ALIAS
    default_channels: tuple[str, ...] = DEFAULT_CHANNELS
    custom_channels: dict[str, str] = field(default_factory=dict)
    channels: tuple[str, ...] = ()
    sources: tuple[Path, ...] = ()


@dataclass(frozen=True)
class Channel:
    """A resolved channel: the name it was written as, its URL, and where it is fetched from."""

    name: str
    url: str
    fetch_url: str

    @property
    def mirrored(self) -> bool:
        """Whether a devkit.yaml mirror answers for this channel."""
        return self.url != self.fetch_url


def rc_files(root_prefix: Path, env: Mapping[str, str], home: Path) -> list[Path]:
    """micromamba's rc files that exist, lowest precedence first."""
    xdg = Path(env.get("XDG_CONFIG_HOME") or home / ".config")
    candidates = [
        Path("/etc/conda/.condarc"),
        Path("/etc/conda/condarc"),
        Path("/etc/conda/.mambarc"),
        root_prefix / ".condarc",
        root_prefix / "condarc",
        root_prefix / ".mambarc",
        xdg / "conda" / ".condarc",
        home / ".conda" / ".condarc",
        home / ".condarc",
        home / ".mambarc",
        *(Path(env[var]) for var in ("CONDARC", "MAMBARC") if env.get(var)),
    ]
    found: list[Path] = []
    for path in candidates:
        if path.is_file() and path not in found:
            found.append(path)
    return found


def read_rc(files: Iterable[Path]) -> RcSettings:
    """Merge rc files: scalars from the highest file that sets them, lists highest first."""
    merged: dict[str, Any] = {}
    files = list(files)
    for path in reversed(files):
        try:
            data = yamlfile.load(path) or {}
        except FileFormatError:
            continue  # doctor's condarc check reports unreadable rc files
        if not isinstance(data, dict):
            continue
        for key, value in data.items():
            if isinstance(value, list):
                bucket = merged.setdefault(key, [])
                bucket.extend(v for v in value if v not in bucket)
            elif isinstance(value, dict):
                merged[key] = {**value, **merged.get(key, {})}
            else:
                merged.setdefault(key, value)
    custom = merged.get("custom_channels") or {}
    return RcSettings(
        channel_alias=str(merged.get("channel_alias") or DEFAULT_ALIAS).rstrip("/"),
        default_channels=tuple(str(c) for c in merged.get("default_channels") or DEFAULT_CHANNELS),
        custom_channels={str(k): str(v).rstrip("/") for k, v in custom.items()},
        channels=tuple(str(c) for c in merged.get("channels") or ()),
        sources=tuple(files),
    )


def machine_rc(root_prefix: Path) -> RcSettings:
    """The rc settings micromamba would see on this machine."""
    return read_rc(rc_files(root_prefix, os.environ, Path.home()))


def _url(token: str, rc: RcSettings) -> str:
    if "://" in token:
        return token
    if token.startswith(("/", "./", "../", "~")):
        return Path(token).expanduser().absolute().as_uri()
    first = token.split("/")[0]
    base = rc.custom_channels.get(first, rc.channel_alias)
    return f"{base}/{token}"


def _mirror(url: str, mirrors: Mapping[str, str]) -> str:
    # The longest matching prefix wins, so a mirror for one channel beats one for its host.
    for source in sorted(mirrors, key=len, reverse=True):
        if url == source or url.startswith(source + "/"):
            return mirrors[source] + url[len(source) :]
    return url


def resolve_one(token: str, rc: RcSettings, mirrors: Mapping[str, str]) -> list[Channel]:
    """One channel token (a name, a URL, a path, ``defaults``) -> its channels."""
    token = token.strip().rstrip("/")
    if token == "defaults":  # noqa: S105 - a channel name, not a secret
        return [c for d in rc.default_channels for c in resolve_one(d, rc, mirrors)]
    url = _url(token, rc).rstrip("/")
    name = token
    if "://" in token and url.startswith(rc.channel_alias + "/"):
        name = url[len(rc.channel_alias) + 1 :]
    return [Channel(name=name, url=url, fetch_url=_mirror(url, mirrors))]


def resolve(
    tokens: Iterable[str], rc: RcSettings, mirrors: Mapping[str, str]
) -> tuple[Channel, ...]:
    """The file's channels, then the rc ``channels`` (as micromamba adds them), deduplicated."""
    wanted = [*tokens, *rc.channels]
    if "nodefaults" in wanted:
        wanted = [t for t in wanted if t not in ("nodefaults", "defaults")]
    result: list[Channel] = []
    for token in wanted:
        for channel in resolve_one(token, rc, mirrors):
            if channel.url not in [c.url for c in result]:
                result.append(channel)
    return tuple(result)


def short_name(channel: str) -> str:
    """A channel's display name from a URL or a name: its last path part, minus any subdir.

    conda and micromamba 1.x record ``https://conda.anaconda.org/conda-forge/linux-64`` in
    conda-meta (``…/noarch`` for the next package), micromamba 2.x ``conda-forge``: all are
    ``conda-forge``, or one env would show channel drift against itself.
    """
    parts = [p for p in channel.rstrip("/").split("/") if p]
    if len(parts) > 1 and (parts[-1] == "noarch" or PLATFORM.match(parts[-1])):
        parts.pop()
    return parts[-1] if parts else channel


def name_of(base_url: str, channels: Iterable[Channel]) -> str:
    """The display name of the channel a package URL or base URL belongs to."""
    base = base_url.rstrip("/")
    for channel in channels:
        for url in (channel.fetch_url, channel.url):
            if base == url or base.startswith(url + "/"):
                return channel.name
    return short_name(base)
