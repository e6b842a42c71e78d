"""Serve an ASGI app over HTTP/1.1 with asyncio streams, printing uvicorn's log lines."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import os
import signal
import sys
from collections.abc import Awaitable, Callable, MutableMapping
from http import HTTPStatus
from typing import Any

Message = MutableMapping[str, Any]
App = Callable[[MutableMapping[str, Any], Callable[[], Awaitable[Message]], Any], Awaitable[None]]


def _log(message: str, stream: Any = None) -> None:
    # Real uvicorn logs to stderr and its access log to stdout, prefixed by the padded level.
    print(f"INFO:     {message}", file=stream or sys.stderr, flush=True)


def _error(message: str) -> None:
    print(f"ERROR:    {message}", file=sys.stderr, flush=True)


def import_app(target: str) -> App:
    """Import "module:attribute", the way the uvicorn command line names an app."""
    module_name, _, attribute = target.partition(":")
    if not attribute:
        raise SystemExit(f'Error loading ASGI app. Import string "{target}" must be in format ')
    module = importlib.import_module(module_name)
    app: Any = module
    for part in attribute.split("."):
        app = getattr(app, part)
    return app


class _Server:
    def __init__(self, app: App, host: str, port: int) -> None:
        self.app, self.host, self.port = app, host, port
        self.should_exit = asyncio.Event()

    async def _lifespan(self, phase: str) -> None:
        queue: asyncio.Queue[Message] = asyncio.Queue()
        await queue.put({"type": f"lifespan.{phase}"})
        done = asyncio.Event()

        async def receive() -> Message:
            return await queue.get()

        async def send(message: Message) -> None:
            if message["type"].startswith(f"lifespan.{phase}."):
                done.set()

        scope = {"type": "lifespan", "asgi": {"version": "3.0"}}
        task = asyncio.ensure_future(self.app(scope, receive, send))
        waiter = asyncio.ensure_future(done.wait())
        await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()
        if not task.done():
            # The app keeps its lifespan coroutine waiting for the next phase; drop it.
            task.cancel()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            writer.close()
            return
        request_line, *header_lines = head.decode("latin-1").split("\r\n")
        method, target, version = request_line.split(" ", 2)
        headers = [
            (name.strip().lower().encode("latin-1"), value.strip().encode("latin-1"))
            for name, _, value in (line.partition(":") for line in header_lines if line)
        ]
        length = int(dict(headers).get(b"content-length", b"0"))
        body = await reader.readexactly(length) if length else b""
        path, _, query = target.partition("?")
        client = writer.get_extra_info("peername") or ("127.0.0.1", 0)
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": version.removeprefix("HTTP/"),
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query.encode(),
            "root_path": "",
            "headers": headers,
            "client": client[:2],
            "server": (self.host, self.port),
        }
        messages: list[Message] = [{"type": "http.request", "body": body, "more_body": False}]
        response: dict[str, Any] = {"status": 500, "headers": [], "body": b""}

        async def receive() -> Message:
            return messages.pop(0) if messages else {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            if message["type"] == "http.response.start":
                response["status"] = message["status"]
                response["headers"] = list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                response["body"] += message.get("body", b"")

        await self.app(scope, receive, send)
        status = HTTPStatus(response["status"])
        lines = [f"HTTP/1.1 {status.value} {status.phrase}".encode()]
        names = {name.lower() for name, _ in response["headers"]}
        header_pairs = list(response["headers"])
        if b"content-length" not in names:
            header_pairs.append((b"content-length", str(len(response["body"])).encode()))
        header_pairs += [(b"server", b"uvicorn"), (b"connection", b"close")]
        lines += [name + b": " + value for name, value in header_pairs]
        writer.write(b"\r\n".join(lines) + b"\r\n\r\n" + response["body"])
        with contextlib.suppress(ConnectionError):
            await writer.drain()
        writer.close()
        request = f"{method} {target} {version}"
        _log(f'{client[0]}:{client[1]} - "{request}" {status.value} {status.phrase}', sys.stdout)

    async def serve(self) -> int:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, self.should_exit.set)
        _log(f"Started server process [{os.getpid()}]")
        _log("Waiting for application startup.")
        await self._lifespan("startup")
        _log("Application startup complete.")
        try:
            server = await asyncio.start_server(self._handle, self.host, self.port)
        except OSError as error:
            reason = (error.strerror or "").lower()
            _error(
                f"[Errno {error.errno}] error while attempting to bind on address "
                f"('{self.host}', {self.port}): {reason}"
            )
            _log("Waiting for application shutdown.")
            _log("Application shutdown complete.")
            return 1
        _log(f"Uvicorn running on http://{self.host}:{self.port} (Press CTRL+C to quit)")
        await self.should_exit.wait()
        _log("Shutting down")
        server.close()
        await server.wait_closed()
        _log("Waiting for application shutdown.")
        await self._lifespan("shutdown")
        _log("Application shutdown complete.")
        _log(f"Finished server process [{os.getpid()}]")
        return 0


def run(app: App | str, host: str = "127.0.0.1", port: int = 8000, **_: Any) -> int:
    """Serve `app` until SIGINT or SIGTERM; return the exit code (0 after a clean shutdown)."""
    resolved = import_app(app) if isinstance(app, str) else app
    return asyncio.run(_Server(resolved, host, port).serve())


def main(argv: list[str] | None = None) -> int:
    """The `uvicorn APP [--host H] [--port P]` command."""
    parser = argparse.ArgumentParser(prog="uvicorn")
    parser.add_argument("app")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--app-dir", default=".")
    parser.add_argument("--log-level", default="info")
    parser.add_argument("--reload", action="store_true")
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args(argv)
    # Like real uvicorn, the app is imported relative to the working directory (or --app-dir).
    sys.path.insert(0, os.path.abspath(args.app_dir))
    return run(args.app, host=args.host, port=args.port)
