"""The owners' optional daily digest: one message a day instead of one per event. Pure.

An owner who chooses the digest gets, once a day at the time they chose (on their wall clock), one
email listing the subjects of the day's messages, in their language. Subjects carry no values
(``templates``), so the digest repeats nothing the messages themselves would not show; the details
stay in the app.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from abri_notifications.domain.routing import RecipientKind
from abri_notifications.domain.templates import DIGEST_TEMPLATE, Channel, Rendered, render, subject


@dataclass(frozen=True)
class DigestItem:
    """One message held for the digest: its template and when its event happened."""

    template: str
    occurred_at: datetime


def last_slot(now: datetime, send_at: time, zone: str) -> datetime:
    """The latest moment, at or before ``now``, when a digest was due: today's ``send_at`` on the wall
    clock of ``zone``, or yesterday's if today's is still to come. A ``send_at`` that does not exist
    that day (the hour skipped in spring) comes an hour later; one that occurs twice, the first time."""
    _aware(now)
    tz = ZoneInfo(zone)
    today = now.astimezone(tz).date()
    slot = _wall(today, send_at, tz)
    return slot if _utc(slot) <= _utc(now) else _wall(today - timedelta(days=1), send_at, tz)


def digest_due(last_sent: datetime | None, now: datetime, send_at: time, zone: str) -> bool:
    """Whether the digest is due: none was sent since the last slot (:func:`last_slot`). An owner who
    never had one is due at once (what waits is sent at the next pass, not held a day); the service
    sends nothing when nothing waits."""
    slot = last_slot(now, send_at, zone)
    if last_sent is None:
        return True
    _aware(last_sent)
    return _utc(last_sent) < _utc(slot)


def compose_digest(items: Sequence[DigestItem], language: str | None, url: str | None = None) -> Rendered:
    """One email listing the items' subjects in the owner's language, oldest first; the same subject
    several times is one line with its count ("(×3)"); ``url``: the inbox's address, linked below."""
    if not items:
        raise ValueError("a digest lists at least one message")
    for item in items:
        if not item.template.startswith(f"{RecipientKind.OWNER.value}."):
            raise ValueError(f"the digest is for owners; {item.template!r} is not an owner's message")
        _aware(item.occurred_at)
    ordered = sorted(items, key=lambda item: item.occurred_at)
    counts = Counter(subject(item.template, language) for item in ordered)
    lines = [f"• {line}" + (f" (×{counts[line]})" if counts[line] > 1 else "") for line in dict.fromkeys(counts)]
    return render(DIGEST_TEMPLATE, language, {"items": "\n".join(lines)}, Channel.EMAIL, url=url)


def _wall(day: date, at: time, tz: ZoneInfo) -> datetime:
    # fold=0: a skipped time reads with the offset before the change (an hour later in real time), a
    # repeated one is its first occurrence; the round trip through UTC gives the moment on the real clock.
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC).astimezone(tz)


def _utc(moment: datetime) -> datetime:
    # aware datetimes that share a tzinfo compare by wall time, which is wrong in the repeated hour
    return moment.astimezone(UTC)


def _aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("digest times carry their time zone")
