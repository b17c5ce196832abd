"""Browser sessions of the backend-for-frontend: tokens stay here, the browser holds only an opaque id.

The store is in memory, per gateway process: with several replicas, route a browser to the same one
(sticky sessions) or it logs in again. Ids are 256-bit random, and expire after ``ttl`` seconds.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Session:
    """One signed-in browser."""

    access_token: str
    refresh_token: str | None
    id_token: str | None
    access_expires_at: float
    subject: str
    name: str | None
    roles: list[str]
    org_id: str | None
    csrf_token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    notices: list[tuple[str, str]] = field(default_factory=list)  # (kind, text) for the next page the web front renders
    created_at: float = field(default_factory=time.time)
    refresh_lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False, compare=False)


@dataclass
class PendingLogin:
    """A login started at ``/login``, waiting for the identity provider's callback."""

    state: str
    nonce: str
    code_verifier: str
    return_to: str
    created_at: float = field(default_factory=time.time)


class SessionStore:
    """Sessions and pending logins, by random id."""

    def __init__(self, ttl_s: float, login_ttl_s: float = 600.0, max_pending_logins: int = 10_000) -> None:
        self.ttl_s = ttl_s
        self.max_pending_logins = max_pending_logins
        self.login_ttl_s = login_ttl_s
        self._sessions: dict[str, Session] = {}
        self._logins: dict[str, PendingLogin] = {}

    def create(self, session: Session) -> str:
        """Store a session; returns its id."""
        self._sweep()
        session_id = secrets.token_urlsafe(32)
        self._sessions[session_id] = session
        return session_id

    def get(self, session_id: str | None) -> Session | None:
        """The live session with that id, if any."""
        if not session_id:
            return None
        session = self._sessions.get(session_id)
        if session is None or time.time() - session.created_at > self.ttl_s:
            self._sessions.pop(session_id, None)
            return None
        return session

    def delete(self, session_id: str | None) -> Session | None:
        """End a session."""
        return self._sessions.pop(session_id, None) if session_id else None

    def start_login(self, login: PendingLogin) -> str:
        """Remember a login in progress; returns the id for its short-lived cookie."""
        self._sweep()
        while len(self._logins) >= self.max_pending_logins:  # bounded: anonymous /login calls cannot fill memory
            self._logins.pop(next(iter(self._logins)))
        login_id = secrets.token_urlsafe(32)
        self._logins[login_id] = login
        return login_id

    def finish_login(self, login_id: str | None) -> PendingLogin | None:
        """Take (once) the pending login with that id."""
        login = self._logins.pop(login_id, None) if login_id else None
        if login is None or time.time() - login.created_at > self.login_ttl_s:
            return None
        return login

    def _sweep(self) -> None:
        now = time.time()
        for key in [k for k, s in self._sessions.items() if now - s.created_at > self.ttl_s]:
            del self._sessions[key]
        for key in [k for k, p in self._logins.items() if now - p.created_at > self.login_ttl_s]:
            del self._logins[key]

    def stats(self) -> dict[str, Any]:
        """Counts, for metrics."""
        return {"sessions": len(self._sessions), "pending_logins": len(self._logins)}
