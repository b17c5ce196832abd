"""Authorization codes, refresh tokens, used nonces and secrets being enrolled, kept in memory (a restart
signs everyone out)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from abri_idp import totp
from abri_idp.assurance import Authentication


@dataclass(frozen=True)
class AuthorizationCode:
    """A code waiting to be exchanged, with authlib's ``AuthorizationCodeMixin`` (OIDC flavour) methods."""

    code: str
    client_id: str
    redirect_uri: str
    scope: str
    subject: str
    audiences: tuple[str, ...]
    code_challenge: str
    code_challenge_method: str
    auth_time: int
    acr: str
    amr: tuple[str, ...]
    nonce: str | None
    expires_at: float

    def get_redirect_uri(self) -> str:
        """authlib: the redirect URI the code was issued for."""
        return self.redirect_uri

    def get_scope(self) -> str:
        """authlib: the granted scope."""
        return self.scope

    def get_nonce(self) -> str | None:
        """authlib: the OIDC ``nonce`` of the authorization request."""
        return self.nonce

    def get_auth_time(self) -> int:
        """authlib: when the person authenticated."""
        return self.auth_time

    def get_acr(self) -> str:
        """authlib: the level of assurance (``abri_idp.assurance``)."""
        return self.acr

    def get_amr(self) -> list[str]:
        """authlib: the methods used (RFC 8176)."""
        return list(self.amr)

    @property
    def authentication(self) -> Authentication:
        """The sign-in the code stems from."""
        return Authentication(self.acr, self.amr, self.auth_time)


@dataclass
class RefreshToken:
    """A refresh token: one use only; ``family`` links a token to the ones it was rotated from."""

    token: str
    client_id: str
    subject: str
    scope: str
    audiences: tuple[str, ...]
    family: str
    expires_at: float
    authentication: Authentication
    used: bool = False

    def check_client(self, client: object) -> bool:
        """authlib: issued to this client?"""
        return getattr(client, "client_id", None) == self.client_id

    def get_scope(self) -> str:
        """authlib: the scope granted with it."""
        return self.scope


@dataclass
class Store:
    """Thread-safe in-memory storage; expired entries are dropped as new ones are written."""

    codes: dict[str, AuthorizationCode] = field(default_factory=dict)
    refresh_tokens: dict[str, RefreshToken] = field(default_factory=dict)
    nonces: dict[tuple[str, str], float] = field(default_factory=dict)
    enrolments: dict[str, tuple[str, float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def _purge(self, now: float) -> None:
        self.codes = {k: v for k, v in self.codes.items() if v.expires_at > now}
        self.refresh_tokens = {k: v for k, v in self.refresh_tokens.items() if v.expires_at > now}
        self.nonces = {k: v for k, v in self.nonces.items() if v > now}
        self.enrolments = {k: v for k, v in self.enrolments.items() if v[1] > now}

    def enrolment_secret(self, subject: str, ttl: float, *, renew: bool = False) -> str:
        """The secret shown to a person who is enrolling, kept until they confirm it with a code (a new one
        when ``renew`` or when none is pending)."""
        with self._lock:
            now = time.time()
            self._purge(now)
            pending = self.enrolments.get(subject)
            if pending is None or renew:
                pending = (totp.new_secret(), now + ttl)
                self.enrolments[subject] = pending
            return pending[0]

    def forget_enrolment(self, subject: str) -> None:
        """The secret was confirmed (or abandoned)."""
        with self._lock:
            self.enrolments.pop(subject, None)

    def save_code(self, code: AuthorizationCode, nonce_ttl: float) -> None:
        """Keep a new code, and remember its nonce for ``nonce_ttl`` seconds to refuse replays."""
        with self._lock:
            now = time.time()
            self._purge(now)
            self.codes[code.code] = code
            if code.nonce:
                self.nonces[(code.client_id, code.nonce)] = now + nonce_ttl

    def find_code(self, code: str, client_id: str) -> AuthorizationCode | None:
        """The live code issued to ``client_id``."""
        with self._lock:
            found = self.codes.get(code)
        if found is None or found.client_id != client_id or found.expires_at <= time.time():
            return None
        return found

    def delete_code(self, code: str) -> None:
        """Forget a code (exchanged, or its PKCE check failed)."""
        with self._lock:
            self.codes.pop(code, None)

    def nonce_seen(self, client_id: str, nonce: str) -> bool:
        """True if this client already used this nonce recently."""
        with self._lock:
            expires_at = self.nonces.get((client_id, nonce))
        return expires_at is not None and expires_at > time.time()

    def save_refresh_token(self, token: RefreshToken) -> None:
        """Keep a new refresh token."""
        with self._lock:
            self._purge(time.time())
            self.refresh_tokens[token.token] = token

    def find_refresh_token(self, value: str) -> RefreshToken | None:
        """The live, unused refresh token. Presenting a used one again is a replay (RFC 9700, 4.14.2):
        its whole family is revoked, so whoever holds the newest token must sign in again."""
        with self._lock:
            found = self.refresh_tokens.get(value)
            if found is None or found.expires_at <= time.time():
                return None
            if found.used:
                family = found.family
                self.refresh_tokens = {k: v for k, v in self.refresh_tokens.items() if v.family != family}
                return None
            return found

    def mark_used(self, value: str) -> None:
        """A refresh token was exchanged: it may not be used again."""
        with self._lock:
            found = self.refresh_tokens.get(value)
            if found is not None:
                found.used = True

    def revoke_refresh_tokens(self, subject: str, client_id: str | None = None) -> int:
        """Drop every refresh token of ``subject`` (for one client, or all): how many were live."""
        with self._lock:
            doomed = [k for k, v in self.refresh_tokens.items() if v.subject == subject and (client_id is None or v.client_id == client_id)]
            for key in doomed:
                del self.refresh_tokens[key]
        return len(doomed)
