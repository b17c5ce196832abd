"""Files through the web front, without the services: an upload form is refused on its Content-Length
before any of it is read, and on its CSRF token before it is used (``Visit.upload_form``); a service's
file is streamed to the browser as it arrives, as an attachment, and the service's response is released
however the sending ends (``ServiceApi.download``)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, cast

import httpx
import pytest
from aiohttp import web
from starlette.datastructures import UploadFile
from starlette.requests import ClientDisconnect, Request
from starlette.types import Message

from abri_auth.principal import Principal
from abri_gateway.auth import Caller
from abri_gateway.proxy import ApiProxy
from abri_gateway.sessions import Session
from abri_gateway.settings import GatewaySettings
from abri_gateway.web import i18n
from abri_gateway.web.api import ApiError, Download, ServiceApi
from abri_gateway.web.visit import PageError, Visit
from abri_kit.rate_limits import RateLimits
from tests.support import free_port

PDF = b"%PDF-1.4\n" + b"0" * (300 * 1024) + b"\n%%EOF\n"


def session() -> Session:
    return Session(
        access_token="token", refresh_token=None, id_token=None, access_expires_at=time.time() + 3600,
        subject="sw-1", name="Test Person", roles=["social_worker"], org_id="assoc-1",
    )  # fmt: skip


def caller(signed: Session) -> Caller:
    principal = Principal("sw-1", frozenset({"social_worker"}), "assoc-1", frozenset({"guarantees:read", "guarantees:write"}))
    return Caller(principal, via_session=True, session=signed)


# --- uploads -----------------------------------------------------------------------------------------
@dataclass
class Posted:
    """A request's body as the server receives it, counting what the page read of it."""

    body: bytes
    read: int = 0

    async def receive(self) -> Message:
        self.read += 1
        chunk, self.body = self.body[:65536], self.body[65536:]
        return {"type": "http.request", "body": chunk, "more_body": bool(self.body)}


def upload_visit(headers: dict[str, str], posted: Posted, signed: Session) -> Visit:
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/association/files/x/documents",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "query_string": b"",
    }
    i18n.use("en")
    return Visit(Request(scope, posted.receive), cast(Any, None), "en", False, caller(signed))


def multipart(fields: dict[str, str], content: bytes) -> tuple[dict[str, str], bytes]:
    built = httpx.Request("POST", "http://abri.test/", data=fields, files={"content": ("id.pdf", content, "application/pdf")})
    return dict(built.headers), built.read()


@pytest.mark.unit
async def test_an_upload_larger_than_allowed_is_refused_on_its_content_length_before_anything_is_read() -> None:
    signed = session()
    headers, body = multipart({"kind": "identity", "csrf_token": signed.csrf_token}, PDF)
    posted = Posted(body)
    with pytest.raises(PageError) as refused:
        await upload_visit(headers, posted, signed).upload_form(len(body) - 1, too_large="Ten megabytes at most.")
    assert refused.value.status == 413 and refused.value.message == "Ten megabytes at most."
    assert posted.read == 0

    unsized = Posted(body)
    without_length = {k: v for k, v in headers.items() if k.lower() != "content-length"} | {"transfer-encoding": "chunked"}
    with pytest.raises(PageError) as chunked:
        await upload_visit(without_length, unsized, signed).upload_form(len(body) * 2)
    assert chunked.value.status == 411 and unsized.read == 0


@pytest.mark.unit
async def test_an_upload_without_the_sessions_csrf_token_is_refused_and_its_file_closed() -> None:
    signed = session()
    for fields in ({"kind": "identity"}, {"kind": "identity", "csrf_token": "forged"}):
        headers, body = multipart(fields, PDF)
        page = upload_visit(headers, Posted(body), signed)
        with pytest.raises(PageError) as refused:
            await page.upload_form(len(body))
        assert refused.value.status == 403
        parsed = await page.request.form()  # what was parsed (Starlette keeps it): its file is closed
        upload = parsed["content"]
        assert isinstance(upload, UploadFile) and upload.file.closed

    headers, body = multipart({"kind": "identity", "csrf_token": signed.csrf_token}, PDF)
    form = await upload_visit(headers, Posted(body), signed).upload_form(len(body))
    try:
        upload = form["content"]
        assert form["kind"] == "identity" and isinstance(upload, UploadFile) and await upload.read() == PDF
    finally:
        await form.close()


