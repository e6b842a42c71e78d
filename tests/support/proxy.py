"""A company's forward proxy, in miniature: plain HTTP forwarding and CONNECT tunnels, logged.

Listens on 127.0.0.1 and forwards only to 127.0.0.1: a test that leaks a request for another
host gets a 403 here instead of reaching the internet, and sees it in `log`.
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_LOOPBACK = ("127.0.0.1", "localhost")


class _ProxyHandler(BaseHTTPRequestHandler):
    log: list[str]
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output clean; `log` records what matters."""

    def do_CONNECT(self) -> None:
        """Open a tunnel: TLS goes through untouched, as through a proxy that does not inspect."""
        self.log.append(f"CONNECT {self.path}")
        host, _, port = self.path.rpartition(":")
        if host not in _LOOPBACK:
            self.send_error(403, "this test proxy reaches 127.0.0.1 only")
            return
        try:
            upstream = socket.create_connection((host, int(port)), timeout=10)
        except OSError:
            self.send_error(502, "upstream refused")
            return
        self.send_response(200, "Connection established")
        self.end_headers()
        self.close_connection = True
        _pipe(self.connection, upstream)

    def _forward(self) -> None:
        self.log.append(f"{self.command} {self.path}")
        parts = urllib.parse.urlsplit(self.path)
        if parts.scheme != "http" or parts.hostname not in _LOOPBACK:
            self.send_error(403, "this test proxy reaches http://127.0.0.1 only")
            return
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        head = [f"{self.command} {path or '/'} HTTP/1.1", f"Host: {parts.netloc}"]
        skip = {"host", "proxy-connection", "connection", "keep-alive"}
        head += [f"{k}: {v}" for k, v in self.headers.items() if k.lower() not in skip]
        head.append("Connection: close")
        try:
            with socket.create_connection((parts.hostname, parts.port or 80), timeout=10) as up:
                up.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + body)
                chunks = []
                while chunk := up.recv(65536):
                    chunks.append(chunk)
        except OSError:
            self.send_error(502, "upstream refused")
            return
        self.close_connection = True
        self.wfile.write(b"".join(chunks))

    do_GET = _forward
    do_HEAD = _forward


def _pipe(client: socket.socket, upstream: socket.socket) -> None:
    sockets = [client, upstream]
    with upstream:
        while True:
            readable, _, broken = select.select(sockets, [], sockets, 30)
            if broken or not readable:
                return
            for sock in readable:
                try:
                    data = sock.recv(65536)
                except OSError:
                    return
                if not data:
                    return
                other = upstream if sock is client else client
                try:
                    other.sendall(data)
                except OSError:
                    return


@dataclass
class Proxy:
    """An HTTP proxy on 127.0.0.1 at an ephemeral port; `log` holds each request line."""

    log: list[str] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        """http://127.0.0.1:<port> (what HTTPS_PROXY or proxy_servers name)."""
        assert self._server is not None, "proxy not started"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> Proxy:
        """Bind and serve in a daemon thread."""
        bound = type("_BoundProxyHandler", (_ProxyHandler,), {"log": self.log})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), bound)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._server is not None:
            with contextlib.suppress(OSError):
                self._server.shutdown()
            self._server.server_close()
