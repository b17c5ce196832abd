"""Who is calling the gateway: a bearer token (API clients, partner systems) or a browser session."""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from http.cookies import SimpleCookie

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from abri_auth.errors import Forbidden, InvalidToken, MissingToken
from abri_auth.principal import Principal
from abri_auth.token_cache import ValidatedTokens
from abri_gateway.sessions import Session, SessionStore, StoreUnavailable

CSRF_HEADER = b"x-csrf-token"
SESSION_KEY = "abri.session"
"""Where the request's scope keeps the session it read: pages read it once per request, and what they
changed in it (notices) is saved before the response leaves (:class:`SessionWriteBack`)."""
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Caller:
    """A validated caller, and how it authenticated."""

    principal: Principal
    via_session: bool
    session: Session | None = None


def header(scope: Scope, name: bytes) -> str | None:
    """A request header's value."""
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


def cookie(scope: Scope, name: str) -> str | None:
    """A request cookie's value."""
    raw = header(scope, b"cookie")
    if not raw:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(raw)
    except Exception:
        return None
    morsel = jar.get(name)
    return morsel.value if morsel else None


class GatewayAuth:
    """Finds and validates the caller of a request."""

    def __init__(self, tokens: ValidatedTokens, sessions: SessionStore, session_cookie: str) -> None:
        self.tokens = tokens
        self.sessions = sessions
        self.session_cookie = session_cookie
        self.refresh: Callable[[Session], Awaitable[None]] | None = None  # set by the BFF

    async def caller(self, scope: Scope) -> Caller:
        """The caller; :class:`MissingToken` or :class:`InvalidToken` if there is none valid."""
        authorization = header(scope, b"authorization")
        if authorization is not None:
            scheme, _, token = authorization.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise InvalidToken("the Authorization header is not a bearer token")
            return Caller(await self.tokens.principal(token.strip()), via_session=False)  # no session store involved
        session = await self.session_of(scope)
        if session is None:
            raise MissingToken("a bearer access token or a signed-in session is required")
        if session.access_expires_at - 30 < time.time() and self.refresh is not None:
            session = await self._refreshed(scope, session)
        return Caller(await self.tokens.principal(session.access_token), via_session=True, session=session)

    async def session_of(self, scope: Scope) -> Session | None:
        """The request's session (read once per request); :class:`StoreUnavailable` when the store does not answer."""
        session_id = cookie(scope, self.session_cookie)
        known = scope.get(SESSION_KEY)
        if isinstance(known, Session) and session_id and known.id == session_id:
            return known
        session = await self.sessions.get(session_id)
        if session is not None:
            scope[SESSION_KEY] = session
        return session

    async def _refreshed(self, scope: Scope, session: Session) -> Session:
        """Renew the access token: one refresh at a time per session, on every replica (parallel requests must
        not spend the same refresh token twice: the provider would revoke the whole family); after waiting for
        the lock the session is read again, since another request may have renewed it meanwhile."""
        assert self.refresh is not None
        async with self.sessions.refresh_lock(session.id):
            current = await self.sessions.get(session.id)
            if current is None:
                raise MissingToken("the session ended: sign in again")
            if current.access_expires_at - 30 < time.time():
                try:
                    await self.refresh(current)
                except Exception as exc:
                    log.warning("session refresh failed: %s: %s", type(exc).__name__, exc)
                    await self.sessions.delete(current.id)
                    raise InvalidToken("the session expired: sign in again") from exc
                await self.sessions.save(current)
        scope[SESSION_KEY] = current
        return current

    def check_csrf(self, scope: Scope, caller: Caller) -> None:
        """A state-changing request from a browser session must echo its CSRF token."""
        sent = header(scope, CSRF_HEADER) or ""
        expected = caller.session.csrf_token if caller.session else ""
        if not expected or not hmac.compare_digest(sent, expected):
            raise Forbidden("missing or wrong CSRF token")


class SessionWriteBack:
    """Saves what a request changed in its session (the web front's notices) before the response starts:
    the browser's next request, on whichever replica, finds it."""

    def __init__(self, app: ASGIApp, sessions: SessionStore) -> None:
        self.app = app
        self.sessions = sessions

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def saving(message: Message) -> None:
            if message["type"] == "http.response.start":
                session = scope.get(SESSION_KEY)
                if isinstance(session, Session):
                    try:
                        await self.sessions.save(session)
                    except StoreUnavailable as exc:  # the page is answered; its notice is lost
                        log.warning("could not save the session's changes: %s", exc)
            await send(message)

        await self.app(scope, receive, saving)