# --- downloads ---------------------------------------------------------------------------------------
@dataclass
class Upstream:
    """A service that sends a document in two halves, the second only when the test lets it."""

    port: int = field(default_factory=free_port)
    second_half: asyncio.Event = field(default_factory=asyncio.Event)
    first_half_sent: asyncio.Event = field(default_factory=asyncio.Event)
    seen: list[dict[str, str]] = field(default_factory=list)

    async def document(self, request: web.Request) -> web.StreamResponse:
        self.seen.append({k.lower(): v for k, v in request.headers.items()} | {"query": request.query_string})
        response = web.StreamResponse(
            headers={"content-type": "application/pdf", "content-disposition": 'inline; filename="visa-V1.pdf"', "x-service": "guarantees"}
        )
        response.content_length = len(PDF)
        await response.prepare(request)
        await response.write(PDF[: len(PDF) // 2])
        self.first_half_sent.set()
        await self.second_half.wait()
        await response.write(PDF[len(PDF) // 2 :])
        await response.write_eof()
        return response

    async def missing(self, request: web.Request) -> web.Response:
        problem = {"title": "Not found", "status": 404, "detail": "no visa for this file"}
        return web.Response(status=404, body=json.dumps(problem), content_type="application/problem+json")


@pytest.fixture
async def upstream() -> AsyncIterator[Upstream]:
    service = Upstream()
    app = web.Application()
    app.router.add_get("/v1/document", service.document)
    app.router.add_get("/v1/missing", service.missing)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", service.port).start()
    yield service
    service.second_half.set()
    await runner.cleanup()


@pytest.fixture
async def api(upstream: Upstream) -> AsyncIterator[ServiceApi]:
    settings = GatewaySettings(guarantees_url=f"http://127.0.0.1:{upstream.port}")
    proxy = ApiProxy(settings, cast(Any, None), RateLimits(settings.rate_limit))
    await proxy.start()
    yield ServiceApi(settings, proxy)
    await proxy.close()


async def test_a_download_is_streamed_to_the_browser_as_an_attachment_as_it_arrives(upstream: Upstream, api: ServiceApi) -> None:
    response = await asyncio.wait_for(api.download(caller(session()), "guarantees", "/v1/document", params={"purpose": "review_file"}), 5)
    assert not upstream.second_half.is_set()  # the page answers before the service has sent the whole file
    assert upstream.seen[0]["authorization"] == "Bearer token" and upstream.seen[0]["query"] == "purpose=review_file"
    assert upstream.seen[0]["accept-encoding"] == "identity"

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)
        if message["type"] == "http.response.body" and message.get("body"):
            upstream.second_half.set()  # the first bytes reached the browser: let the service send the rest

    async def receive() -> Message:
        await asyncio.sleep(30)
        return {"type": "http.disconnect"}

    await asyncio.wait_for(response(http_scope(), receive, send), 10)
    start = sent[0]
    headers = {k.decode(): v.decode() for k, v in start["headers"]}
    assert start["status"] == 200
    assert headers["content-type"] == "application/pdf"
    assert headers["content-disposition"] == 'attachment; filename="visa-V1.pdf"'  # never shown inline, its name kept
    assert headers["cache-control"] == "no-store" and headers["x-content-type-options"] == "nosniff"
    assert headers["content-length"] == str(len(PDF)) and "x-service" not in headers
    chunks = [m["body"] for m in sent[1:] if m.get("body")]
    assert b"".join(chunks) == PDF and len(chunks) > 1 and sent[-1]["more_body"] is False
    assert isinstance(response, Download) and response.upstream.closed


async def test_a_download_the_browser_leaves_halfway_releases_the_services_response(upstream: Upstream, api: ServiceApi) -> None:
    response = await api.download(caller(session()), "guarantees", "/v1/document")
    assert isinstance(response, Download)

    async def send(message: Message) -> None:
        if message["type"] == "http.response.body" and message.get("body"):
            raise OSError("the browser went away")

    async def receive() -> Message:
        return {"type": "http.disconnect"}

    with pytest.raises(ClientDisconnect):
        await response(http_scope(), receive, send)
    assert response.upstream.closed


async def test_a_refused_download_raises_the_services_problem_before_anything_is_sent(api: ServiceApi) -> None:
    with pytest.raises(ApiError) as refused:
        await api.download(caller(session()), "guarantees", "/v1/missing")
    assert refused.value.status == 404 and refused.value.detail == "no visa for this file"

    down = ServiceApi(GatewaySettings(guarantees_url=f"http://127.0.0.1:{free_port()}"), api.proxy)
    with pytest.raises(ApiError) as unavailable:
        await down.download(caller(session()), "guarantees", "/v1/document")
    assert unavailable.value.status == 503


def http_scope() -> dict[str, Any]:
    return {"type": "http", "asgi": {"spec_version": "2.4"}, "method": "GET", "path": "/", "headers": []}
