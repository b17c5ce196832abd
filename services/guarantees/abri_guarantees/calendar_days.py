"""The day a moment falls on, in France: deadlines, validity and due dates are calendar days of the
parties (Europe/Paris), not of UTC (between midnight and 1 or 2 a.m. they differ). Overseas
départements keep their own zones; funds there would need theirs (not yet configurable)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

FRANCE = ZoneInfo("Europe/Paris")


def day_in_france(moment: datetime) -> date:
    """The calendar day of ``moment`` (an aware datetime) in metropolitan France."""
    return moment.astimezone(FRANCE).date()
