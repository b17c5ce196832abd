"""The pages' calls to the services, with the signed-in session's access token.

The web front is a client of the same APIs as everyone else: each service checks the token and scopes
every query to the caller, so a page can never show more than its user may read through the API. The
same scope rule as the proxy applies (``<service>:read`` / ``<service>:write``), and the request id and
trace context go along.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from opentelemetry import propagate

from abri_gateway.auth import Caller
from abri_gateway.proxy import SAFE_METHODS, ApiProxy
from abri_gateway.settings import GatewaySettings


@dataclass
class ApiError(Exception):
    """A service answered with an error (its problem-details body, when it sent one)."""

    status: int
    problem: dict[str, Any] = field(default_factory=dict)

    @property
    def detail(self) -> str:
        return str(self.problem.get("detail") or self.problem.get("title") or f"error {self.status}")

    @property
    def errors(self) -> list[dict[str, Any]]:
        """The field errors (validation) or failed rules the problem names."""
        errors = self.problem.get("errors")
        return [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []


@dataclass(frozen=True)
class Reply:
    """A successful answer."""

    status: int
    body: Any
    headers: dict[str, str]
    content: bytes = b""


class ServiceApi:
    """Calls a service on behalf of the browser's signed-in user."""

    def __init__(self, settings: GatewaySettings, proxy: ApiProxy) -> None:
        self.settings = settings
        self.proxy = proxy

    async def call(
        self,
        caller: Caller,
        method: str,
        service: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
        form: aiohttp.FormData | None = None,
        headers: dict[str, str] | None = None,
        request_id: str | None = None,
        raw: bool = False,
    ) -> Reply:
        """``method`` ``path`` on ``service``; raises :class:`ApiError` on a 4xx or 5xx answer."""
        assert self.proxy.http is not None, "the gateway is not started"
        caller.principal.require_scopes(f"{service}:{'read' if method in SAFE_METHODS else 'write'}")
        token = caller.session.access_token if caller.session else ""
        sent = {"authorization": f"Bearer {token}", "accept": "application/json", **(headers or {})}
        if request_id:
            sent["x-request-id"] = request_id
        propagate.inject(sent)
        query = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in (params or {}).items() if v not in (None, "")}
        timeout = aiohttp.ClientTimeout(total=self.settings.timeouts_s.get(service, 10.0), connect=self.settings.connect_timeout_s)
        url = self.settings.upstream(service) + path
        try:
            async with self.proxy.http.request(
                method, url, params=query, json=json_body, data=form, headers=sent, timeout=timeout
            ) as response:
                content = await response.read()
                reply_headers = {k.lower(): v for k, v in response.headers.items()}
                if response.status >= 400:
                    raise ApiError(response.status, _problem(content))
                body = None if raw or not content else json.loads(content)
                return Reply(response.status, body, reply_headers, content if raw else b"")
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise ApiError(503, {"title": "Service unavailable", "detail": f"{service} did not answer"}) from exc

    async def public(self, service: str, method: str, path: str, *, json_body: Any = None, client_ip: str | None = None) -> Reply:
        """A public route of a service (no token), e.g. the visa check."""
        assert self.proxy.http is not None, "the gateway is not started"
        headers = {"accept": "application/json"}
        if client_ip:
            headers["x-forwarded-for"] = client_ip
        timeout = aiohttp.ClientTimeout(total=self.settings.timeouts_s.get(service, 10.0), connect=self.settings.connect_timeout_s)
        try:
            async with self.proxy.http.request(
                method, self.settings.upstream(service) + path, json=json_body, headers=headers, timeout=timeout
            ) as response:
                content = await response.read()
                if response.status >= 400:
                    raise ApiError(response.status, _problem(content))
                return Reply(response.status, json.loads(content) if content else None, dict(response.headers))
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise ApiError(503, {"title": "Service unavailable", "detail": f"{service} did not answer"}) from exc


def _problem(content: bytes) -> dict[str, Any]:
    try:
        body = json.loads(content)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
