"""The gateway in front of a real service: token checks, scopes, errors, limits, headers, tracing."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from prometheus_client import generate_latest

from abri_auth.principal import Principal
from abri_gateway.app import create_app as create_gateway
from abri_gateway.auth import Caller
from abri_gateway.proxy import ApiProxy
from abri_gateway.settings import GatewaySettings
from abri_gateway.web.api import ApiError, ServiceApi
from abri_listings.main import create_app as create_listings
from abri_listings.settings import ListingsSettings
from tests.gateway.test_token_validation import forged_tokens
from tests.oidc_issuer import TestIssuer, serving
from tests.services.test_service_skeletons import migrated as migrated
from tests.support import database_url, free_port, kafka_bootstrap


@pytest.fixture(scope="module")
async def listings(issuer: TestIssuer) -> AsyncIterator[str]:
    settings = ListingsSettings(database_url=database_url("listings"), kafka_bootstrap_servers=kafka_bootstrap(), oidc_issuer=issuer.issuer)
    port = free_port()
    async with serving(create_listings(settings), port):
        yield f"http://127.0.0.1:{port}"


class Silent:
    """A TCP server that accepts requests and never answers (a hung service)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.connections = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        await asyncio.sleep(30)
        writer.close()


class Hangup(Silent):
    """A TCP server that reads the request and closes the connection without answering."""

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        await reader.read(65536)
        writer.close()


def gateway_settings(issuer: TestIssuer, listings: str, **overrides: object) -> GatewaySettings:
    values: dict[str, object] = {
        "oidc_issuer": issuer.issuer,
        "listings_url": listings,
        "matching_url": f"http://127.0.0.1:{free_port()}",  # nothing listens: a stopped service
        "assistant_url": f"http://127.0.0.1:{free_port()}",  # nor here: never a developer's own assistant on 8105
        "insights_url": f"http://127.0.0.1:{free_port()}",  # nor its insights on 8106
        "timeouts_s": {"listings": 5.0, "guarantees": 1.0, "notifications": 5.0, "matching": 5.0, "assistant": 5.0, "insights": 5.0},
        "rate_limit": "1000/minute",
        "max_body_bytes": 1024,
        "cors_origins": ["https://app.abri.example"],
    }
    values.update(overrides)
    return GatewaySettings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
async def silent() -> AsyncIterator[Silent]:
    server = Silent()
    listener = await asyncio.start_server(server.handle, "127.0.0.1", server.port)
    yield server
    listener.close()


@pytest.fixture(scope="module")
async def hangup() -> AsyncIterator[Hangup]:
    server = Hangup()
    listener = await asyncio.start_server(server.handle, "127.0.0.1", server.port)
    yield server
    listener.close()


@pytest.fixture(scope="module")
async def gateway(issuer: TestIssuer, listings: str, silent: Silent, hangup: Hangup) -> AsyncIterator[httpx.AsyncClient]:
    settings = gateway_settings(
        issuer, listings, guarantees_url=f"http://127.0.0.1:{silent.port}", notifications_url=f"http://127.0.0.1:{hangup.port}"
    )
    port = free_port()
    async with serving(create_gateway(settings), port), httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=20) as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def test_a_valid_token_reaches_the_service_which_checks_it_again(gateway: httpx.AsyncClient, issuer: TestIssuer) -> None:
    response = await gateway.get("/api/listings/v1/me", headers=bearer(issuer.token(sub="sw-9", roles=["social_worker"], org_id="assoc-2")))
    assert response.status_code == 200, response.text
    assert response.json()["subject"] == "sw-9"
    assert response.json()["org_id"] == "assoc-2"


