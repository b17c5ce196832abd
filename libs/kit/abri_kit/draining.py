"""A server that was told to stop drains before it stops (``abri_kit.serve``): for ``DRAIN_S`` seconds after the
first SIGTERM it still answers, but every answer closes its connection (``Connection: close``) and ``/readyz``
says it is draining; then uvicorn's graceful shutdown runs.

Why: a client keeps its connections to a server open between requests (the gateway's pool). A server that
closes an idle connection at the moment the client sends a request on it answers nothing, and the client
cannot know whether the request was done (a PUT or a POST without its key is then not sent again: a 502).
While draining, every connection in use is closed by its own answer, so the client opens the next one to a
replica that stays; the gateway's pool drops a connection idle longer than ``abri_gateway.proxy``'s
``POOL_KEEPALIVE_S``, shorter than the drain, so at the stop no connection to this server is left in it.
"""

from __future__ import annotations

import threading

from starlette.types import ASGIApp, Message, Receive, Scope, Send

DRAIN_S = 3.0
"""Seconds between the first SIGTERM and the graceful shutdown (``ABRI_DRAIN_S`` overrides it; 0: none).
Kubernetes' pre-stop hook and the endpoints' removal come first; the pod's grace period covers both."""

_draining = threading.Event()


def start() -> None:
    _draining.set()


def draining() -> bool:
    return _draining.is_set()


class CloseWhileDraining:
    """Pure ASGI middleware: while the server drains, every answer says ``Connection: close``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def closing(message: Message) -> None:
            if message["type"] == "http.response.start" and _draining.is_set():
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"connection"]
                message = {**message, "headers": [*headers, (b"connection", b"close")]}
            await send(message)

        await self.app(scope, receive, closing)
