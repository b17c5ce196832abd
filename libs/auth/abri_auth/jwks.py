"""The issuer's signing keys: found by OIDC discovery, cached, refreshed when an unknown ``kid`` shows up.

A refresh on an unknown ``kid`` lets the issuer rotate its keys without any restart here; the refresh
is rate-limited (at most one per ``min_refresh_interval``) so that tokens with random ``kid`` values
cannot make us hammer the issuer.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
from joserfc.jwk import KeySet


class IssuerUnavailable(Exception):
    """The issuer's discovery document or JWKS could not be fetched."""


class JWKSCache:
    """The signing keys of one issuer."""

    def __init__(
        self,
        issuer: str,
        http: httpx.AsyncClient,
        *,
        jwks_uri: str | None = None,
        min_refresh_interval: float = 30.0,
        max_age: float = 300.0,
        failure_backoff: float = 5.0,
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self._http = http
        self._jwks_uri = jwks_uri
        self.min_refresh_interval = min_refresh_interval
        self.max_age = max_age
        self.failure_backoff = failure_backoff
        self._keys: KeySet | None = None
        self.kids: frozenset[str] = frozenset()
        """The ``kid`` of every key currently published (a key removed by the issuer leaves this set)."""
        self._fetched_at = 0.0
        self._failed_at = -1e9
        self._inflight: asyncio.Task[None] | None = None
        self.fetches = 0

    async def discover(self) -> dict[str, Any]:
        """The issuer's OpenID Connect discovery document (its ``issuer`` must match exactly)."""
        url = f"{self.issuer}/.well-known/openid-configuration"
        try:
            response = await self._http.get(url, timeout=5.0)
            response.raise_for_status()
            document: dict[str, Any] = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise IssuerUnavailable(f"discovery at {url} failed: {exc}") from exc
        if document.get("issuer", "").rstrip("/") != self.issuer:
            raise IssuerUnavailable(f"discovery names issuer {document.get('issuer')!r}, expected {self.issuer!r}")
        return document

    def stale(self) -> bool:
        """Whether the keys are older than ``max_age`` (the next :meth:`key_set` re-reads them)."""
        return self._keys is None or time.monotonic() - self._fetched_at > self.max_age

    async def key_set(self, kid: str | None) -> KeySet:
        """The cached keys, refreshed first if too old or if ``kid`` is unknown (rate-limited).

        Concurrent callers share one fetch; after a failed fetch, callers fail at once for
        ``failure_backoff`` seconds rather than queue behind an issuer that does not answer.
        """
        keys = self._keys
        now = time.monotonic()
        stale = keys is None or now - self._fetched_at > self.max_age
        unknown = keys is not None and kid is not None and not _has_kid(keys, kid)
        if (stale or (unknown and now - self._fetched_at >= self.min_refresh_interval)) and now - self._failed_at >= self.failure_backoff:
            if self._inflight is None or self._inflight.done():
                self._inflight = asyncio.create_task(self._refresh())
            try:
                await asyncio.shield(self._inflight)
            except IssuerUnavailable:
                self._failed_at = time.monotonic()
                if self._keys is None:
                    raise
        if self._keys is None:
            raise IssuerUnavailable("the issuer's keys are not available (a recent fetch failed)")
        return self._keys

    async def _refresh(self) -> None:
        if self._jwks_uri is None:
            self._jwks_uri = str((await self.discover())["jwks_uri"])
        try:
            response = await self._http.get(self._jwks_uri, timeout=5.0)
            response.raise_for_status()
            self._keys = KeySet.import_key_set(response.json())
            self.kids = frozenset(key.kid for key in self._keys.keys if key.kid)
        except (httpx.HTTPError, ValueError) as exc:
            if self._keys is None:
                raise IssuerUnavailable(f"JWKS at {self._jwks_uri} failed: {exc}") from exc
            # keep serving the keys we have; try again after the interval
        self._fetched_at = time.monotonic()
        self.fetches += 1


def _has_kid(keys: KeySet, kid: str) -> bool:
    return any(key.kid == kid for key in keys.keys)
