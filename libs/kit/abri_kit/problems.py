"""RFC 9457 problem details: one error shape for every service.

Bad input answers 4xx with ``type``, ``title``, ``status``, ``detail`` and, for validation errors,
``errors`` naming each field; nothing is changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from abri_auth.errors import AuthError
from abri_auth.scoping import NotFound

PROBLEM_JSON = "application/problem+json"


class Problem(Exception):
    """Raise to answer with a problem-details body."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        type_: str = "about:blank",
        title: str | None = None,
        headers: Mapping[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.type = type_
        self.title = title or HTTPStatus(status).phrase
        self.headers = dict(headers or {})
        self.extra = extra


def problem_response(status: int, detail: str, *, type_: str = "about:blank", title: str | None = None, **extra: Any) -> JSONResponse:
    """A problem-details response."""
    body: dict[str, Any] = {"type": type_, "title": title or HTTPStatus(status).phrase, "status": status, "detail": detail}
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def install_problem_handlers(app: FastAPI) -> None:
    """Make every error of ``app`` a problem-details body."""

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        response = problem_response(exc.status, exc.detail, type_=exc.type, title=exc.title, **exc.extra)
        response.headers.update(exc.headers)
        return response

    @app.exception_handler(AuthError)
    async def _auth(request: Request, exc: AuthError) -> JSONResponse:
        response = problem_response(exc.status, exc.description)
        response.headers["WWW-Authenticate"] = exc.challenge()
        return response

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, exc: NotFound) -> JSONResponse:
        return problem_response(404, str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        response = problem_response(exc.status_code, str(exc.detail))
        for name, value in (exc.headers or {}).items():
            response.headers[name] = value
        return response

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": ".".join(str(p) for p in error["loc"]), "message": error["msg"], "code": error["type"]} for error in exc.errors()
        ]
        return problem_response(422, "The request is not valid.", title="Invalid request", errors=errors)
