"""Who is calling the gateway: a bearer token (API clients, partner systems) or a browser session."""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from http.cookies import SimpleCookie

from starlette.types import Scope

from abri_auth.errors import Forbidden, InvalidToken, MissingToken
from abri_auth.principal import Principal
from abri_auth.token_cache import ValidatedTokens
from abri_gateway.sessions import Session, SessionStore

CSRF_HEADER = b"x-csrf-token"
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
            return Caller(await self.tokens.principal(token.strip()), via_session=False)
        session_id = cookie(scope, self.session_cookie)
        session = self.sessions.get(session_id)
        if session is None:
            raise MissingToken("a bearer access token or a signed-in session is required")
        if session.access_expires_at - 30 < time.time() and self.refresh is not None:
            async with session.refresh_lock:  # parallel requests must not spend the same refresh token twice
                if session.access_expires_at - 30 < time.time():
                    try:
                        await self.refresh(session)
                    except Exception as exc:
                        log.warning("session refresh failed: %s: %s", type(exc).__name__, exc)
                        self.sessions.delete(session_id)
                        raise InvalidToken("the session expired: sign in again") from exc
        return Caller(await self.tokens.principal(session.access_token), via_session=True, session=session)

    def check_csrf(self, scope: Scope, caller: Caller) -> None:
        """A state-changing request from a browser session must echo its CSRF token."""
        sent = header(scope, CSRF_HEADER) or ""
        expected = caller.session.csrf_token if caller.session else ""
        if not expected or not hmac.compare_digest(sent, expected):
            raise Forbidden("missing or wrong CSRF token")
