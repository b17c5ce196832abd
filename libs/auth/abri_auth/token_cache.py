"""Validated tokens, kept until they expire (at most five minutes), so that the hot path verifies a
signature once per token rather than once per request. Used by the gateway and by every service.

A kept token is dropped as soon as the key that signed it leaves the issuer's JWKS: the cache re-reads
the JWKS when it is older than its ``max_age`` (five minutes by default) even on a hit, so a revoked
signing key stops working within that time, not that time plus the time a token is kept.
"""

from __future__ import annotations

import time
from collections import OrderedDict

from joserfc import jws

from abri_auth.jwks import IssuerUnavailable
from abri_auth.principal import Principal
from abri_auth.tokens import TokenValidator

MAX_KEEP_S = 300.0


class ValidatedTokens:
    """An LRU of token → principal, each entry living until the token's ``exp`` or ``MAX_KEEP_S``, and
    only while the key that signed it is still published."""

    def __init__(self, validator: TokenValidator, size: int) -> None:
        self.validator = validator
        self.size = size
        self._entries: OrderedDict[str, tuple[Principal, float, str | None]] = OrderedDict()

    async def principal(self, token: str) -> Principal:
        """The caller named by ``token``; :class:`~abri_auth.errors.InvalidToken` if not valid."""
        now = time.time()
        entry = self._entries.get(token)
        if entry is not None:
            principal, until, kid = entry
            if until > now and await self._still_published(kid):
                if token in self._entries:  # another request may have dropped it meanwhile
                    self._entries.move_to_end(token)
                return principal
            self._entries.pop(token, None)  # two requests may find it stale at once
        claims = await self.validator.claims(token)
        principal = Principal.from_claims(claims, token)
        if self.size:
            kid = jws.extract_compact(token.encode()).headers().get("kid")
            self._drop_expired(now)
            self._entries[token] = (principal, min(float(claims["exp"]), now + MAX_KEEP_S), kid)
            if len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return principal

    def __len__(self) -> int:
        return len(self._entries)

    def _drop_expired(self, now: float) -> None:
        """Drop the least recently used entries whose time is over: the tokens callers stopped using
        leave within ``MAX_KEEP_S`` instead of waiting for the LRU's bound, so that the cache holds what
        five minutes of traffic use, not ``size`` entries for ever (a memory that grows for hours)."""
        while self._entries:
            _, until, _ = next(iter(self._entries.values()))
            if until > now:
                return
            self._entries.popitem(last=False)

    async def _still_published(self, kid: str | None) -> bool:
        keys = self.validator.keys
        if keys.stale():
            try:
                await keys.key_set(kid)
            except IssuerUnavailable:
                return False  # no keys at all: validate again, which answers why
        return kid is None or kid in keys.kids
