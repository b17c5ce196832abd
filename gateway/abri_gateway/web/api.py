"""The pages' calls to the services, with the signed-in session's access token.

The web front is a client of the same APIs as everyone else: each service checks the token and scopes
every query to the caller, so a page can never show more than its user may read through the API. The
same scope rule as the proxy applies (``<service>:read`` / ``<service>:write``), and the request id and
trace context go along.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from fastapi.responses import StreamingResponse
from opentelemetry import propagate
from starlette.types import Receive, Scope, Send

from abri_gateway.auth import Caller
from abri_gateway.proxy import SAFE_METHODS, ApiProxy, may_send_again, reset_may_send_again
from abri_gateway.settings import GatewaySettings

DOWNLOAD_CHUNK = 64 * 1024
"""A download is passed on in pieces of this size at most, as the browser takes them."""


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


@dataclass
class StepUpRequired(Exception):
    """A service asked for a stronger or more recent authentication (RFC 9470): not an :class:`ApiError`,
    so that no page takes it for a refusal; the web front sends the person back to the identity provider."""

    acr_values: str
    max_age: int | None = None


def _error(status: int, content: bytes) -> Exception:
    """The exception for a service's error answer."""
    problem = _problem(content)
    acr_values = problem.get("acr_values")
    if status == 401 and isinstance(acr_values, str) and acr_values:
        max_age = problem.get("max_age")
        return StepUpRequired(acr_values, max_age if isinstance(max_age, int) and not isinstance(max_age, bool) else None)
    return ApiError(status, problem)


@dataclass(frozen=True)
class Reply:
    """A successful answer."""

    status: int
    body: Any
    headers: dict[str, str]


