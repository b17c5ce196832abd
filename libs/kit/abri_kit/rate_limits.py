"""Per-client rate limits (moving window): the gateway's, and public endpoints'.

In memory, per process, unless given a shared storage (:func:`redis_storage`: the gateway's replicas count
together, so a limit is the limit whatever the number of replicas). When the shared storage does not
answer, each process counts on its own for a while (:data:`FALLBACK_S`) rather than refuse or wave every
request through.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any

from limits import parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError

log = logging.getLogger(__name__)
FALLBACK_S = 5.0
"""After a failure of the shared storage, seconds during which the process counts in memory before trying it again."""


def redis_storage(url: str, *, connection_pool: Any = None, prefix: str = "abri:limits") -> Storage:
    """A Redis storage for :class:`RateLimits` (``redis://`` or ``rediss://`` URL, password included), through
    the ``redis`` package's asyncio client, on ``connection_pool`` when given (the caller's, which it closes);
    its errors surface as :class:`limits.errors.StorageError`."""
    options: dict[str, Any] = {"connection_pool": connection_pool} if connection_pool is not None else {}
    if connection_pool is None:
        options.update(socket_timeout=1.0, socket_connect_timeout=1.0)
    return RedisStorage(f"async+{url}", implementation="redispy", wrap_exceptions=True, key_prefix=prefix, **options)


class RateLimits:
    """``hit(key)`` returns None when allowed, else the seconds to wait (for ``Retry-After``).

    ``namespace`` keeps limits that share a storage apart (two limits of the same rate on the same key)."""

    def __init__(self, rate: str, storage: Storage | None = None, namespace: str = "") -> None:
        self.item = parse(rate)
        self.namespace = namespace
        self.limiter = MovingWindowRateLimiter(storage or MemoryStorage())
        self.fallback = MovingWindowRateLimiter(MemoryStorage()) if storage is not None else self.limiter
        self._shared_down_until = 0.0

    async def hit(self, key: str) -> int | None:
        """Count one request of ``key``."""
        limiter = self.limiter if time.monotonic() >= self._shared_down_until else self.fallback
        try:
            return await self._hit(limiter, key)
        except StorageError as exc:
            if limiter is self.fallback:
                raise
            log.warning("rate limits: the shared storage failed (%s); counting in this process for %gs", exc, FALLBACK_S)
            self._shared_down_until = time.monotonic() + FALLBACK_S
            return await self._hit(self.fallback, key)

    async def _hit(self, limiter: MovingWindowRateLimiter, key: str) -> int | None:
        identifiers = (self.namespace, key) if self.namespace else (key,)
        if await limiter.hit(self.item, *identifiers):
            return None
        stats = await limiter.get_window_stats(self.item, *identifiers)
        return max(1, math.ceil(stats.reset_time - time.time()))
