"""Delivery rules: backoff, permanent failures, idempotency keys, quiet hours across midnight and DST (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from itertools import pairwise
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest

from abri_notifications.domain.delivery import (
    BASE_DELAY_S,
    DEFAULT_QUIET_HOURS,
    MAX_ATTEMPTS,
    MAX_DELAY_S,
    ErrorKind,
    QuietHours,
    backoff,
    delivery_key,
    is_permanent,
    retry_at,
    send_after,
)
from abri_notifications.domain.templates import Channel

pytestmark = pytest.mark.unit
PARIS = ZoneInfo("Europe/Paris")
NIGHT = QuietHours(time(21, 0), time(8, 0), "Europe/Paris")
ALMOST_ONE = 0.999_999


def paris(year: int, month: int, day: int, hour: int, minute: int = 0, fold: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=PARIS, fold=fold)


def elapsed(start: datetime, end: datetime) -> timedelta:
    # in UTC: datetimes sharing a tzinfo subtract by wall time, which hides the change of hour
    return end.astimezone(UTC) - start.astimezone(UTC)


def same_moment(a: datetime, b: datetime) -> bool:
    return a.astimezone(UTC) == b.astimezone(UTC) and a.utcoffset() == b.utcoffset()


@pytest.mark.parametrize("attempt", range(1, 16))
def test_backoff_stays_below_its_ceiling(attempt: int) -> None:
    ceiling = min(MAX_DELAY_S, BASE_DELAY_S * 2 ** (attempt - 1))
    assert backoff(attempt, 0.0) == timedelta(0)  # full jitter: from nothing
    assert timedelta(0) < backoff(attempt, ALMOST_ONE) < timedelta(seconds=ceiling)
    assert backoff(attempt, 0.5) == timedelta(seconds=ceiling / 2)


def test_backoff_doubles_until_the_cap() -> None:
    delays = [backoff(attempt, 0.5) for attempt in range(1, 14)]
    assert delays[0] == timedelta(seconds=15)
    assert all(later == 2 * earlier for earlier, later in pairwise(delays[:10]))
    assert delays[10:] == [timedelta(hours=3)] * 3  # half the 6-hour cap
    assert backoff(10_000, ALMOST_ONE) < timedelta(hours=6)  # no overflow for absurd counts
    assert backoff(3, 0.5, base_s=1, cap_s=10) == timedelta(seconds=2)


@pytest.mark.parametrize(("attempt", "rand"), [(0, 0.5), (-1, 0.5), (1, 1.0), (1, -0.1)])
def test_backoff_refuses_what_is_not_a_draw_or_an_attempt(attempt: int, rand: float) -> None:
    with pytest.raises(ValueError, match=r"attempts|draw"):
        backoff(attempt, rand)


def test_retries_spread_over_a_night_at_most() -> None:
    worst = sum((backoff(attempt, ALMOST_ONE) for attempt in range(1, MAX_ATTEMPTS)), timedelta())
    assert timedelta(hours=14) < worst < timedelta(hours=15)


def test_when_to_retry_and_when_to_give_up() -> None:
    now = datetime(2026, 3, 29, 9, 0, tzinfo=UTC)
    assert retry_at(1, now, 0.5, permanent=False) == now + timedelta(seconds=15)
    assert retry_at(MAX_ATTEMPTS - 1, now, 0.5, permanent=False) is not None
    assert retry_at(MAX_ATTEMPTS, now, 0.5, permanent=False) is None
    assert retry_at(1, now, 0.5, permanent=True) is None
    with pytest.raises(ValueError, match="time zone"):
        retry_at(1, datetime(2026, 3, 29, 9, 0), 0.5, permanent=False)


PERMANENCE = [
    (Channel.WEBHOOK, 400, True),
    (Channel.WEBHOOK, 401, True),
    (Channel.WEBHOOK, 404, True),
    (Channel.WEBHOOK, 410, True),
    (Channel.WEBHOOK, 422, True),
    (Channel.WEBHOOK, 408, False),
    (Channel.WEBHOOK, 429, False),
    (Channel.WEBHOOK, 500, False),
    (Channel.WEBHOOK, 502, False),
    (Channel.WEBHOOK, 503, False),
    (Channel.WEBHOOK, 301, True),
    (Channel.SMS, 400, True),
    (Channel.SMS, 403, True),
    (Channel.SMS, 429, False),
    (Channel.SMS, 504, False),
    (Channel.EMAIL, 550, True),
    (Channel.EMAIL, 552, True),
    (Channel.EMAIL, 554, True),
    (Channel.EMAIL, 421, False),
    (Channel.EMAIL, 450, False),
    (Channel.EMAIL, 451, False),
    (Channel.EMAIL, 452, False),
    (Channel.INBOX, 500, False),
    (Channel.EMAIL, ErrorKind.TIMEOUT, False),
    (Channel.WEBHOOK, ErrorKind.CONNECTION, False),
    (Channel.SMS, ErrorKind.NO_ADDRESS, True),
    (Channel.WEBHOOK, ErrorKind.INVALID_ADDRESS, True),
    (Channel.SMS, "timeout", False),
]


@pytest.mark.parametrize(("channel", "failure", "permanent"), PERMANENCE)
def test_which_failures_are_permanent(channel: Channel, failure: int | ErrorKind | str, permanent: bool) -> None:
    assert is_permanent(channel, failure) is permanent


@pytest.mark.parametrize(("channel", "code"), [(Channel.WEBHOOK, 200), (Channel.SMS, 204), (Channel.EMAIL, 250), (Channel.EMAIL, 354)])
def test_a_success_is_not_a_failure(channel: Channel, code: int) -> None:
    with pytest.raises(ValueError, match="not a failure"):
        is_permanent(channel, code)


def test_the_delivery_key_is_stable() -> None:
    event = UUID("0b6f1a9e-3c1d-4c6e-9a55-2f8e0f3b7d10")
    key = delivery_key(event, "user:owner-sub", Channel.EMAIL)
    # pinned (sha256 of '["<event>","user:owner-sub","email"]'): keys are stored, so the recipe may never
    # change (a change would send everything again)
    assert key == "0d4ca32ef8ebd71b52c6ea347af172c8ea05b80974107c0121b2bc4d43f38a67"
    assert delivery_key(str(event), "user:owner-sub", "email") == key


def test_the_delivery_key_tells_deliveries_apart() -> None:
    keys = {
        delivery_key("event-1", "user:a", Channel.EMAIL),
        delivery_key("event-1", "user:a", Channel.SMS),
        delivery_key("event-1", "user:b", Channel.EMAIL),
        delivery_key("event-2", "user:a", Channel.EMAIL),
        delivery_key("event-1:user", "a", Channel.EMAIL),  # no join that two triples could share
    }
    assert len(keys) == 5 and all(len(key) == 64 for key in keys)


@pytest.mark.parametrize(
    ("now", "allowed"),
    [
        (paris(2026, 5, 12, 12, 0), paris(2026, 5, 12, 12, 0)),
        (paris(2026, 5, 12, 20, 59), paris(2026, 5, 12, 20, 59)),
        (paris(2026, 5, 12, 21, 0), paris(2026, 5, 13, 8, 0)),
        (paris(2026, 5, 12, 23, 30), paris(2026, 5, 13, 8, 0)),
        (paris(2026, 5, 13, 0, 0), paris(2026, 5, 13, 8, 0)),
        (paris(2026, 5, 13, 7, 59), paris(2026, 5, 13, 8, 0)),
        (paris(2026, 5, 13, 8, 0), paris(2026, 5, 13, 8, 0)),
    ],
)
def test_quiet_hours_across_midnight(now: datetime, allowed: datetime) -> None:
    assert NIGHT.next_allowed(now) == allowed
    assert NIGHT.is_quiet(now) is (now != allowed)


def test_quiet_hours_when_the_clocks_go_forward() -> None:
    evening = paris(2026, 3, 28, 23, 0)  # winter time, UTC+1
    allowed = NIGHT.next_allowed(evening)
    assert same_moment(allowed, paris(2026, 3, 29, 8, 0)) and allowed.utcoffset() == timedelta(hours=2)
    assert elapsed(evening, allowed) == timedelta(hours=8)  # an hour shorter night


def test_quiet_hours_when_the_clocks_go_back() -> None:
    evening = paris(2026, 10, 24, 23, 0)  # summer time, UTC+2
    allowed = NIGHT.next_allowed(evening)
    assert same_moment(allowed, paris(2026, 10, 25, 8, 0)) and allowed.utcoffset() == timedelta(hours=1)
    assert elapsed(evening, allowed) == timedelta(hours=10)  # an hour longer night


def test_the_answer_is_in_the_zone_of_the_question() -> None:
    allowed = NIGHT.next_allowed(datetime(2026, 5, 12, 20, 0, tzinfo=UTC))  # 22:00 in Paris
    assert allowed == datetime(2026, 5, 13, 6, 0, tzinfo=UTC) and allowed.tzinfo is UTC


def test_an_end_that_does_not_exist_that_night_comes_later_never_earlier() -> None:
    early = QuietHours(time(1, 0), time(2, 30), "Europe/Paris")
    allowed = early.next_allowed(paris(2026, 3, 29, 1, 30))
    assert allowed.astimezone(UTC) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # 03:30 summer time


def test_an_end_that_occurs_twice_is_its_next_occurrence() -> None:
    late = QuietHours(time(23, 0), time(2, 30), "Europe/Paris")
    assert late.next_allowed(paris(2026, 10, 25, 0, 30)).astimezone(UTC) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 summer
    second_pass = paris(2026, 10, 25, 2, 10, fold=1)  # 02:10 winter time, after the clocks went back
    assert late.next_allowed(second_pass).astimezone(UTC) == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 02:30 winter


def test_daytime_quiet_hours_and_none() -> None:
    lunch = QuietHours(time(12, 0), time(14, 0), "Europe/Paris")
    assert lunch.next_allowed(paris(2026, 5, 12, 13, 0)) == paris(2026, 5, 12, 14, 0)
    assert lunch.next_allowed(paris(2026, 5, 12, 23, 0)) == paris(2026, 5, 12, 23, 0)
    never = QuietHours(time(8, 0), time(8, 0), "Europe/Paris")
    assert not never.is_quiet(paris(2026, 5, 12, 8, 0))


def test_quiet_hours_are_checked() -> None:
    with pytest.raises(ValueError, match="time zone"):
        NIGHT.next_allowed(datetime(2026, 5, 12, 22, 0))
    with pytest.raises(KeyError):  # ZoneInfoNotFoundError
        QuietHours(time(21, 0), time(8, 0), "Europe/Atlantis")
    with pytest.raises(ValueError, match="wall-clock"):
        QuietHours(time(21, 0, tzinfo=UTC), time(8, 0), "Europe/Paris")


@pytest.mark.parametrize("channel", list(Channel))
def test_only_sms_wait_for_the_end_of_quiet_hours(channel: Channel) -> None:
    night = paris(2026, 5, 12, 23, 0)
    expected = paris(2026, 5, 13, 8, 0) if channel is Channel.SMS else night
    assert send_after(channel, night, DEFAULT_QUIET_HOURS) == expected
    assert send_after(channel, night, None) == night