@pytest.mark.parametrize("case", sorted(forged_tokens(TestIssuer()).keys()))
async def test_forged_tokens_answer_401_with_problem_and_challenge(gateway: httpx.AsyncClient, issuer: TestIssuer, case: str) -> None:
    token = forged_tokens(issuer)[case]
    response = await gateway.get("/api/listings/v1/me", headers=bearer(token) if token else {"authorization": "Bearer"})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_no_token_answers_401(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/api/listings/v1/me")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="abri"'


async def test_a_missing_scope_answers_403(gateway: httpx.AsyncClient, issuer: TestIssuer) -> None:
    response = await gateway.get("/api/listings/v1/me", headers=bearer(issuer.token(scope="matching:read")))
    assert response.status_code == 403
    assert 'error="insufficient_scope"' in response.headers["www-authenticate"]
    assert 'scope="listings:read"' in response.headers["www-authenticate"]
    write = await gateway.post("/api/listings/v1/me", headers=bearer(issuer.token(scope="listings:read")))
    assert write.status_code == 403  # a POST needs listings:write


async def test_the_service_refuses_a_direct_call_without_a_valid_token(listings: str, issuer: TestIssuer) -> None:
    async with httpx.AsyncClient(base_url=listings) as direct:
        assert (await direct.get("/v1/me")).status_code == 401
        other_audience = await direct.get("/v1/me", headers=bearer(issuer.token(aud="another-api")))
        assert other_audience.status_code == 401
        assert "audience" in other_audience.json()["detail"]
        assert (await direct.get("/v1/me", headers=bearer(issuer.token()))).status_code == 200
        assert (await direct.get("/healthz")).status_code == 200  # probes stay public


async def test_a_stopped_service_answers_503_quickly(gateway: httpx.AsyncClient, issuer: TestIssuer) -> None:
    started = time.monotonic()
    response = await gateway.get("/api/matching/v1/me", headers=bearer(issuer.token()))
    assert response.status_code == 503
    assert response.json()["service"] == "matching"
    assert time.monotonic() - started < 2


async def test_a_hung_service_answers_504_at_its_route_timeout(gateway: httpx.AsyncClient, issuer: TestIssuer) -> None:
    started = time.monotonic()
    response = await gateway.get("/api/guarantees/v1/me", headers=bearer(issuer.token()))
    elapsed = time.monotonic() - started
    assert response.status_code == 504
    assert response.headers["content-type"] == "application/problem+json"
    assert 0.9 < elapsed < 3  # the guarantees route's timeout is 1 s


async def test_only_idempotent_requests_are_retried(gateway: httpx.AsyncClient, issuer: TestIssuer, hangup: Hangup) -> None:
    before = hangup.connections
    response = await gateway.get("/api/notifications/v1/me", headers=bearer(issuer.token()))
    assert response.status_code == 503
    assert hangup.connections - before == 2  # one retry
    before = hangup.connections
    response = await gateway.post("/api/notifications/v1/me", headers=bearer(issuer.token()), json={})
    assert response.status_code == 503
    assert hangup.connections - before == 1  # never retried: it may have been done
    before = hangup.connections
    keyed = {**bearer(issuer.token()), "Idempotency-Key": "retry-safe-1"}
    response = await gateway.post("/api/notifications/v1/me", headers=keyed, json={})
    assert response.status_code == 503
    assert hangup.connections - before == 2  # with its key, the service answers a second one with the first's answer


async def test_the_pages_calls_are_retried_as_the_proxy_s_only_when_idempotent(issuer: TestIssuer, listings: str, hangup: Hangup) -> None:
    """The web front's calls (``ServiceApi``) share the proxy's pool and its retry policy: a connection the
    service dropped is tried once more for GET, PUT and DELETE, and for a POST with its Idempotency-Key only."""
    settings = gateway_settings(issuer, listings, notifications_url=f"http://127.0.0.1:{hangup.port}")
    proxy = ApiProxy.__new__(ApiProxy)  # only its pool is used by the pages' calls: no auth nor limits to wire
    proxy.settings, proxy.http = settings, None
    await proxy.start()
    try:
        api = ServiceApi(settings, proxy)
        caller = Caller(
            Principal.from_claims({"sub": "owner-r", "roles": ["owner"], "scope": "notifications:read notifications:write"}, "t"), False
        )
        for method, key, tries in (("GET", None, 2), ("PUT", None, 2), ("POST", None, 1), ("POST", "k-1", 2)):
            before = hangup.connections
            with pytest.raises(ApiError) as refused:
                await api.call(caller, method, "notifications", "/v1/me", headers={"Idempotency-Key": key} if key else None)
            assert refused.value.status == 503 and hangup.connections - before == tries, method
    finally:
        await proxy.close()


async def test_unknown_service_answers_404(gateway: httpx.AsyncClient, issuer: TestIssuer) -> None:
    response = await gateway.get("/api/payroll/v1/me", headers=bearer(issuer.token()))
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_body_over_the_limit_answers_413(gateway: httpx.AsyncClient, issuer: TestIssuer) -> None:
    response = await gateway.post("/api/listings/v1/me", headers=bearer(issuer.token()), content=b"x" * 2048)
    assert response.status_code == 413

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(4):
            yield b"y" * 512

    streamed = await gateway.post("/api/listings/v1/me", headers=bearer(issuer.token()), content=chunks())
    assert streamed.status_code == 413  # no Content-Length: counted while streaming


async def test_security_headers_and_cors(gateway: httpx.AsyncClient, issuer: TestIssuer) -> None:
    response = await gateway.get("/api/listings/v1/me", headers={**bearer(issuer.token()), "origin": "https://app.abri.example"})
    assert response.headers["access-control-allow-origin"] == "https://app.abri.example"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert "max-age" in response.headers["strict-transport-security"]
    other = await gateway.get("/api/listings/v1/me", headers={**bearer(issuer.token()), "origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers
    preflight = await gateway.options(
        "/api/listings/v1/me", headers={"origin": "https://evil.example", "access-control-request-method": "POST"}
    )
    assert preflight.status_code == 400


async def test_request_id_and_trace_are_the_same_at_the_gateway_and_the_service(
    gateway: httpx.AsyncClient, issuer: TestIssuer, in_memory_spans: InMemorySpanExporter
) -> None:
    in_memory_spans.clear()
    response = await gateway.get("/api/listings/v1/me", headers={**bearer(issuer.token()), "x-request-id": "req-0123456789"})
    assert response.status_code == 200
    assert response.headers["x-request-id"] == "req-0123456789"
    spans = in_memory_spans.get_finished_spans()
    servers = [s for s in spans if s.kind == SpanKind.SERVER and s.attributes and s.attributes.get("abri.request_id") == "req-0123456789"]
    gateway_span = next(s for s in servers if s.name.startswith("GET /api/listings"))
    service_span = next(s for s in servers if "/v1/me" in s.name and not s.name.startswith("GET /api"))
    assert gateway_span.context.trace_id == service_span.context.trace_id
    assert service_span.parent is not None


async def test_rate_limit_answers_429_with_retry_after(issuer: TestIssuer, listings: str) -> None:
    port = free_port()
    async with serving(create_gateway(gateway_settings(issuer, listings, rate_limit="3/minute")), port):
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            token = issuer.token(sub="busy-client")
            statuses = [(await client.get("/api/listings/v1/me", headers=bearer(token))).status_code for _ in range(4)]
            assert statuses == [200, 200, 200, 429]
            limited = await client.get("/api/listings/v1/me", headers=bearer(token))
            assert 0 < int(limited.headers["retry-after"]) <= 60
            assert limited.json()["status"] == 429
            other = await client.get("/api/listings/v1/me", headers=bearer(issuer.token(sub="calm-client")))
            assert other.status_code == 200  # per client


async def test_docs_aggregate_the_services_documents(gateway: httpx.AsyncClient) -> None:
    document = (await gateway.get("/openapi.json")).json()
    assert "/api/listings/v1/me" in document["paths"]
    assert "/api/listings/healthz" not in document["paths"]
    assert "listings.Me" in document["components"]["schemas"]
    page = await gateway.get("/docs")
    assert page.status_code == 200 and "/docs/swagger-ui-bundle.js" in page.text
    assert (await gateway.get("/docs/swagger-ui-bundle.js")).status_code == 200
    assert (await gateway.get("/docs/../../etc/passwd")).status_code == 404


async def test_readiness_follows_the_issuer_and_metrics_count(gateway: httpx.AsyncClient, issuer: TestIssuer, listings: str) -> None:
    assert (await gateway.get("/readyz")).status_code == 200
    await gateway.get("/api/listings/v1/me", headers=bearer(issuer.token()))
    assert (await gateway.get("/metrics/")).status_code == 404  # on a port of its own (tests/images: the real command)
    metrics = generate_latest().decode()
    assert 'abri_gateway_requests_total{method="GET",service="listings",status="200"}' in metrics
    port = free_port()
    nowhere = gateway_settings(issuer, listings, oidc_issuer=f"http://127.0.0.1:{free_port()}")
    async with serving(create_gateway(nowhere), port), httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
        not_ready = await client.get("/readyz")
        assert not_ready.status_code == 503
        assert not_ready.headers["content-type"] == "application/problem+json"
        assert (await client.get("/healthz")).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/api/listings/metrics",
        "/api/listings/healthz",
        "/api/listings/v1/../metrics",
        "/api/listings/v1/%2e%2e/metrics",
        "/api/listings/v1/me%3Fx=1",
        "/api/listings/v1%2fme",
    ],
)
async def test_only_the_versioned_api_is_forwarded_and_paths_cannot_escape(
    gateway: httpx.AsyncClient, issuer: TestIssuer, path: str
) -> None:
    response = await gateway.get(httpx.URL(path.replace("/../", "/%2e%2e/") if "/../" in path else path), headers=bearer(issuer.token()))
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_the_public_visa_routes_pass_without_a_token_and_are_limited_per_address(issuer: TestIssuer, listings: str) -> None:
    from abri_guarantees.main import create_app as create_guarantees
    from abri_guarantees.settings import GuaranteesSettings

    settings = GuaranteesSettings(
        database_url=database_url("guarantees"), kafka_bootstrap_servers=kafka_bootstrap(), oidc_issuer=issuer.issuer
    )
    guarantees, port = free_port(), free_port()
    async with (
        serving(create_guarantees(settings), guarantees),
        serving(
            create_gateway(
                gateway_settings(issuer, listings, guarantees_url=f"http://127.0.0.1:{guarantees}", public_rate_limit="3/minute")
            ),
            port,
        ),
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client,
    ):
        keys = await client.get("/api/guarantees/v1/public/visa-keys")
        assert keys.status_code == 200 and keys.json()["keys"][0]["alg"] == "Ed25519"
        checked = await client.post("/api/guarantees/v1/public/visa-checks", json={"number": "V0000000000000", "name": "Anyone"})
        assert checked.status_code == 200 and checked.json() == {"status": "unknown"}
        assert (await client.get("/api/guarantees/v1/funds")).status_code == 401  # the rest of the service needs a token
        statuses = [(await client.get("/api/guarantees/v1/public/visa-keys")).status_code for _ in range(2)]
        assert statuses == [200, 429]  # three public requests a minute from this address
        assert (await client.get("/api/guarantees/v1/funds", headers=bearer(issuer.token(sub="x")))).status_code != 429


async def test_the_public_insights_pass_without_a_token_and_are_limited_per_address(issuer: TestIssuer, listings: str) -> None:
    """Insights' platform and département reports are open data (``/v1/public/``): no token, the public limit per
    address; an association's or a fund's report still needs a token with ``insights:read``."""
    from abri_insights.main import create_app as create_insights
    from abri_insights.settings import InsightsSettings

    settings = InsightsSettings(
        database_url=database_url("insights"), kafka_bootstrap_servers=kafka_bootstrap(), oidc_issuer=issuer.issuer, consumer_enabled=False
    )
    insights, port = free_port(), free_port()
    async with (
        serving(create_insights(settings), insights),
        serving(
            create_gateway(gateway_settings(issuer, listings, insights_url=f"http://127.0.0.1:{insights}", public_rate_limit="3/minute")),
            port,
        ),
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client,
    ):
        platform = await client.get("/api/insights/v1/public/insights/platform")
        assert platform.status_code == 200, platform.text
        departement = await client.get("/api/insights/v1/public/insights/departements/75", params={"form": "csv"})
        assert departement.status_code == 200 and departement.headers["content-type"].startswith("text/csv")
        assert (await client.get("/api/insights/v1/insights/associations/assoc-1")).status_code == 401  # the rest needs a token
        statuses = [(await client.get("/api/insights/v1/public/insights/platform")).status_code for _ in range(2)]
        assert statuses == [200, 429]  # three public requests a minute from this address
        social_worker = issuer.token(sub="sw-insights", roles=["social_worker"], org_id="assoc-1", scope="openid insights:read")
        mine = await client.get("/api/insights/v1/insights/associations/assoc-1", headers=bearer(social_worker))
        assert mine.status_code == 200, mine.text  # a token is not limited per address
        unscoped = issuer.token(sub="sw-insights", roles=["social_worker"], org_id="assoc-1", scope="openid matching:read")
        assert (await client.get("/api/insights/v1/insights/associations/assoc-1", headers=bearer(unscoped))).status_code == 403


async def test_a_live_stream_outlasts_the_services_request_timeout(issuer: TestIssuer, listings: str) -> None:
    from abri_notifications.main import create_app as create_notifications
    from abri_notifications.settings import NotificationsSettings

    settings = NotificationsSettings(
        database_url=database_url("notifications"), kafka_bootstrap_servers=kafka_bootstrap(), oidc_issuer=issuer.issuer,
        consumer_enabled=False, stream_poll_s=0.2, stream_max_s=2.5,
    )  # fmt: skip
    notifications, port = free_port(), free_port()
    proxy = gateway_settings(issuer, listings, notifications_url=f"http://127.0.0.1:{notifications}")  # notifications: 5 s
    proxy = proxy.model_copy(update={"timeouts_s": {**proxy.timeouts_s, "notifications": 1.0}})
    async with (
        serving(create_notifications(settings), notifications),
        serving(create_gateway(proxy), port),
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=20) as client,
    ):
        started = time.perf_counter()
        token = issuer.token(sub="stream-reader", roles=["owner"])
        async with client.stream("GET", "/api/notifications/v1/inbox/stream", headers=bearer(token)) as stream:
            assert stream.status_code == 200 and stream.headers["content-type"].startswith("text/event-stream")
            _ = [chunk async for chunk in stream.aiter_bytes()]  # to its end, as the service closes it
        assert time.perf_counter() - started >= 2.0, "the gateway cut the stream at the service's 1 s timeout"
        slow = await client.get("/api/notifications/v1/inbox", headers=bearer(token))
        assert slow.status_code == 200  # other routes keep their own timeout


