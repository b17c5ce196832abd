"""The gateway keeps each service's OpenAPI document for a while (``/docs`` is public: it must not make the gateway
call every service on each request), asks again once it is stale, and serves the last good one while a service
is down or slow; a service never seen is left out until it answers. Real HTTP servers on the loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from abri_gateway.openapi import FRESH_S, ServiceDocuments
from abri_gateway.settings import SERVICES
from tests.support import free_port


class Upstreams:
    """One small server standing for every service: counts the documents asked, answers 503 for those marked down."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.down: set[str] = set()
        self.version = 1

    async def document(self, request: web.Request) -> web.Response:
        service = request.match_info["service"]
        self.asked.append(service)
        if service in self.down:
            return web.Response(status=503)
        return web.json_response({"openapi": "3.1.0", "info": {"title": service, "version": str(self.version)}, "paths": {}})


@pytest.fixture
async def upstreams() -> AsyncIterator[tuple[Upstreams, str]]:
    served = Upstreams()
    app = web.Application()
    app.router.add_get("/{service}/openapi.json", served.document)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield served, f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def test_documents_are_kept_while_fresh_asked_again_when_stale_and_kept_while_a_service_is_down(
    upstreams: tuple[Upstreams, str],
) -> None:
    served, base = upstreams
    now = [1000.0]
    documents = ServiceDocuments(lambda service: f"{base}/{service}", clock=lambda: now[0])
    served.down = {"insights"}
    async with aiohttp.ClientSession() as http:
        first = await documents.documents(http)
        assert sorted(first) == sorted(set(SERVICES) - {"insights"}), "a service never seen is left out"
        assert sorted(served.asked) == sorted(SERVICES)

        served.asked.clear()
        served.down = set()
        now[0] += FRESH_S - 1
        again = await documents.documents(http)
        assert served.asked == ["insights"], "only the one still missing is asked"
        assert sorted(again) == sorted(SERVICES)

        served.asked.clear()
        served.down = {"listings"}
        served.version = 2
        now[0] += 1
        stale = await documents.documents(http)
        assert sorted(served.asked) == sorted(set(SERVICES) - {"insights"}), "the stale ones are asked again"
        assert stale["listings"]["info"]["version"] == "1", "a service down: its last good document"
        assert stale["matching"]["info"]["version"] == "2", "the others: their new one"
