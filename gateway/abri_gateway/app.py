"""The gateway's ASGI app: ``/api/<service>/...`` goes to the proxy; the rest (probes, docs, browser
login) to a small FastAPI app. Around both: trace context, request id, CORS, security headers."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import fastapi_offline
import httpx
from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from prometheus_client import Gauge, start_http_server
from starlette.types import ASGIApp, Receive, Scope, Send

from abri_auth.errors import AuthError
from abri_auth.token_cache import ValidatedTokens
from abri_auth.tokens import TokenValidator
from abri_gateway.auth import GatewayAuth, SessionWriteBack
from abri_gateway.bff import BackendForFrontend
from abri_gateway.openapi import ServiceDocuments, merge
from abri_gateway.problems import send_problem
from abri_gateway.proxy import ApiProxy
from abri_gateway.security_headers import SecurityHeadersMiddleware
from abri_gateway.sessions import MemorySessionStore, RedisSessionStore, SessionCipher, SessionStore, StoreUnavailable, redis_client
from abri_gateway.settings import GatewaySettings
from abri_gateway.web.api import ServiceApi
from abri_gateway.web.router import enrol, error_page
from abri_gateway.web.router import install as install_web
from abri_gateway.web.site import Site
from abri_kit.client_address import ClientAddressMiddleware, TrustedProxies
from abri_kit.problems import install_problem_handlers, problem_response
from abri_kit.rate_limits import RateLimits, redis_storage
from abri_kit.request_id import RequestIdMiddleware
from abri_kit.tracing_middleware import NO_NATIVE_TELEMETRY, ServerSpanMiddleware

log = logging.getLogger(__name__)
SESSION_STORE_UP = Gauge("abri_gateway_session_store_up", "1 when the session store (Redis) answered the last readiness probe, else 0.")
SWAGGER_STATIC = Path(fastapi_offline.__file__).parent / "static"
OWN_STATIC = Path(__file__).parent / "static"
DOCS_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Abri API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script><script src="/docs/init.js"></script></body></html>"""


class Dispatch:
    """``/api/...`` to the proxy (the hot path, plain ASGI), everything else to the FastAPI app."""

    def __init__(self, proxy: ApiProxy, site: ASGIApp) -> None:
        self.proxy = proxy
        self.site = site

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/api/"):
            await self.proxy(scope, receive, send)
        else:
            await self.site(scope, receive, send)


