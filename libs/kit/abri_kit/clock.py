"""One clock for every service: when something happens is an instant in UTC; which day it is, for a
deadline, a validity, a lease or a ban, is a day of the French civil calendar (Europe/Paris).

Between midnight and 1 a.m. (2 a.m. in summer) France is already on the next day while UTC is not: a
service that took "today" from the machine's UTC date would refuse a lease signed "in the future" at
00:30 on the 1st, or judge a ban one day late. Every service takes its time from the clock its app holds
(``app.state.clock``), which tests replace with one they move. Event handlers date what happened from
the event's own ``time`` (a replay from a dead-letter topic keeps the original date), and use the clock
only for when they processed it.

A home overseas is judged on its own day: a ban that starts on 1 January starts at midnight in
Saint-Denis de La Réunion, three hours before Paris, and at midnight in Fort-de-France, five hours after.
:func:`zone_of_departement` gives the zone of each overseas département (IANA time zone database, checked
2026-12-05), :func:`local_day` the day of an instant there.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends, Request

FRANCE = ZoneInfo("Europe/Paris")

OVERSEAS_ZONES: dict[str, ZoneInfo] = {
    "971": ZoneInfo("America/Guadeloupe"),
    "972": ZoneInfo("America/Martinique"),
    "973": ZoneInfo("America/Cayenne"),
    "974": ZoneInfo("Indian/Reunion"),
    "976": ZoneInfo("Indian/Mayotte"),
}
"""The civil time zone of each overseas département (DROM), by its code; every other département keeps
metropolitan France's."""

Clock = Callable[[], datetime]
"""A clock answers the current instant, timezone-aware."""


def system_clock() -> datetime:
    """The machine's time, in UTC."""
    return datetime.now(UTC)


def day_in_france(moment: datetime) -> date:
    """The calendar day of ``moment`` (timezone-aware) in metropolitan France."""
    if moment.tzinfo is None:
        raise ValueError("a naive datetime has no day in France: give it a timezone")
    return moment.astimezone(FRANCE).date()


def zone_of_departement(departement: str | None) -> ZoneInfo:
    """The time zone a home in ``departement`` lives in: its overseas zone, or metropolitan France's
    (also for an unknown département, the day the rest of Abri judges on)."""
    return OVERSEAS_ZONES.get(departement or "", FRANCE)


def local_day(moment: datetime, departement: str | None) -> date:
    """The calendar day of ``moment`` (timezone-aware) where a home of ``departement`` stands."""
    if moment.tzinfo is None:
        raise ValueError("a naive datetime has no local day: give it a timezone")
    return moment.astimezone(zone_of_departement(departement)).date()


def clock_of(request: Request) -> Clock:
    """The app's clock (``app.state.clock``), for a route."""
    clock: Clock = request.app.state.clock
    return clock


def now_of(request: Request) -> datetime:
    """The app's current instant, for a route."""
    return clock_of(request)()


ClockDep = Annotated[Clock, Depends(clock_of)]
Now = Annotated[datetime, Depends(now_of)]


def today_of(now: Now) -> date:
    """Today in France on the app's clock, for a route: the day of the request's one ``Now`` (FastAPI reads
    it once per request), so a route taking both never sees two instants."""
    return day_in_france(now)


Today = Annotated[date, Depends(today_of)]