async def test_a_live_stream_left_by_its_client_is_closed_at_the_service_at_once(issuer: TestIssuer, listings: str) -> None:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import StreamingResponse
    from starlette.routing import Route

    ended = asyncio.Event()

    async def events() -> AsyncIterator[bytes]:
        try:
            for number in range(600):
                yield f"id: {number}\ndata: tick\n\n".encode()
                await asyncio.sleep(0.1)
        finally:
            ended.set()  # the service's side of the stream is closed (cancelled on disconnect)

    async def stream(_: Request) -> StreamingResponse:
        return StreamingResponse(events(), media_type="text/event-stream")

    service = Starlette(routes=[Route("/v1/inbox/stream", stream)])
    upstream, port = free_port(), free_port()
    settings = gateway_settings(issuer, listings, notifications_url=f"http://127.0.0.1:{upstream}")
    async with (
        serving(service, upstream),
        serving(create_gateway(settings), port),
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=20) as client,
    ):
        token = issuer.token(sub="stream-leaver", roles=["owner"])
        async with client.stream("GET", "/api/notifications/v1/inbox/stream", headers=bearer(token)) as opened:
            assert opened.status_code == 200
            async for chunk in opened.aiter_bytes():
                assert b"data: tick" in chunk
                break  # the browser leaves the page
        await asyncio.wait_for(ended.wait(), timeout=5)  # not after the 15-minute stream timeout


