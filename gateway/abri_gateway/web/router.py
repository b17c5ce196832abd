"""Puts the web front on the gateway's site app: pages, static files, error pages."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Receive, Scope

from abri_gateway.sessions import Session
from abri_gateway.web import i18n
from abri_gateway.web.api import ApiError, StepUpRequired
from abri_gateway.web.conflicts import explained
from abri_gateway.web.pages import (
    assistant,
    association,
    cohabitation,
    common,
    export,
    fund,
    household,
    insights,
    inventories,
    invitation,
    ops,
    owner,
    visa_check,
)
from abri_gateway.web.site import OWN_STATIC, Site
from abri_gateway.web.visit import PageError, SignInFirst, visit
from abri_kit.problems import UnhandledErrors, unhandled_problem

log = logging.getLogger(__name__)
PAGES = (
    common.router,
    visa_check.router,
    owner.router,
    association.router,
    fund.router,
    household.router,
    inventories.router,
    cohabitation.router,
    invitation.router,
    assistant.router,
    insights.router,
    ops.router,
    export.router,
)


def install(app: FastAPI, site: Site, assets: Path) -> None:
    """Mount the pages and their static files on ``app``; ``assets`` is the npm packages' folder."""
    app.state.web = site
    for router in PAGES:
        app.include_router(router, include_in_schema=False)
    app.include_router(export.api)  # an API route of the gateway's own (documented)
    app.mount("/static/dsfr", StaticFiles(directory=assets / "@gouvfr" / "dsfr" / "dist", check_dir=False), name="dsfr")
    app.mount("/static/htmx", StaticFiles(directory=assets / "htmx.org" / "dist", check_dir=False), name="htmx")
    app.mount("/static/web", StaticFiles(directory=OWN_STATIC), name="web")

    problem = app.exception_handlers[StarletteHTTPException]  # the API's answer (problem+json), kept for API clients
    invalid = app.exception_handlers[RequestValidationError]

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if wants_page(request):  # an unknown address, a method a page does not take: a page in the visitor's language
            return await error_page(request, exc.status_code)
        return await _answered(problem(request, exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        if wants_page(request):  # a page's address with a malformed id or filter: there is no such page
            return await error_page(request, 404 if request.method == "GET" else 400)
        return await _answered(invalid(request, exc))

    app.add_middleware(UnhandledErrors, answer=failure_page)

    @app.exception_handler(SignInFirst)
    async def _sign_in(request: Request, exc: SignInFirst) -> Response:
        if request.method != "GET":
            return await error_page(request, 401, i18n.gettext("Your session has ended: sign in again."))
        return RedirectResponse("/login?" + urlencode({"return_to": exc.return_to}), status_code=303)

    @app.exception_handler(PageError)
    async def _page_error(request: Request, exc: PageError) -> Response:
        return await error_page(request, exc.status, exc.message)

    @app.exception_handler(StepUpRequired)
    async def _step_up(request: Request, exc: StepUpRequired) -> Response:
        return await step_up(request, exc)

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> Response:
        if exc.status in (401,):
            return await error_page(request, 401, i18n.gettext("Your session has ended: sign in again."))
        if exc.status == 404:
            return await error_page(request, 404, i18n.gettext("This page does not exist, or it is not yours."))
        if exc.status >= 500:
            log.warning("a page's call failed: %s %s", exc.status, exc.detail)
            return await error_page(request, 503, i18n.gettext("A part of Abri does not answer right now. Try again in a moment."))
        return await error_page(request, exc.status, explained(exc))  # never the service's English detail


async def _answered(answer: Response | Awaitable[Response]) -> Response:
    """A handler's answer (Starlette's handlers may be coroutines or plain functions)."""
    return await answer if inspect.isawaitable(answer) else answer


API_PATHS = ("/api/", "/docs", "/openapi.json", "/healthz", "/readyz", "/static/", "/v1/")
"""Addresses of programs, not people: they keep problem+json whatever they accept."""


def wants_page(request: Request) -> bool:
    """A browser asking for a page (``Accept: text/html``) at an address that is not an API's."""
    path = request.url.path
    return "text/html" in request.headers.get("accept", "") and not any(path.startswith(p) or path == p.rstrip("/") for p in API_PATHS)


def status_message(status: int) -> str:
    """What an error means to a person, in the visitor's language."""
    if status == 404:
        return i18n.gettext("This page does not exist, or it is not yours. Check the address, or go back to the home page.")
    if status == 403:
        return i18n.gettext("You may not see this page or do this action with your account.")
    if status == 401:
        return i18n.gettext("Your session has ended: sign in again.")
    if status == 405:
        return i18n.gettext("This page cannot be used this way: go back to the page you came from.")
    if status >= 500:
        return i18n.gettext("Something went wrong on our side: nothing was changed. Try again in a moment.")
    return i18n.gettext("This request could not be handled: go back to the page you came from.")


def status_title(status: int) -> str:
    """The error page's heading: what happened, in words, with its number."""
    if status == 404:
        return i18n.gettext("Page not found")
    if status == 403:
        return i18n.gettext("Access refused")
    if status == 401:
        return i18n.gettext("Sign in again")
    if status >= 500:
        return i18n.gettext("Service unavailable")
    return i18n.gettext("Error %(status)s", status=status)


async def error_page(request: Request, status: int, message: str | None = None, step_up_url: str | None = None) -> HTMLResponse:
    """An error as a page in the visitor's language (``message`` by default: what ``status`` means)."""
    page = await visit(request)
    return page.render(
        "error.html", status=status, status_code=status, title=status_title(status), message=message or status_message(status),
        step_up_url=step_up_url,
    )  # fmt: skip


async def failure_page(scope: Scope, receive: Receive, error: Exception) -> Response:
    """The answer to a page that fails (an error no handler answers, given by the kit's ``UnhandledErrors``,
    which logs it with its traceback): the 500 page in the visitor's language for a browser; programs keep
    the 500 problem+json."""
    request = Request(scope, receive)
    if not wants_page(request):
        return unhandled_problem(scope)
    return await error_page(request, 500)


async def step_up(request: Request, exc: StepUpRequired) -> Response:
    """A service asked for a second factor (RFC 9470): back to the provider with what it asked, then here
    again. A page (GET) goes there at once; a form sent (POST) cannot be replayed after the detour, so its
    page says why and offers the detour, back to the page the form was on."""
    query = {"acr_values": exc.acr_values}
    if exc.max_age is not None:
        query["max_age"] = str(exc.max_age)
    if request.method == "GET" and "hx-request" not in request.headers:
        return_to = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse("/login?" + urlencode({"return_to": return_to, **query}), status_code=303)
    referer = urlsplit(request.headers.get("referer", ""))
    same_site = not referer.netloc or referer.netloc == request.url.netloc
    return_to = (referer.path or "/") + (f"?{referer.query}" if referer.query else "") if same_site else "/"
    message = i18n.gettext("This action needs you to confirm who you are with your second factor (the code of your authenticator app).")
    return await error_page(request, 401, message, "/login?" + urlencode({"return_to": return_to, **query}))


async def enrol(site: Site, session: Session) -> None:
    """After sign-in: make sure the notification directory knows this person (their inbox, language)."""
    from abri_gateway.auth import Caller

    try:
        caller = Caller(await site.auth.tokens.principal(session.access_token), via_session=True, session=session)
        await site.api.call(caller, "GET", "notifications", "/v1/me/preferences")
    except Exception as exc:  # the sign-in goes on: enrolment happens again on the next page that needs it
        log.warning("could not enrol the signed-in person in notifications: %s", exc)
