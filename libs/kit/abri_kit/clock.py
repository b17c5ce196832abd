"""One clock for every service: when something happens is an instant in UTC; which day it is, for a
deadline, a validity, a lease or a ban, is a day of the French civil calendar (Europe/Paris).

Between midnight and 1 a.m. (2 a.m. in summer) France is already on the next day while UTC is not: a
service that took "today" from the machine's UTC date would refuse a lease signed "in the future" at
00:30 on the 1st, or judge a ban one day late. Every service takes its time from the clock its app holds
(``app.state.clock``), which tests replace with one they move. Event handlers date what happened from
the event's own ``time`` (a replay from a dead-letter topic keeps the original date), and use the clock
only for when they processed it.

The days themselves (France's, and a home's overseas) are pure and live in :mod:`abri_kit.calendar`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import Depends, Request

from abri_kit.calendar import day_in_france

Clock = Callable[[], datetime]
"""A clock answers the current instant, timezone-aware."""


def system_clock() -> datetime:
    """The machine's time, in UTC."""
    return datetime.now(UTC)


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
