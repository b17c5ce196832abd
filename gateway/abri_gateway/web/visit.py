"""One browser request to a page: its language, its signed-in user (if any), and how to answer it.

Pages take a :class:`Visit` (any visitor) or a signed-in one (:func:`signed_in`, :func:`for_roles`).
State-changing forms go through :meth:`Visit.form` (or :meth:`Visit.upload_form` for files), which
check the session's CSRF token first; a service's file reaches the browser through :meth:`Visit.download`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from starlette.datastructures import FormData

from abri_auth.errors import AuthError
from abri_gateway.auth import Caller
from abri_gateway.web import error_summary, i18n
from abri_gateway.web.api import ApiError, Reply
from abri_gateway.web.navigation import menu
from abri_gateway.web.site import Site

LANGUAGE_COOKIE = "abri_lang"
FORM_LIMIT = 64 * 1024
"""Page forms carry a few fields (documents are uploaded apart): anything larger is refused."""
UPLOAD_FIELDS = 10
UPLOAD_FIELD_BYTES = 4096
"""An upload form's plain fields (a kind, the CSRF token...) besides its files: this many at most, each this long at most."""


class PageError(Exception):
    """Answer with an error page (403, 404, ...) in the visitor's language."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class SignInFirst(Exception):
    """The page needs a signed-in user: go through /login and come back."""

    def __init__(self, return_to: str) -> None:
        super().__init__(return_to)
        self.return_to = return_to


FORM_KEY = re.compile(r"^(\d{1,12})-[0-9a-f]{32}$")
FORM_KEY_TRUSTED_FOR = timedelta(hours=2)
"""How long after it was shown a form's own time is taken as the time it records (a consent): the browser
sends it back, so an older one, or one from the future, is replaced by the time of the sending."""
LIST_PAGE = 200
"""Rows asked per page when a page reads a whole list (the services' maximum)."""
MAX_PAGES = 100
"""A page reads at most this many pages of one list (20,000 rows): beyond, it says so instead of cutting."""


@dataclass
class Visit:
    """A request to a page."""

    request: Request
    site: Site
    lang: str
    lang_from_link: bool
    caller: Caller | None
    request_id: str | None = None
    notices: list[tuple[str, str]] = field(default_factory=list)
    form_key: str | None = None
    """The posted form's own key (``form_key``, a new one in every rendered form: the second it was shown
    and a random part): each service call the form makes carries an ``Idempotency-Key`` derived from it,
    so that a form sent twice (a reload, a double click) does its work once."""

    @property
    def direction(self) -> str:
        return i18n.LANGUAGES[self.lang].direction

    @property
    def roles(self) -> frozenset[str]:
        return self.caller.principal.roles if self.caller else frozenset()

    @property
    def user_name(self) -> str | None:
        if self.caller is None:
            return None
        return self.caller.session.name if self.caller.session and self.caller.session.name else self.caller.principal.subject

    @property
    def new_form_key(self) -> str:
        """A fresh key for a form being rendered (``_macros.html``, ``csrf``)."""
        return f"{int(datetime.now(UTC).timestamp())}-{uuid.uuid4().hex}"

    @property
    def form_shown_at(self) -> datetime:
        """When the posted form was shown (from its key; now without one): the moment a form records, such
        as a consent given with its notice on screen, is the same however many times the form is sent."""
        found = FORM_KEY.match(self.form_key or "")
        now = datetime.now(UTC)
        if found is None:
            return now
        shown = datetime.fromtimestamp(int(found.group(1)), UTC)
        return shown if now - FORM_KEY_TRUSTED_FOR <= shown <= now else now  # an old or a future key says nothing

    @property
    def csrf_token(self) -> str:
        return self.caller.session.csrf_token if self.caller and self.caller.session else ""

    def signed(self) -> Caller:
        """The signed-in caller (pages behind :func:`signed_in` always have one)."""
        if self.caller is None:
            raise SignInFirst(self.request.url.path)
        return self.caller

    # --- calling the services -------------------------------------------------------------------
    async def api(self, method: str, service: str, path: str, **kwargs: Any) -> Any:
        """The body of a service's answer (raises :class:`ApiError`)."""
        reply = await self.reply(method, service, path, **kwargs)
        return reply.body

    async def page_of(self, service: str, path: str, cursor: str | None = None, **params: Any) -> tuple[list[Any], str | None]:
        """One page of a service's list, from ``cursor`` (the first page without), and the next page's cursor."""
        query = {**params, **({"cursor": cursor} if cursor else {})}
        body = await self.api("GET", service, path, params=query)
        return list(body["items"]), body.get("next_cursor")

    async def every(self, service: str, path: str, **params: Any) -> list[Any]:
        """A whole list, page after page (for a page that must see all of it, e.g. to name what it shows);
        more than :data:`MAX_PAGES` full pages is an error, never a list cut silently."""
        rows: list[Any] = []
        cursor: str | None = None
        for _ in range(MAX_PAGES):
            items, cursor = await self.page_of(service, path, cursor, limit=LIST_PAGE, **params)
            rows += items
            if cursor is None:
                return rows
        raise PageError(503, i18n.gettext("This list is too long to show at once."))

    async def reply(self, method: str, service: str, path: str, **kwargs: Any) -> Reply:
        """A service's whole answer (status, headers, body)."""
        if method == "POST" and self.form_key:
            key = self.idempotency_key(service, path, kwargs.get("json_body"))
            kwargs["headers"] = {"idempotency-key": key, **(kwargs.get("headers") or {})}
        return await self.site.api.call(self.signed(), method, service, path, request_id=self.request_id, **kwargs)

    def idempotency_key(self, service: str, path: str, body: Any = None) -> str:
        """One key per call of the posted form: the same when the form is sent again, another for each call
        it makes (two consents posted to one path differ by their bodies)."""
        assert self.form_key is not None
        call = json.dumps([self.form_key, service, path, body], sort_keys=True, default=str)
        return hashlib.sha256(call.encode()).hexdigest()

    async def download(self, service: str, path: str, **params: Any) -> StreamingResponse:
        """A service's file (a document, a PDF) streamed to the browser as an attachment, never cached
        (raises :class:`ApiError` when the service refuses: each page says what that means to its user)."""
        return await self.site.api.download(self.signed(), service, path, params=params, request_id=self.request_id)

    async def get(self, service: str, path: str, **params: Any) -> Any:
        """GET a service's resource; a 404 there is a 404 here."""
        try:
            return await self.api("GET", service, path, params=params)
        except ApiError as exc:
            if exc.status in (403, 404):
                raise PageError(404, i18n.gettext("This page does not exist, or it is not yours.")) from exc
            raise

    # --- forms ----------------------------------------------------------------------------------
    async def form(self) -> FormData:
        """The posted form, once its CSRF token is checked (403 otherwise)."""
        length = self.request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > FORM_LIMIT:
            raise PageError(413, i18n.gettext("This form is too large."))
        form = await self.request.form()
        self._check_csrf(form)
        self._keep_form_key(form)
        return form

    async def upload_form(
        self, max_bytes: int, max_files: int = 1, *, too_large: str | None = None, unsized: str | None = None
    ) -> FormData:
        """A multipart form with up to ``max_files`` files and ``max_bytes`` in all: its size checked before
        any of it is read, its CSRF token before it is used (403 otherwise, its files closed). The caller
        closes the files it keeps (``await form.close()``).

        The size is checked on the Content-Length, before parsing, because Starlette's ``max_part_size``
        limits only the plain fields: a file part is spooled to a temporary file whatever its size, so
        parsing first would write an oversized upload to the disk in full before anything could refuse
        it. The server reads no more of the body than its Content-Length says; a body without one (sent
        in chunks, as no browser sends a form) answers 411. ``too_large`` (413) and ``unsized`` (411) are
        the page's own words for these refusals."""
        length = self.request.headers.get("content-length")
        if length is None or not length.isdigit():
            raise PageError(411, unsized or i18n.gettext("This form has expired or did not come from Abri: reload the page and try again."))
        if int(length) > max_bytes:
            raise PageError(413, too_large or i18n.gettext("This form is too large."))
        form = await self.request.form(max_files=max_files, max_fields=UPLOAD_FIELDS, max_part_size=UPLOAD_FIELD_BYTES)
        try:
            self._check_csrf(form)
        except PageError:
            await form.close()
            raise
        self._keep_form_key(form)
        return form

    def _check_csrf(self, form: FormData) -> None:
        sent = form.get("csrf_token")
        if not self.csrf_token or not isinstance(sent, str) or not hmac.compare_digest(sent, self.csrf_token):
            raise PageError(403, i18n.gettext("This form has expired or did not come from Abri: reload the page and try again."))

    def _keep_form_key(self, form: FormData) -> None:
        sent = form.get("form_key")
        self.form_key = sent if isinstance(sent, str) and FORM_KEY.match(sent) else None

    def notify(self, kind: str, message: str) -> None:
        """A notice shown on the next page this user sees (kept in the server-side session)."""
        if self.caller and self.caller.session is not None:
            self.caller.session.notices.append((kind, message))

    # --- answering ------------------------------------------------------------------------------
    def render(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        """A page in the visitor's language. A whole page shows (and takes) the notices kept for the next page;
        a fragment (a template named ``_*``, fetched by a script while a page is open: the commune
        suggestions) leaves them for the page, which it would otherwise swallow unseen."""
        notices = list(self.notices)
        fragment = template.rsplit("/", 1)[-1].startswith("_")
        if self.caller and self.caller.session is not None and not fragment:
            notices += self.caller.session.notices
            self.caller.session.notices.clear()
        html = self.site.render(template, visit=self, notices=notices, menu=menu(self.roles), current_path=self.request.url.path, **context)
        html = error_summary.ordered(html)  # the summary above a form, in its order and with its labels
        response = HTMLResponse(html, status_code=status, headers={"cache-control": "no-store"})
        self._remember_language(response)
        return response

    def redirect(self, path: str) -> RedirectResponse:
        """After a successful form: see the result (post/redirect/get)."""
        response = RedirectResponse(path, status_code=303)
        self._remember_language(response)
        return response

    def _remember_language(self, response: Response) -> None:
        if self.lang_from_link:
            response.set_cookie(LANGUAGE_COOKIE, self.lang, max_age=365 * 86400, path="/", secure=True, httponly=True, samesite="lax")

    def link(self, path: str, **params: Any) -> str:
        """A path with a query string (never with personal data: ids and filters only)."""
        query = {k: v for k, v in params.items() if v not in (None, "")}
        return f"{path}?{urlencode(query)}" if query else path


async def visit(request: Request) -> Visit:
    """Any visitor: the language and, if signed in, the caller."""
    site: Site = request.app.state.web
    asked = request.query_params.get("lang")
    lang = i18n.choose(asked, request.cookies.get(LANGUAGE_COOKIE), request.headers.get("accept-language"))
    i18n.use(lang)
    caller: Caller | None = None
    if request.cookies.get(site.settings.session_cookie):
        try:
            caller = await site.auth.caller(request.scope)
        except AuthError:
            caller = None
    request_id = request.scope.get("abri.request_id")
    return Visit(request, site, lang, asked in i18n.LANGUAGES, caller, request_id if isinstance(request_id, str) else None)


async def signed_in(page: Visit = Depends(visit)) -> Visit:
    """A signed-in visitor; others go through the login first."""
    if page.caller is None:
        raise SignInFirst(page.request.url.path)
    return page


def for_roles(*roles: str) -> Callable[..., Coroutine[Any, Any, Visit]]:
    """A signed-in visitor with one of ``roles``; others get a 403 page saying whom it is for."""

    async def dependency(page: Visit = Depends(signed_in)) -> Visit:
        if not page.roles & set(roles):
            raise PageError(403, i18n.gettext("This page is not for your role."))
        return page

    return dependency
