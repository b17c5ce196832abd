"""Per-client rate limits (moving window, in memory, per process): the gateway's, and public endpoints'."""

from __future__ import annotations

import math
import time

from limits import parse
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter


class RateLimits:
    """``hit(key)`` returns None when allowed, else the seconds to wait (for ``Retry-After``)."""

    def __init__(self, rate: str) -> None:
        self.item = parse(rate)
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    async def hit(self, key: str) -> int | None:
        """Count one request of ``key``."""
        if await self.limiter.hit(self.item, key):
            return None
        stats = await self.limiter.get_window_stats(self.item, key)
        return max(1, math.ceil(stats.reset_time - time.time()))
