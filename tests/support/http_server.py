"""A loopback HTTP(S) file server (stdlib), standing in for GitHub releases or a company mirror."""

from __future__ import annotations

import functools
import ssl
import threading
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


class _QuietHandler(SimpleHTTPRequestHandler):
    requests: list[str]

    def parse_request(self) -> bool:
        """Remember each path as it arrives (before answering, so callers see it at once)."""
        parsed = super().parse_request()
        if parsed:
            self.requests.append(self.path)
        return parsed

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output clean."""


@dataclass
class FileServer:
    """Serves `directory` on 127.0.0.1 at an ephemeral port; `requests` logs each path asked.

    With `tls` (a server context, see tls.py) it speaks HTTPS only.
    """

    directory: Path
    requests: list[str] = field(default_factory=list)
    tls: ssl.SSLContext | None = None
    _server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        """http(s)://127.0.0.1:<port> (no trailing slash)."""
        assert self._server is not None, "server not started"
        host, port = self._server.server_address[:2]
        return f"{'https' if self.tls else 'http'}://{host!s}:{port}"

    def url(self, path: str) -> str:
        """The URL of a file below `directory`."""
        return f"{self.base_url}/{path.lstrip('/')}"

    def start(self) -> FileServer:
        """Bind and serve in a daemon thread."""
        # A subclass per server: each FileServer logs into its own list.
        bound = type("_BoundHandler", (_QuietHandler,), {"requests": self.requests})
        handler = functools.partial(bound, directory=str(self.directory))
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        if self.tls is not None:
            # A client that rejects the certificate fails the handshake in accept(), which the
            # server shrugs off (an OSError there just drops that connection).
            self._server.socket = self.tls.wrap_socket(self._server.socket, server_side=True)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
