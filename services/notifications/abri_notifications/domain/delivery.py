"""Delivery rules: idempotency keys, retries with backoff, permanent failures, quiet hours. Pure.

- A delivery is identified by (event id, recipient, channel): :func:`delivery_key`. The service stores
  the key with a unique constraint, so a redelivered event never sends twice. The key is persisted: its
  recipe never changes (a test pins it).
- A failed send is retried after :func:`backoff` (exponential, with "full jitter": AWS Architecture
  Blog, "Exponential Backoff And Jitter", 2015: spreads retries of many deliveries failing together),
  up to :data:`MAX_ATTEMPTS` attempts; a permanent failure (:func:`is_permanent`) is not retried. Both
  end as a failure recorded for ops. The numbers are defaults, to be set from configuration.
- SMS wait for the end of the reader's quiet hours (:class:`QuietHours`); other channels do not (an
  email or an inbox item wakes nobody; a webhook is read by a machine).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from uuid import UUID
from zoneinfo import ZoneInfo

from abri_notifications.domain.templates import Channel

MAX_ATTEMPTS = 12
"""Attempts per delivery, the first included. With the default delays the retries spread over at most
about 14.5 hours (7 on average): a partner endpoint or a provider down for a night is still reached;
the 6-hour cap is met from the 11th attempt."""
BASE_DELAY_S = 30
MAX_DELAY_S = 6 * 3600


class ErrorKind(StrEnum):
    """Failures that have no status code."""

    TIMEOUT = "timeout"
    CONNECTION = "connection"
    """Refused, reset, DNS or TLS failure: the far end may be back soon."""
    NO_ADDRESS = "no_address"
    """The recipient has no address for the channel (no phone, no endpoint)."""
    INVALID_ADDRESS = "invalid_address"
    """The address cannot be used (malformed, unsubscribed, endpoint disabled)."""
    DESTINATION_REFUSED = "destination_refused"
    """A webhook destination the rule refuses at the attempt (``domain/destinations.py``: not https, a port
    not allowed, a name or an address inside a network, maybe after the name changed: DNS rebinding)."""


TRANSIENT_ERRORS = frozenset({ErrorKind.TIMEOUT, ErrorKind.CONNECTION})
TRANSIENT_HTTP = frozenset({408, 429})
"""Client errors that say "later": request timeout, too many requests (RFC 9110 §15.5.9, RFC 6585 §4)."""


def backoff(attempt: int, rand: float, base_s: float = BASE_DELAY_S, cap_s: float = MAX_DELAY_S) -> timedelta:
    """How long to wait after failed attempt number ``attempt`` (1 for the first): a uniform draw
    (``rand`` in [0, 1), the caller's randomness) below ``min(cap_s, base_s · 2^(attempt−1))``."""
    if attempt < 1:
        raise ValueError(f"attempts count from 1, got {attempt}")
    if not 0 <= rand < 1:
        raise ValueError(f"rand is a draw in [0, 1), got {rand}")
    ceiling = cap_s if attempt > 64 else min(cap_s, base_s * 2 ** (attempt - 1))
    return timedelta(seconds=rand * ceiling)


def is_permanent(channel: Channel | str, failure: int | ErrorKind | str) -> bool:
    """Whether a failed send will fail again however often it is retried.

    - Webhooks and the SMS provider answer HTTP: a 4xx is permanent (the request itself is wrong),
      except 408 and 429; a 5xx is transient. A 3xx is permanent: redirects are not followed, a moved
      endpoint is for its organisation to fix.
    - Email answers SMTP reply codes (RFC 5321 §4.2.1): 5yz is a permanent negative completion, 4yz
      a transient one.
    - The inbox is our own database: its failures are transient.
    - Without a code: timeouts and connection failures are transient; a missing or unusable address
      is permanent.
    """
    if isinstance(failure, str):
        return ErrorKind(failure) not in TRANSIENT_ERRORS
    channel = Channel(channel)
    if channel is Channel.INBOX:
        return False
    if channel is Channel.EMAIL:
        if not 400 <= failure <= 599:
            raise ValueError(f"SMTP reply {failure} is not a failure")
        return failure >= 500
    if not 300 <= failure <= 599:
        raise ValueError(f"HTTP status {failure} is not a failure")
    return failure < 500 and failure not in TRANSIENT_HTTP


def retry_at(attempt: int, now: datetime, rand: float, permanent: bool, max_attempts: int = MAX_ATTEMPTS) -> datetime | None:
    """When to try again after failed attempt number ``attempt``, or ``None`` to give up (a permanent
    failure, or the last attempt): the delivery is then recorded as failed for ops."""
    _aware(now)
    if permanent or attempt >= max_attempts:
        return None
    return now + backoff(attempt, rand)


def delivery_key(event_id: str | UUID, recipient: str, channel: Channel | str) -> str:
    """The idempotency key of one delivery: a SHA-256 (hex) of the event id, the recipient (the final
    addressee, e.g. ``"user:<subject>"`` or ``"endpoint:<id>"``) and the channel. Encoded as a JSON
    array, so that no two triples give the same input."""
    canonical = json.dumps([str(event_id), recipient, Channel(channel).value], separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class QuietHours:
    """Hours in which a reader receives no SMS, on the wall clock of ``zone`` (an IANA name): from
    ``start`` (included) to ``end`` (excluded). ``start`` after ``end`` spans midnight (21:00–08:00);
    ``start == end`` means no quiet hours. The reader chooses them; 21:00–08:00 Europe/Paris is a
    default, not a rule of law."""

    start: time
    end: time
    zone: str

    def __post_init__(self) -> None:
        ZoneInfo(self.zone)  # an unknown zone fails here, not at the first SMS
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("quiet hours are wall-clock times: the zone is given apart")

    def is_quiet(self, now: datetime) -> bool:
        """Whether ``now`` (aware) falls in the quiet hours."""
        _aware(now)
        wall = now.astimezone(ZoneInfo(self.zone)).time().replace(tzinfo=None)
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= wall < self.end
        return wall >= self.start or wall < self.end

    def next_allowed(self, now: datetime) -> datetime:
        """``now`` outside the quiet hours, else the moment they end (in ``now``'s zone).

        The end is read on the wall clock, so that a change of summer time moves it with the clocks
        (21:00–08:00 lasts 10 hours on the night the clocks go back). An end that does not exist that
        night (in the hour skipped in spring) is read with the offset before the change: later, never
        earlier. An end that occurs twice (in the hour repeated in autumn) is its next occurrence.
        """
        if not self.is_quiet(now):
            return now
        zone = ZoneInfo(self.zone)
        local = now.astimezone(zone)
        day = local.date()
        if self.start > self.end and local.time().replace(tzinfo=None) >= self.start:
            day += timedelta(days=1)
        for fold in (0, 1):
            candidate = datetime.combine(day, self.end, tzinfo=zone).replace(fold=fold)
            if candidate.astimezone(UTC) > now.astimezone(UTC):
                return candidate.astimezone(UTC).astimezone(now.tzinfo)
        raise AssertionError("the end of quiet hours comes after a moment inside them")  # pragma: no cover


DEFAULT_QUIET_HOURS = QuietHours(time(21, 0), time(8, 0), "Europe/Paris")


def send_after(channel: Channel | str, now: datetime, quiet_hours: QuietHours | None) -> datetime:
    """When a message may leave on a channel: SMS wait for the end of the reader's quiet hours (if any);
    every other channel leaves at once."""
    _aware(now)
    if Channel(channel) is Channel.SMS and quiet_hours is not None:
        return quiet_hours.next_allowed(now)
    return now


def _aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("delivery times carry their time zone")
