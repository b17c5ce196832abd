"""RFC 9457 problem details: one error shape for every service.

Bad input answers 4xx with ``type``, ``title``, ``status``, ``detail`` and, for validation errors,
``errors`` naming each field; nothing is changed.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from opentelemetry import trace
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from abri_auth.errors import AuthError
from abri_auth.scoping import NotFound
from abri_bus.consumer import is_infrastructure_error
from abri_kit.envelope import KeyServiceError
from abri_kit.errors import Problem as Problem  # re-exported: routes raise it from here

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger(__name__)


def problem_response(status: int, detail: str, *, type_: str = "about:blank", title: str | None = None, **extra: Any) -> JSONResponse:
    """A problem-details response."""
    body: dict[str, Any] = {"type": type_, "title": title or HTTPStatus(status).phrase, "status": status, "detail": detail}
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def allowed_methods(request: Request) -> list[str]:
    """Every method some route of the app takes at the request's path."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches({**request.scope, "method": "\x00"})  # a method no route takes: path matches are partial
        if match is not Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    return sorted(methods)


def install_problem_handlers(app: FastAPI) -> None:
    """Make every error of ``app`` a problem-details body."""

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        response = problem_response(exc.status, exc.detail, type_=exc.type, title=exc.title, **exc.extra)
        response.headers.update(exc.headers)
        return response

    @app.exception_handler(AuthError)
    async def _auth(request: Request, exc: AuthError) -> JSONResponse:
        response = problem_response(exc.status, exc.description, **exc.extensions())
        response.headers["WWW-Authenticate"] = exc.challenge()
        return response

    from abri_kit.idempotency import Replayed  # imported here: idempotency raises Problem

    @app.exception_handler(Replayed)
    async def _replayed(request: Request, exc: Replayed) -> JSONResponse:
        return exc.response

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, exc: NotFound) -> JSONResponse:
        return problem_response(404, str(exc))

    @app.exception_handler(KeyServiceError)
    async def _key_service(request: Request, exc: KeyServiceError) -> JSONResponse:
        log.error("key service: %s", exc)  # the URL and key for ops; the client learns only that it may retry
        response = problem_response(
            503, "The key service is unavailable; nothing was changed. Try again later.", title="Key service unavailable"
        )
        response.headers["Retry-After"] = "30"
        return response

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        response = problem_response(exc.status_code, str(exc.detail))
        for name, value in (exc.headers or {}).items():
            response.headers[name] = value
        if exc.status_code == 405:  # Starlette names the methods of the first route of the path only
            response.headers["Allow"] = ", ".join(allowed_methods(request))
        return response

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": ".".join(str(p) for p in error["loc"]), "message": error["msg"], "code": error["type"]} for error in exc.errors()
        ]
        return problem_response(422, "The request is not valid.", title="Invalid request", errors=errors)


Answer = Callable[[Scope, Receive, Exception], Awaitable[Response]]
"""How an app answers an error no handler answered (the request's scope and body, the error)."""


def unhandled_problem(scope: Scope) -> Response:
    """The 500 problem-details answer of an unhandled error, with the request's id for the report (never
    the error's own words, which may hold anything)."""
    extra = {"request_id": scope["abri.request_id"]} if scope.get("abri.request_id") else {}
    detail = "The service failed to answer this request; nothing was changed. Quote the request id when reporting it."
    return problem_response(500, detail, title="Internal Server Error", **extra)


UNAVAILABLE_RETRY_AFTER_S = 2
"""What a 503 for a database away tells the client to wait (a restart or a failover takes seconds)."""


def unavailable_problem(scope: Scope) -> Response:
    """The 503 answer of a request that met its database away (restarting, failing over, out of
    connections): the client may retry. A commit cut off cannot say whether it was done, hence the key."""
    extra = {"request_id": scope["abri.request_id"]} if scope.get("abri.request_id") else {}
    detail = "The service's database is unavailable for a moment. Try again shortly: a request sent with an Idempotency-Key is done once."
    response = problem_response(503, detail, title="Service Unavailable", **extra)
    response.headers["Retry-After"] = str(UNAVAILABLE_RETRY_AFTER_S)
    return response


async def _problem_answer(scope: Scope, _receive: Receive, _error: Exception) -> Response:
    return unhandled_problem(scope)


class UnhandledErrors:
    """An error no handler answered becomes a 500 answer (by default a problem-details body with the
    request's id, for the report), logged with its traceback and recorded on the span, and is not raised
    further. ``answer`` makes another answer (the gateway: a page in the visitor's language for a browser);
    an answer that fails too falls back to the problem, logged. An error that says the database is away
    (:func:`abri_bus.consumer.is_infrastructure_error`) is no bug: a 503 with ``Retry-After`` instead.

    Without it, Starlette answers ``text/plain`` and re-raises, and uvicorn then closes the connection: a
    proxy that pooled it (the gateway) finds it dead on its next request. Installed innermost, so that the
    request id, metrics and tracing middlewares see an ordinary 500. An error after the response started
    (a stream) cannot be answered again: it is raised as before."""

    def __init__(self, app: ASGIApp, answer: Answer = _problem_answer) -> None:
        self.app = app
        self.answer = answer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            if started:
                raise
            if is_infrastructure_error(exc):  # not a bug: the database is away; the client may try again
                log.warning("%s %s: the database is unavailable (%s): 503", scope.get("method"), scope.get("path"), type(exc).__name__)
                await unavailable_problem(scope)(scope, receive, send)
                return
            log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            span = trace.get_current_span()
            span.record_exception(exc)
            span.set_status(trace.Status(trace.StatusCode.ERROR, type(exc).__name__))
            try:
                response = await self.answer(scope, receive, exc)
            except Exception:
                log.exception("the answer to an unhandled error failed too: the problem instead")
                response = unhandled_problem(scope)
            await response(scope, receive, send)
