"""Verified downloads against real sockets on 127.0.0.1."""

from __future__ import annotations

import contextlib
import hashlib
import socket
import struct
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from devkit.net import download

BODY = b"#!/bin/sh\necho micromamba\n"


@pytest.fixture
def flaky_server() -> Iterator[tuple[str, list[int]]]:
    """Resets the first connection (RST), then answers every request with BODY."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    seen: list[int] = []

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            seen.append(1)
            with conn:
                if len(seen) == 1:
                    # SO_LINGER 0: close with a reset, as a flaky proxy or mirror does.
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    continue
                conn.recv(65536)
                head = (
                    f"HTTP/1.1 200 OK\r\nContent-Length: {len(BODY)}\r\nConnection: close\r\n\r\n"
                )
                conn.sendall(head.encode() + BODY)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}", seen
    # shutdown() wakes the blocked accept(); close() alone would leave the thread accepting on a
    # file descriptor number the next listening socket in this process reuses.
    with contextlib.suppress(OSError):
        listener.shutdown(socket.SHUT_RDWR)
    listener.close()
    thread.join(timeout=5)


def test_a_reset_connection_is_retried(flaky_server: tuple[str, list[int]], tmp_path: Path) -> None:
    url, seen = flaky_server
    dest = tmp_path / "micromamba"
    download.fetch_verified(f"{url}/micromamba-linux-64", dest, hashlib.sha256(BODY).hexdigest())
    assert dest.read_bytes() == BODY
    assert len(seen) == 2


def test_a_refused_connection_fails_at_once(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(download.DownloadError, match="cannot download"):
        download.fetch_text(f"http://127.0.0.1:{port}/x.sha256")


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://github.com/mamba-org/micromamba-releases/releases/latest/download", True),
        ("http://127.0.0.1:8000/mirror", True),
        ("http://localhost/mirror", True),
        ("http://[::1]:8000/mirror", True),
        ("http://mirror.example.com/micromamba", False),
        ("ftp://mirror.example.com/micromamba", False),
        ("file:///tmp/micromamba", False),
    ],
)
def test_only_https_or_loopback(url: str, allowed: bool) -> None:
    if allowed:
        download.check_url(url)
    else:
        with pytest.raises(download.DownloadError, match="only https://"):
            download.check_url(url)


def test_a_malformed_published_checksum_is_refused(tmp_path: Path) -> None:
    with pytest.raises(download.DownloadError, match="is not a sha256"):
        download.fetch_verified("https://example.invalid/x", tmp_path / "x", "<html>oops</html>")
    assert list(tmp_path.iterdir()) == []
