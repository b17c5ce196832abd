"""An error no handler answers: a 500 problem-details body with the request's id, and the connection
stays open, so that a proxy's pooled connection serves the next request (it used to be closed by the
server, and the gateway answered 502 to whoever used that connection next)."""

from __future__ import annotations

import asyncio
import json

import pytest
from fastapi import FastAPI

from abri_kit.problems import UnhandledErrors, install_problem_handlers
from abri_kit.request_id import RequestIdMiddleware
from tests.oidc_issuer import serving
from tests.support import free_port

pytestmark = pytest.mark.timeout(60)


def app_that_fails() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/boom")
    async def boom() -> dict[str, str]:
        raise RuntimeError("a bug")

    @app.get("/fine")
    async def fine() -> dict[str, str]:
        return {"status": "ok"}

    app.add_middleware(UnhandledErrors)
    app.add_middleware(RequestIdMiddleware)
    return app


async def exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str) -> tuple[int, dict[str, str], bytes]:
    """One HTTP/1.1 request on an open connection, and its answer."""
    writer.write(f"GET {path} HTTP/1.1\r\nHost: kit\r\nX-Request-Id: req-12345678\r\n\r\n".encode())
    await writer.drain()
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines[1:] if line)}
    body = await asyncio.wait_for(reader.readexactly(int(headers["content-length"])), 10)
    return status, headers, body


async def test_an_unhandled_error_is_a_problem_and_the_connection_serves_the_next_request() -> None:
    port = free_port()
    async with serving(app_that_fails(), port):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            status, headers, body = await exchange(reader, writer, "/boom")
            assert status == 500 and headers["content-type"] == "application/problem+json"
            problem = json.loads(body)
            assert problem["status"] == 500 and problem["request_id"] == "req-12345678" and "a bug" not in body.decode()
            assert headers["x-request-id"] == "req-12345678" and headers.get("connection") != "close"
            status, _, body = await exchange(reader, writer, "/fine")  # the same connection
            assert status == 200 and json.loads(body) == {"status": "ok"}
        finally:
            writer.close()
