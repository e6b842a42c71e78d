"""A channel that cannot be read, as an error naming it, its URL and the mirror settings.

A host that failed once in a run is remembered in ``network.Access`` and not asked again.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from devkit.conda.channels import Channel
from devkit.conda.network import Access
from devkit.errors import DevkitError

_URL = re.compile(r"[a-z][a-z0-9+.-]*://[^\s`'\")]+")


def refuse_known_failures(channels: Sequence[Channel], net: Access) -> None:
    """Raise for the first channel on a host that already failed in this run: not asked again."""
    for channel in channels:
        known = net.known_failure(channel.fetch_url)
        if known is not None:
            raise _channel_error(channel, f"{known.detail} (its host already failed in this run)")


_MIRROR_HINT = (
    "check the URL and your network (`devkit doctor --check network.channels`); a company "
    "mirror goes in devkit.yaml `mirrors:`, or in ~/.condarc as `channel_alias` or "
    "`mirrored_channels` (docs/network.md)"
)


def _channel_error(channel: Channel, detail: str) -> DevkitError:
    where = channel.fetch_url + (f" (mirror of {channel.url})" if channel.mirrored else "")
    return DevkitError(
        f"cannot read channel `{channel.name}` at {where}: {detail}", hint=_MIRROR_HINT
    )


def unreachable(
    exc: BaseException, channels: Sequence[Channel], net: Access | None = None
) -> DevkitError:
    """A repodata fetch failure as a DevkitError naming the channel, its URL and the mirror
    settings; a failure of the host is remembered in ``net`` for the rest of the run."""
    text = str(exc).strip()
    urls = _URL.findall(text)
    culprit = next(
        (c for c in channels for url in urls if url.startswith(c.fetch_url.rstrip("/") + "/")),
        None,
    )
    detail = text.splitlines()[-1].removeprefix("Caused by: ") if text else type(exc).__name__
    if net is not None:
        for url in [culprit.fetch_url] if culprit else [c.fetch_url for c in channels]:
            net.record(url, text)
    if culprit is not None:
        return _channel_error(culprit, detail)
    listing = ", ".join(c.fetch_url for c in channels)
    return DevkitError(f"cannot read the channels ({listing}): {detail}", hint=_MIRROR_HINT)
