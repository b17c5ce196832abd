"""``X-Request-Id``: taken from the caller (the gateway) when well-formed, else made here; echoed in the
response and recorded on the request's span, so that one id ties the gateway's and the service's logs."""

from __future__ import annotations

import re
import uuid

from opentelemetry import trace
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "x-request-id"
SCOPE_KEY = "abri.request_id"
_VALID = re.compile(r"^[A-Za-z0-9._-]{8,128}$")


def request_id_from(scope: Scope) -> str:
    """The request's id: the incoming header when well-formed, else a new UUID."""
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            text: str = value.decode("latin-1")
            if _VALID.match(text):
                return text
    return str(uuid.uuid4())


class RequestIdMiddleware:
    """Gives every HTTP request an id and returns it in ``X-Request-Id``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_from(scope)
        scope[SCOPE_KEY] = request_id  # the request's own scope, not the (possibly shared) state dict
        trace.get_current_span().set_attribute("abri.request_id", request_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"]
                headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_id)
