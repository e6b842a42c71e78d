"""Is a TCP port free, and if not, which process holds it."""

from __future__ import annotations

import errno
import socket
from typing import NamedTuple

from devkit.errors import PreflightError

DEFAULT_PORT = 8080  # what entrypoint.sh and Cloud Run use
DEFAULT_HOST = "127.0.0.1"  # a laptop should not serve on every interface unless asked


class PortHolder(NamedTuple):
    """A process listening on a port (as far as the OS lets devkit see)."""

    pid: int | None
    name: str | None

    def describe(self) -> str:
        """``uvicorn (pid 4242)`` or a note that the holder is not visible."""
        if self.pid is None:
            return "a process devkit cannot see (another user's, or hidden by the OS)"
        return f"{self.name or 'a process'} (pid {self.pid})"


def parse_port(text: str, where: str) -> int:
    """A TCP port number from text; anything else is a preflight error naming where it is set."""
    try:
        port = int(text.strip())
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:
        # The value itself may come from a .env file: say where, not what.
        raise PreflightError(
            f"PORT (from {where}) is not a port number", hint="set it to 1-65535, e.g. 8080"
        )
    return port


def is_free(host: str, port: int) -> bool:
    """Whether a server could bind ``host:port`` right now."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        # Same option uvicorn sets, so a port in TIME_WAIT counts as free, as it is for it.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            reason = exc.strerror or str(exc)
            raise PreflightError(
                f"cannot listen on {host}:{port}: {reason}",
                hint="--host takes an address of this machine (127.0.0.1, 0.0.0.0, ::1)",
            ) from exc
    return True


def holder(port: int) -> PortHolder:
    """The process listening on ``port``, via psutil; unknown when the OS hides it."""
    import psutil

    try:
        connections = psutil.net_connections(kind="tcp")
    except (psutil.AccessDenied, PermissionError):
        connections = []
    for conn in connections:
        if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port:
            if conn.pid is None:
                break
            try:
                return PortHolder(conn.pid, psutil.Process(conn.pid).name())
            except psutil.Error:
                return PortHolder(conn.pid, None)
    return PortHolder(None, None)
