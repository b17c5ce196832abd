"""Problem-details responses written straight to ASGI (the proxy path does not go through FastAPI)."""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from starlette.types import Send


async def send_problem(send: Send, status: int, detail: str, headers: list[tuple[bytes, bytes]] | None = None, **extra: Any) -> None:
    """Answer with an RFC 9457 problem-details body."""
    body = json.dumps({"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status, "detail": detail, **extra}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
