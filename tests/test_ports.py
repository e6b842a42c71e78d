"""Port checks against real sockets on 127.0.0.1."""

from __future__ import annotations

import os
import socket

from devkit import ports


def test_a_listening_port_is_taken_and_its_holder_named() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        assert not ports.is_free("127.0.0.1", port)
        holder = ports.holder(port)
        assert holder.pid == os.getpid()
        assert f"(pid {os.getpid()})" in holder.describe()


def test_a_closed_port_is_free() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert ports.is_free("127.0.0.1", port)
    assert ports.holder(port).pid is None
