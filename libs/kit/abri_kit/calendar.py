"""The French civil calendar, pure: which day an instant is in metropolitan France, and where a home
stands overseas. Every day in Abri (a deadline, a validity, a lease, a ban, a report's month) is a day of
this calendar; an instant stays UTC (``abri_kit.clock``).

A home overseas is judged on its own day: a ban that starts on 1 January starts at midnight in
Saint-Denis de La Réunion, three hours before Paris, and at midnight in Fort-de-France, five hours after.
:func:`zone_of_departement` gives the zone of each overseas département (IANA time zone database, checked
2026-12-05), :func:`local_day` the day of an instant there.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

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
