"""Downloading a file so an interruption or a bad checksum never leaves it looking installed.

Requests go through the proxy and trust the CAs of the ``NetSettings`` given (netconfig.py);
a certificate that is refused is explained (who issued it, and the setting that fixes it).
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
import tempfile
import time
import urllib.error
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from devkit.errors import DownloadError
from devkit.net import netconfig, netprobe
from devkit.net.netconfig import NetSettings

_CHUNK = 1 << 16
Progress = Callable[[int, int | None], None]  # (bytes so far, total or None)


def check_url(url: str) -> None:
    """Refuse plain HTTP except to this machine: a mirror must not be spoofable on the way."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https":
        return
    if parts.scheme == "http" and _is_loopback(parts.hostname or ""):
        return
    raise DownloadError(
        f"refusing to download from {url}: only https:// (or http:// to 127.0.0.1/localhost)",
        hint="point DEVKIT_MICROMAMBA_URL at an https mirror",
    )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# Waits before the second and third try: a reset connection or a mirror's brief 5xx is common
# and passes; a 4xx or a refused connection does not, and is reported at once.
_RETRY_DELAYS = (0.3, 1.0)


def _transient(exc: BaseException) -> bool:
    if isinstance(exc, urllib.error.HTTPError):
        return exc.code >= 500
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    return isinstance(reason, ConnectionResetError | ConnectionAbortedError | TimeoutError)


def _open(url: str, timeout: float, net: NetSettings) -> Any:
    for delay in (*_RETRY_DELAYS, None):
        try:
            return netconfig.urlopen(url, net, timeout=timeout)
        except (urllib.error.URLError, OSError) as exc:
            if delay is None or not _transient(exc):
                raise failed(url, exc, net, timeout) from exc
            time.sleep(delay)
    raise AssertionError("unreachable")


def failed(url: str, exc: BaseException, net: NetSettings, timeout: float) -> DownloadError:
    """A failed download as an error; a refused certificate says who issued it and what fixes
    it, a proxy that refused says which proxy."""
    if isinstance(exc, urllib.error.HTTPError):
        return DownloadError(f"cannot download {url}: {_reason(exc)}")
    probe = netprobe.failure(url, exc, net, timeout)
    if probe.detail.startswith("TLS"):
        host = urllib.parse.urlsplit(url).hostname or url
        message, hint = netprobe.tls_advice(probe.tls_issuer, host)
        return DownloadError(f"cannot download {url}: {message} ({probe.detail})", hint=hint)
    return DownloadError(f"cannot download {url}: {probe.detail}")


def fetch_text(url: str, *, net: NetSettings | None = None, timeout: float = 30) -> str:
    """A small text file (a checksum), stripped."""
    check_url(url)
    net = net or NetSettings()
    try:
        with _open(url, timeout, net) as response:
            return response.read(4096).decode("ascii", errors="replace").strip()
    except (urllib.error.URLError, OSError) as exc:
        raise failed(url, exc, net, timeout) from exc


def fetch_verified(
    url: str,
    dest: Path,
    sha256: str,
    *,
    progress: Progress | None = None,
    net: NetSettings | None = None,
    timeout: float = 60,
) -> Path:
    """Download ``url`` to ``dest`` via a temp file beside it; rename only if the sha256 matches.

    On any failure, a wrong checksum or Ctrl-C, the temp file is removed and ``dest`` is
    untouched, so nothing half-downloaded can be mistaken for the real thing. ``progress`` is
    first called with the first bytes of the file, never before.
    """
    check_url(url)
    net = net or NetSettings()
    expected = sha256.strip().lower()
    if len(expected) != 64 or any(c not in "0123456789abcdef" for c in expected):
        raise DownloadError(f"the published checksum for {url} is not a sha256: {sha256[:80]!r}")
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    tmp = Path(tmp_name)
    try:
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as out:
            try:
                with _open(url, timeout, net) as response:
                    total = response.length
                    done = 0
                    while chunk := response.read(_CHUNK):
                        out.write(chunk)
                        digest.update(chunk)
                        done += len(chunk)
                        if progress:
                            progress(done, total)
            except (urllib.error.URLError, OSError) as exc:
                raise failed(url, exc, net, timeout) from exc
            if total is not None and done != total:
                raise DownloadError(f"download of {url} stopped at {done} of {total} bytes")
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != expected:
            raise DownloadError(
                f"checksum mismatch for {url}: expected {expected}, got {digest.hexdigest()}",
                hint="nothing was installed; retry, and if it persists check the mirror",
            )
        tmp.chmod(0o755)
        tmp.replace(dest)
        return dest
    finally:
        tmp.unlink(missing_ok=True)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    if isinstance(exc, urllib.error.URLError):
        return str(exc.reason)
    return str(exc)
