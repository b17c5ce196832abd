"""Validated tokens, kept until they expire (at most five minutes), so that the hot path verifies a
signature once per token rather than once per request. Used by the gateway and by every service."""

from __future__ import annotations

import time
from collections import OrderedDict

from abri_auth.principal import Principal
from abri_auth.tokens import TokenValidator

MAX_KEEP_S = 300.0


class ValidatedTokens:
    """An LRU of token → principal, each entry living until the token's ``exp`` or ``MAX_KEEP_S``."""

    def __init__(self, validator: TokenValidator, size: int) -> None:
        self.validator = validator
        self.size = size
        self._entries: OrderedDict[str, tuple[Principal, float]] = OrderedDict()

    async def principal(self, token: str) -> Principal:
        """The caller named by ``token``; :class:`~abri_auth.errors.InvalidToken` if not valid."""
        now = time.time()
        entry = self._entries.get(token)
        if entry is not None:
            if entry[1] > now:
                self._entries.move_to_end(token)
                return entry[0]
            del self._entries[token]
        claims = await self.validator.claims(token)
        principal = Principal.from_claims(claims, token)
        if self.size:
            self._entries[token] = (principal, min(float(claims["exp"]), now + MAX_KEEP_S))
            if len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return principal
