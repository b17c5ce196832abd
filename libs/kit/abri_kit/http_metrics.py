"""HTTP request metrics, labelled by route template (never by raw path, which may hold ids)."""

from __future__ import annotations

import time

from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUESTS = Counter("abri_http_requests_total", "HTTP requests answered.", ["service", "method", "route", "status"])
LATENCY = Histogram("abri_http_request_duration_seconds", "HTTP request duration.", ["service", "method", "route"])


class HttpMetricsMiddleware:
    """Counts requests and times them, per route template."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", "unmatched")
            REQUESTS.labels(self.service, scope["method"], template, str(status)).inc()
            LATENCY.labels(self.service, scope["method"], template).observe(time.perf_counter() - started)
