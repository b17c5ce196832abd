"""Exponential backoff with full jitter, for the relay and the consumer's retries."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Backoff:
    """Delay before retry ``attempt`` (1-based): ``initial * factor**(attempt-1)``, capped, with full jitter.

    Full jitter spreads the retries of many instances after a shared outage (AWS Architecture Blog,
    "Exponential Backoff and Jitter").
    """

    initial: float = 0.2
    factor: float = 2.0
    maximum: float = 30.0
    jitter: bool = True

    def delay(self, attempt: int) -> float:
        """Seconds to wait before the given retry attempt."""
        ceiling = min(self.maximum, self.initial * self.factor ** max(0, attempt - 1))
        return random.uniform(ceiling / 2, ceiling) if self.jitter else ceiling