class Download(StreamingResponse):
    """A service's file passed on to the browser as it arrives: the service's response is held open
    while the body is sent, and released however the sending ends (done, failed, browser gone)."""

    def __init__(self, upstream: aiohttp.ClientResponse) -> None:
        self.upstream = upstream
        headers = {
            "content-disposition": attachment(upstream.headers.get("content-disposition", "")),
            "cache-control": "no-store",
            "x-content-type-options": "nosniff",
        }
        if upstream.headers.get("content-length", "").isdigit():  # the browser shows progress and knows a cut download
            headers["content-length"] = upstream.headers["content-length"]
        super().__init__(
            upstream.content.iter_chunked(DOWNLOAD_CHUNK),
            status_code=200,
            media_type=upstream.headers.get("content-type", "application/octet-stream"),
            headers=headers,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.upstream.release()


def attachment(disposition: str) -> str:
    """The service's ``content-disposition`` made an attachment (its file name kept): a document is
    downloaded, never shown inline in Abri's origin."""
    _kind, _, parameters = disposition.partition(";")
    return f"attachment;{parameters}" if parameters.strip() else "attachment"


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
    ) -> Reply:
        """``method`` ``path`` on ``service``; raises :class:`ApiError` on a 4xx or 5xx answer."""
        http = self._http()
        sent = self._headers(caller, method, service, {"accept": "application/json", **(headers or {})}, request_id)
        timeout = aiohttp.ClientTimeout(total=self.settings.timeouts_s.get(service, 10.0), connect=self.settings.connect_timeout_s)
        url = self.settings.upstream(service) + path
        attempts = 1 + (self.settings.retries if form is None else 0)  # a form's parts cannot be sent twice
        keyed = any(name.lower() == "idempotency-key" for name in sent)
        for attempt in range(1, attempts + 1):
            try:
                async with http.request(
                    method, url, params=_query(params), json=json_body, data=form, headers=sent, timeout=timeout
                ) as response:
                    content = await response.read()
                    reply_headers = {k.lower(): v for k, v in response.headers.items()}
                    if response.status >= 400:
                        raise _error(response.status, content)
                    return Reply(response.status, json.loads(content) if content else None, reply_headers)
            except (aiohttp.ClientConnectorError, aiohttp.ServerDisconnectedError) as exc:
                if attempt < attempts and may_send_again(method, keyed, exc):  # as the proxy does
                    await asyncio.sleep(0.05 * attempt)
                    continue
                raise _unavailable(service) from exc
            except aiohttp.ClientOSError as exc:
                if attempt < attempts and reset_may_send_again(method, keyed):  # as the proxy does
                    await asyncio.sleep(0.05 * attempt)
                    continue
                raise _unavailable(service) from exc
            except (aiohttp.ClientError, TimeoutError) as exc:
                raise _unavailable(service) from exc
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def download(
        self, caller: Caller, service: str, path: str, *, params: dict[str, Any] | None = None, request_id: str | None = None
    ) -> StreamingResponse:
        """GET a file of ``service`` (a document, a PDF) for the browser, streamed: never read whole into
        the gateway's memory. Sent as an attachment with the service's type and file name, never cached,
        never sniffed. An error answer raises :class:`ApiError` (with its problem) before anything is sent.

        The service's timeout bounds each wait for its next bytes (not the whole download, which goes at
        the browser's pace); a service that fails halfway cuts the download, which the browser sees short
        of its ``content-length``."""
        http = self._http()
        sent = self._headers(caller, "GET", service, {"accept": "*/*", "accept-encoding": "identity"}, request_id)
        wait = self.settings.timeouts_s.get(service, 10.0)
        timeout = aiohttp.ClientTimeout(total=None, connect=self.settings.connect_timeout_s, sock_read=wait)
        try:
            upstream = await http.get(self.settings.upstream(service) + path, params=_query(params), headers=sent, timeout=timeout)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise _unavailable(service) from exc
        if upstream.status < 400:
            return Download(upstream)
        try:
            content = await upstream.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise _unavailable(service) from exc
        finally:
            upstream.release()
        raise _error(upstream.status, content)

    async def public(
        self,
        service: str,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        params: dict[str, Any] | None = None,
        client_ip: str | None = None,
    ) -> Reply:
        """A public route of a service (no token), e.g. the visa check, the platform's insights."""
        http = self._http()
        headers = {"accept": "application/json"}
        if client_ip:
            headers["x-forwarded-for"] = client_ip
        timeout = aiohttp.ClientTimeout(total=self.settings.timeouts_s.get(service, 10.0), connect=self.settings.connect_timeout_s)
        try:
            async with http.request(
                method, self.settings.upstream(service) + path, params=_query(params), json=json_body, headers=headers, timeout=timeout
            ) as response:
                content = await response.read()
                if response.status >= 400:
                    raise ApiError(response.status, _problem(content))
                return Reply(response.status, json.loads(content) if content else None, dict(response.headers))
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise _unavailable(service) from exc

    def _http(self) -> aiohttp.ClientSession:
        assert self.proxy.http is not None, "the gateway is not started"
        return self.proxy.http

    @staticmethod
    def _headers(caller: Caller, method: str, service: str, headers: dict[str, str], request_id: str | None) -> dict[str, str]:
        """The request's headers, once the caller's scopes allow ``method`` on ``service``: the session's
        token, the request id and the trace context."""
        caller.principal.require_scopes(f"{service}:{'read' if method in SAFE_METHODS else 'write'}")
        token = caller.session.access_token if caller.session else caller.principal.token  # a browser's session, or a bearer token
        sent = {"authorization": f"Bearer {token}", **headers}
        if request_id:
            sent["x-request-id"] = request_id
        propagate.inject(sent)
        return sent


def _query(params: dict[str, Any] | None) -> list[tuple[str, str]]:
    """The query string's pairs: a list or a tuple gives its name once per value (``?status=a&status=b``)."""
    pairs = []
    for name, value in (params or {}).items():
        for one in value if isinstance(value, list | tuple) else [value]:
            if one not in (None, ""):
                pairs.append((name, str(one).lower() if isinstance(one, bool) else str(one)))
    return pairs


def _unavailable(service: str) -> ApiError:
    return ApiError(503, {"title": "Service unavailable", "detail": f"{service} did not answer"})


def _problem(content: bytes) -> dict[str, Any]:
    try:
        body = json.loads(content)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