def create_app(settings: GatewaySettings | None = None) -> ASGIApp:
    """Build the gateway from the environment (or from ``settings``, in tests)."""
    settings = settings or GatewaySettings()
    oidc_http = httpx.AsyncClient(timeout=5.0, verify=settings.oidc_tls())
    validator = TokenValidator(settings.token_policy(), oidc_http, jwks_uri=settings.oidc_jwks_uri)
    tokens = ValidatedTokens(validator, settings.token_cache_size)
    sessions: SessionStore
    redis_url = settings.redis_url.get_secret_value() if settings.redis_url else ""
    if redis_url:  # shared by the replicas: sessions (encrypted) and rate-limit counters
        redis = redis_client(redis_url)
        cipher = SessionCipher(key.get_secret_value() for key in settings.session_keys)
        sessions = RedisSessionStore(redis, cipher, settings.session_ttl_s, settings.session_idle_s)
        counters = redis_storage(redis_url, connection_pool=redis.connection_pool)
    else:  # one process
        sessions = MemorySessionStore(settings.session_ttl_s, settings.session_idle_s)
        counters = None
    auth = GatewayAuth(tokens, sessions, settings.session_cookie)
    proxy = ApiProxy(settings, auth, RateLimits(settings.rate_limit, counters, "client"), counters)
    bff = BackendForFrontend(settings, auth, sessions, oidc_http)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await proxy.start()
        metrics = MetricsEndpoint(settings.metrics_host, settings.metrics_port) if settings.metrics_port else None
        try:
            yield
        finally:
            if metrics is not None:
                metrics.close()
            await proxy.close()
            await oidc_http.aclose()
            await sessions.close()

    site = FastAPI(title="Abri gateway", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None, telemetry=NO_NATIVE_TELEMETRY)
    install_problem_handlers(site)
    site.state.validated_tokens = tokens
    site.include_router(bff.router)
    web = Site(settings, auth, ServiceApi(settings, proxy))
    install_web(site, web, settings.web_assets_dir)
    bff.after_sign_in = lambda session: enrol(web, session)

    @site.exception_handler(StoreUnavailable)
    async def _store_unavailable(request: Request, exc: StoreUnavailable) -> Response:
        log.warning("session store unavailable: %s", exc)
        detail = "signed-in sessions are unavailable for a moment: try again shortly (API clients with a bearer token are not affected)"
        if "text/html" in request.headers.get("accept", ""):  # a page in the visitor's language, not the API's English
            return await error_page(request, 503)
        response = problem_response(503, detail, title="Service Unavailable")
        response.headers["retry-after"] = "5"
        return response

    @site.exception_handler(AuthError)
    async def _auth_error(request: Request, exc: AuthError) -> Response:
        if "text/html" in request.headers.get("accept", ""):  # a browser: a page in its language, not JSON
            return await error_page(request, exc.status)  # what the status means in words, not the API's English description
        response = problem_response(exc.status, exc.description, **exc.extensions())
        response.headers["WWW-Authenticate"] = exc.challenge()
        return response

    @site.get("/healthz", tags=["probes"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": "gateway"}

    @site.get("/readyz", tags=["probes"])
    async def readyz() -> JSONResponse:
        """Ready when the identity provider's keys are at hand. A session store that does not answer is reported
        (``sessions``: ``unavailable``, and the ``abri_gateway_session_store_up`` gauge) without taking the replica
        out: every replica shares it, and API clients with a bearer token do not need it."""
        try:
            await validator.keys.key_set(None)
        except Exception as exc:
            return problem_response(503, f"the identity provider's keys are not available: {exc}", title="Not ready")
        try:
            await sessions.ready()
            SESSION_STORE_UP.set(1)
        except StoreUnavailable as exc:
            SESSION_STORE_UP.set(0)
            return JSONResponse({"status": "degraded", "service": "gateway", "sessions": "unavailable", "detail": str(exc)})
        return JSONResponse({"status": "ready", "service": "gateway", "sessions": "redis" if redis_url else "memory"})

    documents = ServiceDocuments(settings.upstream)

    @site.get("/openapi.json", include_in_schema=False)
    async def openapi() -> JSONResponse:
        assert proxy.http is not None
        own = site.openapi() if site.openapi_schema is None else site.openapi_schema
        return JSONResponse(merge(await documents.documents(proxy.http), own))

    @site.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(DOCS_HTML)

    @site.get("/docs/{asset}", include_in_schema=False)
    async def docs_asset(asset: str) -> FileResponse:
        files = {
            "swagger-ui.css": SWAGGER_STATIC / "swagger-ui.css",
            "swagger-ui-bundle.js": SWAGGER_STATIC / "swagger-ui-bundle.js",
            "init.js": OWN_STATIC / "docs-init.js",
        }
        if asset not in files:
            from abri_auth.scoping import NotFound

            raise NotFound("asset", asset)
        return FileResponse(files[asset])

    # no /metrics here: on its own port (MetricsEndpoint), never routed by the Ingress; a page's changes to its
    # session (notices) are saved before its answer leaves
    app: ASGIApp = Dispatch(proxy, SessionWriteBack(site, sessions))
    app = RequestIdMiddleware(app)
    app = ServerSpanMiddleware(app)
    if settings.cors_origins:
        app = CORSMiddleware(
            app,
            allow_origins=settings.cors_origins,
            allow_credentials=True,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["authorization", "content-type", "x-csrf-token", "x-request-id", "if-match"],
            expose_headers=["x-request-id", "etag", "retry-after"],
        )
    app = SecurityHeadersMiddleware(app)
    app = ClientAddressMiddleware(app, TrustedProxies(settings.trusted_proxies))  # outermost: every layer sees the caller
    return _Lifespan(app, site)


class MetricsEndpoint:
    """Prometheus's ``/metrics`` on a port of its own (a thread of prometheus_client), so that the public
    port the Ingress routes never answers it."""

    def __init__(self, host: str, port: int) -> None:
        self.server, self.thread = start_http_server(port, addr=host)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


class _Lifespan:
    """Routes lifespan events to the FastAPI app (the proxy's pools open and close with it)."""

    def __init__(self, app: ASGIApp, site: FastAPI) -> None:
        self.app = app
        self.site = site

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.site(scope, receive, send)
        else:
            await self.app(scope, receive, send)


__all__ = ["create_app", "send_problem"]