async def test_a_client_cannot_choose_the_address_its_limits_count(issuer: TestIssuer, listings: str) -> None:
    """Failed authentications are limited per address: a client changing ``X-Forwarded-For`` stays itself,
    unless its peer is a configured proxy, and then only the hop that proxy saw counts."""
    port = free_port()
    direct = gateway_settings(issuer, listings, auth_failure_limit="3/minute")
    async with serving(create_gateway(direct), port), httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
        spoofed = [{"authorization": "Bearer bad", "x-forwarded-for": f"198.51.100.{i}"} for i in range(5)]
        statuses = [(await client.get("/api/listings/v1/me", headers=headers)).status_code for headers in spoofed]
        assert statuses == [401, 401, 401, 429, 429]
    port = free_port()
    behind = gateway_settings(issuer, listings, auth_failure_limit="3/minute", trusted_proxies=["127.0.0.1/32"])
    async with serving(create_gateway(behind), port), httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:

        async def failed(chain: str) -> int:
            answer = await client.get("/api/listings/v1/me", headers={"authorization": "Bearer bad", "x-forwarded-for": chain})
            return answer.status_code

        assert [await failed(f"6.6.6.{i}, 203.0.113.7") for i in range(5)] == [401, 401, 401, 429, 429]  # the spoofed left part
        assert await failed("203.0.113.8") == 401  # another caller behind the same proxy has its own count


