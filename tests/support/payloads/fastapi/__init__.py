"""FastAPI stand-in: decorator routes whose return values are served as JSON by an ASGI app."""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

__version__ = "0.78.0"

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Endpoint = Callable[..., Any]

_REASONS = {200: "OK", 404: "Not Found", 405: "Method Not Allowed", 422: "Unprocessable Entity"}


class HTTPException(Exception):
    """Raise from an endpoint to answer with `status_code` and `{"detail": detail}`."""

    def __init__(self, status_code: int, detail: Any = None) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail if detail is not None else _REASONS.get(status_code, "Error")


@dataclass(frozen=True)
class _Route:
    method: str
    path: str
    pattern: re.Pattern[str]
    endpoint: Endpoint


def _compile(path: str) -> re.Pattern[str]:
    # FastAPI path parameters look like /env/{name}; each matches one path segment.
    regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path)
    return re.compile(f"^{regex}$")


def _convert(value: str, annotation: Any) -> Any:
    if annotation in (int, "int"):
        return int(value)
    if annotation in (float, "float"):
        return float(value)
    return value


class FastAPI:
    """The application: register routes with `@app.get(path)`, serve it with uvicorn."""

    def __init__(self, title: str = "FastAPI", **_: Any) -> None:
        self.title = title
        self.routes: list[_Route] = []
        self._handlers: dict[str, list[Callable[[], Any]]] = {"startup": [], "shutdown": []}

    def _route(self, method: str, path: str) -> Callable[[Endpoint], Endpoint]:
        def register(endpoint: Endpoint) -> Endpoint:
            self.routes.append(_Route(method, path, _compile(path), endpoint))
            return endpoint

        return register

    def get(self, path: str, **_: Any) -> Callable[[Endpoint], Endpoint]:
        """Register a GET endpoint."""
        return self._route("GET", path)

    def post(self, path: str, **_: Any) -> Callable[[Endpoint], Endpoint]:
        """Register a POST endpoint."""
        return self._route("POST", path)

    def on_event(self, event: str) -> Callable[[Endpoint], Endpoint]:
        """Register a startup or shutdown handler."""

        def register(handler: Endpoint) -> Endpoint:
            self._handlers[event].append(handler)
            return handler

        return register

    async def _run_handlers(self, event: str) -> None:
        for handler in self._handlers[event]:
            result = handler()
            if inspect.isawaitable(result):
                await result

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await self._run_handlers("startup")
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self._run_handlers("shutdown")
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _call_endpoint(self, scope: Scope) -> tuple[int, Any]:
        path, method = scope["path"], scope["method"]
        allowed = False
        for route in self.routes:
            match = route.pattern.match(path)
            if not match:
                continue
            if route.method != method:
                allowed = True
                continue
            params = inspect.signature(route.endpoint).parameters
            query = dict(parse_qsl(scope.get("query_string", b"").decode()))
            values = {**query, **match.groupdict()}
            kwargs = {
                name: _convert(values[name], param.annotation)
                for name, param in params.items()
                if name in values
            }
            result = route.endpoint(**kwargs)
            if inspect.isawaitable(result):
                result = await result
            return 200, result
        if allowed:
            return 405, {"detail": "Method Not Allowed"}
        return 404, {"detail": "Not Found"}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The ASGI entry point."""
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        try:
            status, payload = await self._call_endpoint(scope)
        except HTTPException as error:
            status, payload = error.status_code, {"detail": error.detail}
        body = json.dumps(payload).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
