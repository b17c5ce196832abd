"""Browser sessions of the backend-for-frontend: tokens stay here, the browser holds only an opaque id.

Two stores behind one asynchronous interface (:class:`SessionStore`):

- :class:`RedisSessionStore` (``ABRI_GATEWAY_REDIS_URL``): shared by every replica, so a browser may land
  on any of them and a rolling deploy signs nobody out. Keys are a hash of the session id (whoever reads
  Redis cannot send it back as a cookie); values are encrypted with AES-256-GCM under
  ``ABRI_GATEWAY_SESSION_KEYS`` (the first key encrypts, every key listed decrypts: rotation), bound to
  their key and field so that a value cannot be moved to another session. Pending logins live there too:
  a login started on one replica finishes on another. A token refresh holds a Redis lock, so two replicas
  never spend the same refresh token.
- :class:`MemorySessionStore` (no Redis configured): one process only (development, unit tests).

Ids are 256-bit random. A session ends ``ttl_s`` after sign-in (absolute) or ``idle_s`` after its last use
(sliding), whichever comes first.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import hashlib
import json
import logging
import secrets
import time
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from redis import exceptions as redis_errors
from redis.asyncio import Redis

log = logging.getLogger(__name__)
REFRESH_LOCK_S = 30.0
"""How long a refresh lock is held at most (a crashed replica's lock expires)."""
REFRESH_WAIT_S = 15.0
"""How long a request waits for another request's refresh of the same session."""


class StoreUnavailable(Exception):
    """The shared session store does not answer: requests that need a session answer 503."""


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
    last_used_at: float = field(default_factory=time.time)
    id: str = field(default="", repr=False, compare=False)  # set by the store
    saved: dict[str, str] = field(default_factory=dict, repr=False, compare=False)  # each part as last stored

    def parts(self) -> dict[str, str]:
        """The session as stored, in three parts written separately: a save of the notices never puts
        back tokens another replica has just refreshed."""
        return {
            "identity": _json(
                {
                    "subject": self.subject,
                    "name": self.name,
                    "roles": self.roles,
                    "org_id": self.org_id,
                    "csrf_token": self.csrf_token,
                    "created_at": self.created_at,
                }
            ),
            "tokens": _json(
                {
                    "access_token": self.access_token,
                    "refresh_token": self.refresh_token,
                    "id_token": self.id_token,
                    "access_expires_at": self.access_expires_at,
                }
            ),
            "notices": _json([list(notice) for notice in self.notices]),
        }

    @classmethod
    def from_parts(cls, parts: dict[str, str]) -> Session:
        identity, tokens, notices = (json.loads(parts[name]) for name in ("identity", "tokens", "notices"))
        session = cls(
            access_token=tokens["access_token"],
            refresh_token=tokens["refresh_token"],
            id_token=tokens["id_token"],
            access_expires_at=float(tokens["access_expires_at"]),
            subject=identity["subject"],
            name=identity["name"],
            roles=list(identity["roles"]),
            org_id=identity["org_id"],
            csrf_token=identity["csrf_token"],
            notices=[(str(kind), str(text)) for kind, text in notices],
            created_at=float(identity["created_at"]),
        )
        session.saved = dict(parts)
        return session

    def changed_parts(self) -> dict[str, str]:
        return {name: value for name, value in self.parts().items() if self.saved.get(name) != value}


@dataclass
class PendingLogin:
    """A login started at ``/login``, waiting for the identity provider's callback."""

    state: str
    nonce: str
    code_verifier: str
    return_to: str
    created_at: float = field(default_factory=time.time)
    acr_values: str = ""
    """The level of authentication asked of the provider (a step-up, RFC 9470); the callback checks it was given."""
    max_age: int | None = None
    """The freshness asked of the provider (a step-up); the callback checks the sign-in is that recent."""


class SessionStore(ABC):
    """Sessions and pending logins, by random id."""

    def __init__(self, ttl_s: float, idle_s: float | None = None, login_ttl_s: float = 600.0) -> None:
        self.ttl_s = ttl_s
        self.idle_s = min(idle_s or ttl_s, ttl_s)
        self.login_ttl_s = login_ttl_s

    @abstractmethod
    async def create(self, session: Session) -> str:
        """Store a new session; returns its id."""

    @abstractmethod
    async def get(self, session_id: str | None) -> Session | None:
        """The live session with that id, if any (its idle timeout starts again)."""

    @abstractmethod
    async def save(self, session: Session) -> None:
        """Store what changed in a session read from this store (its tokens, its notices)."""

    @abstractmethod
    async def delete(self, session_id: str | None) -> None:
        """End a session."""

    @abstractmethod
    async def start_login(self, login: PendingLogin) -> str:
        """Remember a login in progress; returns the id for its short-lived cookie."""

    @abstractmethod
    async def finish_login(self, login_id: str | None) -> PendingLogin | None:
        """Take (once) the pending login with that id."""

    @abstractmethod
    def refresh_lock(self, session_id: str) -> contextlib.AbstractAsyncContextManager[None]:
        """Held while a session's tokens are refreshed: one refresh at a time per session, across replicas."""

    async def ready(self) -> None:  # noqa: B027  (nothing to check in memory)
        """Raise :class:`StoreUnavailable` if the store does not answer."""

    async def close(self) -> None:  # noqa: B027  (nothing to release in memory)
        """Release connections."""

    def _alive(self, session: Session, now: float) -> bool:
        return now - session.created_at <= self.ttl_s and now - session.last_used_at <= self.idle_s


class MemorySessionStore(SessionStore):
    """In this process's memory: one gateway process only (no Redis configured)."""

    def __init__(self, ttl_s: float, idle_s: float | None = None, login_ttl_s: float = 600.0, max_pending_logins: int = 10_000) -> None:
        super().__init__(ttl_s, idle_s, login_ttl_s)
        self.max_pending_logins = max_pending_logins
        self._sessions: dict[str, Session] = {}
        self._logins: dict[str, PendingLogin] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    def put(self, session: Session) -> str:
        """Store a session at once (tests open sessions this way); returns its id."""
        self._sweep()
        session.id = secrets.token_urlsafe(32)
        session.last_used_at = time.time()
        self._sessions[session.id] = session
        return session.id

    async def create(self, session: Session) -> str:
        return self.put(session)

    async def get(self, session_id: str | None) -> Session | None:
        if not session_id:
            return None
        session = self._sessions.get(session_id)
        now = time.time()
        if session is None or not self._alive(session, now):
            await self.delete(session_id)
            return None
        session.last_used_at = now
        return session

    async def save(self, session: Session) -> None:
        """Nothing to do: the store holds the very object."""

    async def delete(self, session_id: str | None) -> None:
        if session_id:
            self._sessions.pop(session_id, None)
            self._locks.pop(session_id, None)

    async def start_login(self, login: PendingLogin) -> str:
        self._sweep()
        while len(self._logins) >= self.max_pending_logins:  # bounded: anonymous /login calls cannot fill memory
            self._logins.pop(next(iter(self._logins)))
        login_id = secrets.token_urlsafe(32)
        self._logins[login_id] = login
        return login_id

    async def finish_login(self, login_id: str | None) -> PendingLogin | None:
        login = self._logins.pop(login_id, None) if login_id else None
        if login is None or time.time() - login.created_at > self.login_ttl_s:
            return None
        return login

    @contextlib.asynccontextmanager
    async def refresh_lock(self, session_id: str) -> AsyncIterator[None]:
        async with self._locks.setdefault(session_id, asyncio.Lock()):
            yield

    def _sweep(self) -> None:
        now = time.time()
        for key in [k for k, s in self._sessions.items() if not self._alive(s, now)]:
            del self._sessions[key]
            self._locks.pop(key, None)
        for key in [k for k, p in self._logins.items() if now - p.created_at > self.login_ttl_s]:
            del self._logins[key]

    def stats(self) -> dict[str, Any]:
        """Counts, for metrics."""
        return {"sessions": len(self._sessions), "pending_logins": len(self._logins)}


class SessionCipher:
    """AES-256-GCM under a list of keys: the first encrypts, each decrypts what it encrypted (rotation:
    put a new key first, drop the old one after ``session_ttl_s``). A value is bound to where it is
    stored (associated data): copied to another session's key or field, it no longer decrypts."""

    def __init__(self, keys: Iterable[str]) -> None:
        self._keys: dict[str, AESGCM] = {}
        self._current = ""
        for encoded in keys:
            raw = decode_key(encoded)
            key_id = hashlib.sha256(b"abri-session-key" + raw).hexdigest()[:12]
            self._keys.setdefault(key_id, AESGCM(raw))
            self._current = self._current or key_id
        if not self._keys:
            raise ValueError("no session encryption key")

    def encrypt(self, plaintext: str, where: str) -> str:
        nonce = secrets.token_bytes(12)
        sealed = self._keys[self._current].encrypt(nonce, plaintext.encode(), where.encode())
        return f"{self._current}.{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def decrypt(self, token: str, where: str) -> str | None:
        """The plaintext, or None when no key opens it (an unknown or dropped key, a value moved or altered)."""
        key_id, _, body = token.partition(".")
        key = self._keys.get(key_id)
        if key is None:
            return None
        try:
            raw = base64.urlsafe_b64decode(body)
            return key.decrypt(raw[:12], raw[12:], where.encode()).decode()
        except (InvalidTag, ValueError, binascii.Error):
            return None

    @staticmethod
    def generate_key() -> str:
        """A new key, as ``ABRI_GATEWAY_SESSION_KEYS`` lists them (32 random bytes, base64url)."""
        return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def decode_key(encoded: str) -> bytes:
    """A session key from its base64url text (32 bytes); ValueError otherwise."""
    try:
        raw = base64.urlsafe_b64decode(encoded.strip().encode() + b"=" * (-len(encoded.strip()) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError("a session key must be 32 random bytes in base64url") from exc
    if len(raw) != 32:
        raise ValueError("a session key must be 32 random bytes in base64url")
    return raw


_SAVE_IF_EXISTS = """
if redis.call('exists', KEYS[1]) == 1 then
  redis.call('hset', KEYS[1], unpack(ARGV))
  return 1
end
return 0
"""
"""A save never brings back a session that ended meanwhile (a sign-out, an expiry on another replica)."""


class RedisSessionStore(SessionStore):
    """In Redis, shared by the gateway's replicas."""

    def __init__(
        self,
        redis: Redis,
        cipher: SessionCipher,
        ttl_s: float,
        idle_s: float | None = None,
        login_ttl_s: float = 600.0,
        prefix: str = "abri:gw:",
    ) -> None:
        super().__init__(ttl_s, idle_s, login_ttl_s)
        self.redis = redis
        self.cipher = cipher
        self.prefix = prefix
        self._save_if_exists = redis.register_script(_SAVE_IF_EXISTS)

    def key(self, kind: str, some_id: str) -> str:
        """Where an id's record is: a hash of the id, never the id itself."""
        return f"{self.prefix}{kind}:{hashlib.sha256(some_id.encode()).hexdigest()}"

    def _seal(self, key: str, parts: dict[str, str]) -> dict[str, str]:
        return {name: self.cipher.encrypt(value, f"{key}#{name}") for name, value in parts.items()}

    async def create(self, session: Session) -> str:
        session.id = secrets.token_urlsafe(32)
        key = self.key("session", session.id)
        parts = session.parts()
        async with _available():
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.hset(key, mapping=cast(Any, self._seal(key, parts)))
                pipe.pexpire(key, int(self.idle_s * 1000))
                await pipe.execute()
        session.saved = parts
        return session.id

    async def get(self, session_id: str | None) -> Session | None:
        if not session_id:
            return None
        key = self.key("session", session_id)
        async with _available():
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.hgetall(key)
                pipe.pexpire(key, int(self.idle_s * 1000))  # sliding idle timeout (a missing key stays missing)
                found, _ = await pipe.execute()
        if not found:
            return None
        parts: dict[str, str] = {}
        for raw_name, sealed in found.items():
            name = _text(raw_name)
            opened = self.cipher.decrypt(_text(sealed), f"{key}#{name}")
            if opened is None:
                log.warning("a session in Redis did not decrypt (an unknown key, or altered): ended")
                await self.delete(session_id)
                return None
            parts[name] = opened
        try:
            session = Session.from_parts(parts)
        except (KeyError, ValueError, TypeError):
            await self.delete(session_id)
            return None
        session.id = session_id
        left = self.ttl_s - (time.time() - session.created_at)
        if left <= 0:
            await self.delete(session_id)
            return None
        if left < self.idle_s:  # the absolute end comes before the idle one
            async with _available():
                await self.redis.pexpire(key, max(1, int(left * 1000)))
        return session

    async def save(self, session: Session) -> None:
        changed = session.changed_parts()
        if not changed or not session.id:
            return
        key = self.key("session", session.id)
        flat = [item for pair in self._seal(key, changed).items() for item in pair]
        async with _available():
            await self._save_if_exists(keys=[key], args=flat)
        session.saved.update(changed)

    async def delete(self, session_id: str | None) -> None:
        if session_id:
            async with _available():
                await self.redis.delete(self.key("session", session_id))

    async def start_login(self, login: PendingLogin) -> str:
        login_id = secrets.token_urlsafe(32)
        key = self.key("login", login_id)
        value = _json(
            {
                "state": login.state,
                "nonce": login.nonce,
                "code_verifier": login.code_verifier,
                "return_to": login.return_to,
                "at": login.created_at,
                "acr_values": login.acr_values,
                "max_age": login.max_age,
            }
        )
        async with _available():
            await self.redis.set(key, self.cipher.encrypt(value, key), px=int(self.login_ttl_s * 1000))
        return login_id

    async def finish_login(self, login_id: str | None) -> PendingLogin | None:
        if not login_id:
            return None
        key = self.key("login", login_id)
        async with _available():
            sealed = await self.redis.getdel(key)  # once: a replayed callback finds nothing
        opened = self.cipher.decrypt(_text(sealed), key) if sealed else None
        if opened is None:
            return None
        found = json.loads(opened)
        acr_values, max_age = str(found.get("acr_values") or ""), found.get("max_age")
        return PendingLogin(
            found["state"],
            found["nonce"],
            found["code_verifier"],
            found["return_to"],
            float(found["at"]),
            acr_values,
            max_age if isinstance(max_age, int) else None,
        )

    @contextlib.asynccontextmanager
    async def refresh_lock(self, session_id: str) -> AsyncIterator[None]:
        lock = self.redis.lock(self.key("refreshing", session_id), timeout=REFRESH_LOCK_S, sleep=0.05, blocking_timeout=REFRESH_WAIT_S)
        async with _available():
            acquired = await lock.acquire()
        if not acquired:
            raise StoreUnavailable("the session is being renewed elsewhere and did not finish in time")
        try:
            yield
        finally:
            with contextlib.suppress(redis_errors.RedisError):  # expired already, or Redis gone: it expires on its own
                await lock.release()

    async def ready(self) -> None:
        async with _available():
            await self.redis.ping()

    async def close(self) -> None:
        await self.redis.aclose()


@contextlib.asynccontextmanager
async def _available() -> AsyncIterator[None]:
    try:
        yield
    except (redis_errors.ConnectionError, redis_errors.TimeoutError, OSError) as exc:
        raise StoreUnavailable(f"the session store does not answer ({type(exc).__name__})") from exc
    except redis_errors.RedisError as exc:
        raise StoreUnavailable(f"the session store failed ({type(exc).__name__}: {exc})") from exc


def _text(value: bytes | str) -> str:
    return value if isinstance(value, str) else value.decode()


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def redis_client(url: str) -> Redis:
    """The asyncio client of ``url`` (``redis://`` or ``rediss://``, password included), with short timeouts:
    a Redis that does not answer makes session requests fail fast with 503, not hang."""
    return Redis.from_url(url, socket_timeout=2.0, socket_connect_timeout=2.0, health_check_interval=30, retry_on_timeout=False)