STEP_UP = (
    'Bearer error="insufficient_user_authentication", error_description="a second factor is needed", '
    'acr_values="urn:abri:loa:mfa", max_age=900'
)


class Outspoken(Silent):
    """A service that answers each request with a step-up challenge (RFC 9470) and headers only the gateway may
    set: its server's name and version, its date, a cookie and CORS."""

    BODY = b'{"type":"about:blank","title":"Unauthorized","status":401,"code":"insufficient_user_authentication"}'
    ANSWER = (
        b"HTTP/1.1 401 Unauthorized\r\nserver: uvicorn/0.1 (Linux)\r\ndate: Mon, 01 Jan 2024 00:00:00 GMT\r\n"
        b"set-cookie: abri_session=planted; Path=/\r\naccess-control-allow-origin: *\r\n"
        + f"www-authenticate: {STEP_UP}\r\n".encode()
        + b"content-type: application/problem+json\r\ncontent-length: "
        + str(len(BODY)).encode()
        + b"\r\n\r\n"
        + BODY
    )

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        with contextlib.suppress(ConnectionError):
            while await reader.readuntil(b"\r\n\r\n"):
                writer.write(self.ANSWER)
                await writer.drain()
        writer.close()


async def test_a_service_s_step_up_reaches_an_api_client_whole_and_its_own_headers_never_do(issuer: TestIssuer, listings: str) -> None:
    service = Outspoken()
    listener = await asyncio.start_server(service.handle, "127.0.0.1", service.port)
    settings = gateway_settings(issuer, listings, guarantees_url=f"http://127.0.0.1:{service.port}")
    port = free_port()
    try:
        async with serving(create_gateway(settings), port), httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            agent = issuer.token(sub="fund-agent-1", roles=["fund_agent"], org_id="fund-1")
            response = await client.get("/api/guarantees/v1/files", headers=bearer(agent))
            assert service.connections == 1
            assert response.status_code == 401
            assert response.headers["www-authenticate"] == STEP_UP  # the API client learns what to ask its provider for
            assert response.json()["code"] == "insufficient_user_authentication"
            assert "server" not in response.headers
            assert response.headers.get_list("date") != ["Mon, 01 Jan 2024 00:00:00 GMT"] and len(response.headers.get_list("date")) == 1
            assert "set-cookie" not in response.headers
            assert "access-control-allow-origin" not in response.headers  # no Origin sent: no CORS at all
    finally:
        listener.close()
