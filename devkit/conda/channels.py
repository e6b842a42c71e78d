"""Channel names to URLs the way micromamba resolves them, then through devkit.yaml's mirrors.

micromamba reads ``channel_alias``, ``default_channels``, ``custom_channels``,
``custom_multichannels``, ``mirrored_channels`` and ``channels`` from its rc files (read by
condarc.py); a name becomes ``<alias>/<name>``, ``defaults`` (or another multichannel) becomes
its channels, and ``nodefaults`` drops the defaults. devkit repeats that so a solve here asks the
same channels micromamba would, then applies ``mirrors:`` so a company mirror (or, in tests, a
local ``file://`` channel) answers instead; without one, the first of the rc's
``mirrored_channels`` for that name does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import NamedTuple

from devkit.conda.condarc import Condarc
from devkit.conda.platforms import PLATFORM

# micromamba's `channel_priority` values.
CHANNEL_PRIORITIES = ("strict", "flexible", "disabled")


class Channel(NamedTuple):
    """A resolved channel: the name it was written as, its URL, and where it is fetched from."""

    name: str
    url: str
    fetch_url: str

    @property
    def mirrored(self) -> bool:
        """Whether a mirror (devkit.yaml's or the rc's ``mirrored_channels``) answers for it."""
        return self.url != self.fetch_url


def _url(token: str, rc: Condarc) -> str:
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


def resolve_one(token: str, rc: Condarc, mirrors: Mapping[str, str]) -> list[Channel]:
    """One channel token (a name, a URL, a path, ``defaults``) -> its channels."""
    token = token.strip().rstrip("/")
    multi = rc.custom_multichannels
    if token in multi or token == "defaults":  # noqa: S105 - a channel name, not a secret
        members = multi.get(token) or rc.default_channels
        return [c for m in members if m != token for c in resolve_one(m, rc, mirrors)]
    url = _url(token, rc).rstrip("/")
    name = token
    if "://" in token and url.startswith(rc.channel_alias + "/"):
        name = url[len(rc.channel_alias) + 1 :]
    fetch_url = _mirror(url, mirrors)
    rc_mirrors = rc.mirrored_channels.get(name)
    if fetch_url == url and rc_mirrors:
        fetch_url = rc_mirrors[0]  # devkit.yaml's mirrors win: they are the team's choice
    return [Channel(name=name, url=url, fetch_url=fetch_url)]


def resolve(tokens: Iterable[str], rc: Condarc, mirrors: Mapping[str, str]) -> tuple[Channel, ...]:
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
