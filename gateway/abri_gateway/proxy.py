"""The reverse proxy of ``/api/<service>/...``: checks the caller, then streams the request to the
service and the response back.

- The bearer token (or, for a browser, its session's token) is validated and forwarded as is: each
  service checks it again (docs/security.md).
- Scopes: ``<service>:read`` for GET/HEAD/OPTIONS, ``<service>:write`` for the other methods
  (:func:`abri_auth.scopes.scope_needed`, which every service applies again).
- A down service answers 503, a slow one 504, a broken one 502, always as problem details, never a hang.
- Idempotent requests without a streamed body are retried on connection failures; others never.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Coroutine
from dataclasses import dataclass
from typing import Any

import aiohttp
import yarl
from limits.aio.storage import Storage
from multidict import CIMultiDict
from opentelemetry import propagate
from prometheus_client import Counter, Histogram
from starlette.types import Message, Receive, Scope, Send

from abri_auth.errors import AuthError
from abri_auth.principal import Principal
from abri_auth.scopes import scope_needed
from abri_gateway.auth import Caller, GatewayAuth
from abri_gateway.problems import send_problem
from abri_gateway.sessions import StoreUnavailable
from abri_gateway.settings import SERVICES, GatewaySettings
from abri_kit.rate_limits import RateLimits
from abri_kit.request_id import SCOPE_KEY as REQUEST_ID_KEY

HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
        b"host",
        b"content-length",
    }
)
UNSAFE_IN_PATH = ("%2f", "%5c", "%2e", "%3f", "%23", "\\")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


def may_send_again(method: str, keyed: bool, failure: Exception) -> bool:
    """Whether a request whose connection failed before any answer may be sent once more (the proxy's and
    the pages' one policy): always when the connection was refused (nothing was sent); after a dropped
    connection, for an idempotent method or a command with its ``Idempotency-Key`` (the service answers
    the second with the first's answer), never for another command (it may have been done)."""
    return isinstance(failure, aiohttp.ClientConnectorError) or method in IDEMPOTENT_METHODS or keyed


def reset_may_send_again(method: str, keyed: bool) -> bool:
    """Whether a request whose connection was reset before any answer may be sent once more: the service
    may have done it, so only a read, or a POST with its ``Idempotency-Key`` (the services honour the key on
    their commands); not a PUT or DELETE, which a service may not make idempotent (a policy PUT adds a
    version each time)."""
    return method in SAFE_METHODS or (method == "POST" and keyed)


POOL_KEEPALIVE_S = 2.0
"""How long the pool keeps a connection to a service idle: shorter than a service's drain (``abri_kit.draining``,
3 s), so that a connection idle through a drain is never sent a request when its server stops (a connection in
use is closed by the draining server's own answer). Under load the connections are in use and kept."""

BUFFER_LIMIT = 64 * 1024  # bodies up to this size are read first, so that a retry can resend them


REQUESTS = Counter("abri_gateway_requests_total", "Requests to /api, by service, method and status.", ["service", "method", "status"])
LATENCY = Histogram("abri_gateway_request_duration_seconds", "Time from request to the end of the response, by service.", ["service"])


class BodyTooLarge(Exception):
    """The request body exceeds the gateway's limit."""


PUBLIC_API: dict[str, tuple[str, ...]] = {"guarantees": ("/v1/public/",), "insights": ("/v1/public/",)}
"""Service routes that need no token, as their issues name them (guarantees' visa check and its keys, insights'
platform and département reports, open data): forwarded without credentials, rate-limited per IP address."""


@dataclass(frozen=True)
class Route:
    """Where a path goes and what it needs."""

    service: str
    upstream_path: str

    def streams(self, method: str) -> bool:
        """A live stream (Server-Sent Events): a GET whose path ends in ``/stream``."""
        return method == "GET" and self.upstream_path.rstrip("/").endswith("/stream")

    @property
    def public(self) -> bool:
        return self.upstream_path.startswith(PUBLIC_API.get(self.service, ()))

    def scope_needed(self, method: str) -> str:
        """The scope a method needs on this service (the table every service applies again)."""
        return scope_needed(self.service, method)


async def _copy_body(response: aiohttp.ClientResponse, send: Send) -> None:
    async for chunk in response.content.iter_any():
        await send({"type": "http.response.body", "body": chunk, "more_body": True})
    await send({"type": "http.response.body", "body": b""})


async def _until_disconnected(work: Coroutine[Any, Any, None], receive: Receive) -> None:
    """Run ``work`` until it ends or the client disconnects, whichever comes first."""

    async def disconnected() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    copying, watching = asyncio.ensure_future(work), asyncio.ensure_future(disconnected())
    try:
        done, _ = await asyncio.wait({copying, watching}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (copying, watching):
            task.cancel()
        await asyncio.gather(copying, watching, return_exceptions=True)
    if copying in done:
        copying.result()


def route_of(path: str) -> Route | None:
    """``/api/<service>/v1/...`` → the service and ``/v1/...``; None for anything else.

    ``path`` is the raw (still percent-encoded) path. Only the versioned API is forwarded (never a
    service's ``/metrics`` or probes), and no dot segment or encoded slash, backslash, question mark or
    hash may change what the service sees."""
    if not path.startswith("/api/"):
        return None
    service, _, rest = path[5:].partition("/")
    if service not in SERVICES or not rest.startswith("v1/"):
        return None
    lowered = rest.lower()
    if any(segment in (".", "..") for segment in rest.split("/")) or any(
        bad in lowered for bad in ("%2f", "%5c", "%2e", "%3f", "%23", "\\")
    ):
        return None
    return Route(service, "/" + rest)


class ApiProxy:
    """The ASGI app mounted at ``/api``."""

    def __init__(self, settings: GatewaySettings, auth: GatewayAuth, limits: RateLimits, counters: Storage | None = None) -> None:
        """``counters``: the storage the replicas share (Redis), else each process counts its own."""
        self.settings = settings
        self.auth = auth
        self.limits = limits
        self.failures = RateLimits(settings.auth_failure_limit, counters, "auth-failures")
        self.public_limits = RateLimits(settings.public_rate_limit, counters, "public")
        self.http: aiohttp.ClientSession | None = None
        self._upstreams = {service: settings.upstream(service) for service in SERVICES}

    async def start(self) -> None:
        """Open the connection pools to the services."""
        connector = aiohttp.TCPConnector(
            limit=256, limit_per_host=128, keepalive_timeout=POOL_KEEPALIVE_S, ttl_dns_cache=300, ssl=self.settings.upstream_tls()
        )
        self.http = aiohttp.ClientSession(connector=connector, auto_decompress=False, cookie_jar=aiohttp.DummyCookieJar())
        # aiohttp silently retries idempotent requests once on a dropped connection; ours must be the only
        # retry policy (settings.retries), so that it is the one documented and tested
        if hasattr(self.http, "_retry_connection"):
            self.http._retry_connection = False

    async def close(self) -> None:
        """Close the pools."""
        if self.http is not None:
            await self.http.close()
            self.http = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        started = time.perf_counter()
        status = 500

        async def counted(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        route = route_of(scope.get("raw_path", scope["path"].encode()).decode("latin-1").split("?", 1)[0])
        try:
            await self._handle(scope, receive, counted, route)
        finally:
            service = route.service if route else "unknown"
            REQUESTS.labels(service, scope["method"], str(status)).inc()
            LATENCY.labels(service).observe(time.perf_counter() - started)

    async def _handle(self, scope: Scope, receive: Receive, send: Send, route: Route | None) -> None:
        if route is None:
            await send_problem(send, 404, f"no service at {scope['path']}")
            return
        method: str = scope["method"]
        client = scope.get("client")
        address = client[0] if client else "-"
        caller: Caller | None = None
        if route.public:  # no credential is read or forwarded; limited per address
            limits, key = self.public_limits, address
        else:
            try:
                caller = await self.auth.caller(scope)
                caller.principal.require_scopes(route.scope_needed(method))
                if caller.via_session and method not in SAFE_METHODS:
                    self.auth.check_csrf(scope, caller)
            except StoreUnavailable:
                await send_problem(
                    send, 503, "signed-in sessions are unavailable for a moment: try again shortly", [(b"retry-after", b"5")]
                )
                return
            except AuthError as exc:
                if await self.failures.hit(address) is not None:  # guessing tokens from one address
                    await send_problem(send, 429, "too many failed authentications", [(b"retry-after", b"60")])
                    return
                await send_problem(send, exc.status, exc.description, [(b"www-authenticate", exc.challenge().encode())])
                return
            limits, key = self.limits, _client_key(caller.principal)
        retry_after = await limits.hit(key)
        if retry_after is not None:
            await send_problem(send, 429, "too many requests", [(b"retry-after", str(retry_after).encode())])
            return
        length = _content_length(scope)
        if length is not None and length > self.settings.max_body_bytes:
            await send_problem(send, 413, f"the request body exceeds {self.settings.max_body_bytes} bytes")
            return
        await self._forward(scope, receive, send, route, caller, length)

    async def _forward(self, scope: Scope, receive: Receive, send: Send, route: Route, caller: Caller | None, length: int | None) -> None:
        assert self.http is not None, "proxy not started"
        method: str = scope["method"]
        url = yarl.URL(self._upstreams[route.service] + route.upstream_path, encoded=True)
        if scope.get("query_string"):
            url = yarl.URL(f"{url}?{scope['query_string'].decode('latin-1')}", encoded=True)
        headers = self._upstream_headers(scope, caller)
        body: bytes | AsyncIterator[bytes] | None
        if length == 0 or (length is None and method in SAFE_METHODS and not _chunked(scope)):
            body = None
        elif length is not None and length <= BUFFER_LIMIT:
            try:
                async with asyncio.timeout(self.settings.timeouts_s.get(route.service, 10.0)):  # a trickling client
                    body = await _read_body(receive, self.settings.max_body_bytes)
            except TimeoutError:
                await send_problem(send, 408, "the request body did not arrive in time")
                return
            except BodyTooLarge:
                await send_problem(send, 413, f"the request body exceeds {self.settings.max_body_bytes} bytes")
                return
        else:
            stream = _BodyStream(receive, self.settings.max_body_bytes)
            body = stream.chunks()
        keyed = "idempotency-key" in headers
        attempts = 1 + (self.settings.retries if not isinstance(body, AsyncIterator) else 0)  # a stream cannot be sent twice
        total = self.settings.timeouts_s.get(route.service, 10.0)
        if route.streams(method):  # a live stream lasts as long as the service keeps it open
            total = self.settings.stream_timeout_s
        timeout = aiohttp.ClientTimeout(total=total, connect=self.settings.connect_timeout_s)
        for attempt in range(1, attempts + 1):
            started = False
            try:
                async with self.http.request(
                    method,
                    url,
                    headers=headers,
                    data=body,
                    timeout=timeout,
                    allow_redirects=False,
                    skip_auto_headers=("User-Agent", "Accept-Encoding", "Content-Type"),
                ) as response:
                    started = True
                    await send(
                        {
                            "type": "http.response.start",
                            "status": response.status,
                            "headers": [
                                (k.lower(), v)
                                for k, v in response.raw_headers
                                if (k.lower() not in HOP_BY_HOP or k.lower() == b"content-length") and not _gateway_owned(k.lower())
                            ],
                        }
                    )
                    copied = _copy_body(response, send)
                    if route.streams(method):  # a live stream ends when the browser leaves: free the service's side at once
                        await _until_disconnected(copied, receive)
                    else:
                        await copied
                    return
            except BodyTooLarge:
                await send_problem(send, 413, f"the request body exceeds {self.settings.max_body_bytes} bytes")
                return
            except (aiohttp.ClientConnectorError, aiohttp.ServerDisconnectedError) as exc:
                if started:
                    raise
                if attempt < attempts and may_send_again(method, keyed, exc):
                    await asyncio.sleep(0.05 * attempt)
                    continue
                await send_problem(
                    send, 503, f"the {route.service} service is unavailable", service=route.service, reason=type(exc).__name__
                )
                return
            except TimeoutError:
                if started:
                    raise
                await send_problem(send, 504, f"the {route.service} service did not answer within {total:g}s", service=route.service)
                return
            except aiohttp.ClientError as exc:
                if started:
                    raise
                if attempt < attempts and isinstance(exc, aiohttp.ClientOSError) and reset_may_send_again(method, keyed):
                    await asyncio.sleep(0.05 * attempt)  # a pooled connection reset by a replica shutting down
                    continue
                if isinstance(body, AsyncIterator) and stream.exceeded:  # aiohttp wraps our generator's error
                    await send_problem(send, 413, f"the request body exceeds {self.settings.max_body_bytes} bytes")
                    return
                await send_problem(
                    send, 502, f"the {route.service} service answered badly", service=route.service, reason=type(exc).__name__
                )
                return

    def _upstream_headers(self, scope: Scope, caller: Caller | None) -> CIMultiDict[str]:
        """The request's headers for the service: the caller's token (none on a public route), the
        request id, trace context and where the request came from; never the browser's cookies."""
        headers: CIMultiDict[str] = CIMultiDict()  # a repeated header stays repeated
        for raw_name, raw_value in scope["headers"]:
            name = raw_name.lower()
            if name in HOP_BY_HOP or name in (b"cookie", b"authorization", b"x-request-id", b"traceparent", b"tracestate"):
                continue
            if name.startswith(b"x-forwarded-") or name in (b"forwarded", b"x-real-ip"):
                continue
            headers.add(name.decode("latin-1"), raw_value.decode("latin-1"))
        if caller is not None:
            headers["authorization"] = f"Bearer {caller.principal.token}"
        headers["x-request-id"] = scope[REQUEST_ID_KEY]
        client = scope.get("client")
        if client:
            headers["x-forwarded-for"] = client[0]
        headers["x-forwarded-proto"] = scope.get("scheme", "http")
        for name, value in scope["headers"]:
            if name == b"host":
                headers["x-forwarded-host"] = value.decode("latin-1")
        if length := _content_length(scope):
            headers["content-length"] = str(length)
        propagate.inject(headers)
        return headers


def _gateway_owned(name: bytes) -> bool:
    """Response headers only the gateway sets: a service never sets cookies or CORS on the browser, and
    its ``server`` and ``date`` never reach the client (the gateway's server writes its own date, and no
    ``server``: the software behind Abri is nobody's business)."""
    return name in (b"set-cookie", b"server", b"date") or name.startswith(b"access-control-")


def _client_key(principal: Principal) -> str:
    return f"{principal.client_id or '-'}:{principal.subject}"


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            with contextlib.suppress(ValueError):
                return int(value)
    return None


def _chunked(scope: Scope) -> bool:
    return any(name == b"transfer-encoding" for name, _ in scope["headers"])


async def _read_body(receive: Receive, limit: int) -> bytes:
    return b"".join([chunk async for chunk in _BodyStream(receive, limit).chunks()])


class _BodyStream:
    """The request body as it arrives, counted against the limit."""

    def __init__(self, receive: Receive, limit: int) -> None:
        self.receive = receive
        self.limit = limit
        self.exceeded = False

    async def chunks(self) -> AsyncIterator[bytes]:
        received = 0
        while True:
            message = await self.receive()
            if message["type"] == "http.disconnect":
                return
            chunk: bytes = message.get("body", b"")
            received += len(chunk)
            if received > self.limit:
                self.exceeded = True
                raise BodyTooLarge
            if chunk:
                yield chunk
            if not message.get("more_body", False):
                return
