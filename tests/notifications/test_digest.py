"""The owners' daily digest: when it is due, and one message listing the day's subjects (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from abri_notifications.domain.digest import DigestItem, compose_digest, digest_due, last_slot

pytestmark = pytest.mark.unit
PARIS = ZoneInfo("Europe/Paris")
EVENING = time(18, 0)


def paris(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=PARIS)


@pytest.mark.parametrize(
    ("last_sent", "now", "due"),
    [
        (None, paris(5, 10, 9), True),  # never sent: what waits goes at the next pass
        (paris(5, 9, 18), paris(5, 10, 17, 59), False),  # yesterday's went; today's is still to come
        (paris(5, 9, 18), paris(5, 10, 18), True),  # today's time has come
        (paris(5, 9, 18, 2), paris(5, 10, 23), True),
        (paris(5, 10, 18, 1), paris(5, 10, 23), False),  # today's went
        (paris(5, 10, 18, 1), paris(5, 11, 7), False),  # ... and tomorrow's is not yet due
        (paris(5, 8, 18, 1), paris(5, 10, 7), True),  # a missed day: due at once, once
    ],
)
def test_digest_due(last_sent: datetime | None, now: datetime, due: bool) -> None:
    assert digest_due(last_sent, now, EVENING, "Europe/Paris") is due


def test_the_slot_follows_the_owners_wall_clock() -> None:
    now = datetime(2026, 5, 10, 16, 30, tzinfo=UTC)  # 18:30 in Paris
    assert last_slot(now, EVENING, "Europe/Paris").astimezone(UTC) == datetime(2026, 5, 10, 16, 0, tzinfo=UTC)
    assert last_slot(now, EVENING, "America/Cayenne").astimezone(UTC) == datetime(2026, 5, 9, 21, 0, tzinfo=UTC)


def test_a_send_time_skipped_by_the_clocks_comes_an_hour_later() -> None:
    at_night = time(2, 30)  # does not exist on 29 March 2026 in Paris
    assert last_slot(datetime(2026, 3, 29, 1, 15, tzinfo=UTC), at_night, "Europe/Paris").astimezone(UTC) == datetime(
        2026, 3, 28, 1, 30, tzinfo=UTC
    )
    assert last_slot(datetime(2026, 3, 29, 1, 30, tzinfo=UTC), at_night, "Europe/Paris").astimezone(UTC) == datetime(
        2026, 3, 29, 1, 30, tzinfo=UTC
    )
    sent = datetime(2026, 3, 28, 1, 31, tzinfo=UTC)
    assert not digest_due(sent, datetime(2026, 3, 29, 1, 15, tzinfo=UTC), at_night, "Europe/Paris")  # 03:15 summer time
    assert digest_due(sent, datetime(2026, 3, 29, 1, 30, tzinfo=UTC), at_night, "Europe/Paris")  # 03:30 summer time


def test_digest_times_carry_their_zone() -> None:
    with pytest.raises(ValueError, match="time zone"):
        digest_due(None, datetime(2026, 5, 10, 9, 0), EVENING, "Europe/Paris")
    with pytest.raises(ValueError, match="time zone"):
        digest_due(datetime(2026, 5, 9, 18, 0), paris(5, 10, 19), EVENING, "Europe/Paris")


ITEMS = [
    DigestItem("owner.unit_reserved", paris(5, 10, 15)),
    DigestItem("owner.placement_proposed", paris(5, 10, 9)),
    DigestItem("owner.placement_proposed", paris(5, 10, 11)),
]


def test_one_message_listing_the_days_subjects() -> None:
    digest = compose_digest(ITEMS, "fr")
    assert digest.subject == "Votre résumé Abri"
    assert "• Un ménage vous est proposé (×2)\n• Votre logement est réservé\n" in digest.text
    assert digest.html.count("<p ") == 3 and "• Un ménage vous est proposé (×2)<br>• Votre logement est réservé" in digest.html
    assert digest.sms is None


def test_the_digest_speaks_the_owners_language() -> None:
    digest = compose_digest(ITEMS, "ar")
    assert (digest.subject, digest.direction) == ("ملخصك من Abri", "rtl")
    assert "• اقتراح أسرة لمسكنك (×2)" in digest.text
    assert compose_digest(ITEMS[:1], "uk").text.splitlines()[2] == "• Ваше житло заброньовано"
    assert compose_digest(ITEMS[:1], "xx").subject == "Votre résumé Abri"


def test_a_digest_is_of_owners_messages_and_not_empty() -> None:
    with pytest.raises(ValueError, match="at least one"):
        compose_digest([], "fr")
    with pytest.raises(ValueError, match="for owners"):
        compose_digest([DigestItem("fund.claim_filed", paris(5, 10, 9))], "fr")
    with pytest.raises(ValueError, match="time zone"):
        compose_digest([DigestItem("owner.unit_let", datetime(2026, 5, 10, 9, 0))], "fr")
