"""The measures insights shows, computed from counts alone (the read model keeps no household, no person, no
id of either: only how many, by scope, month and value). Pure.

- A **duration** (registration to proposal, to lease, to slide; a fund's decision) is kept as a histogram of
  whole days: how many journeys took 0 days, 1 day... (capped at :data:`MAX_DAYS`, the last bucket "or more").
  Its median and quartiles come from the histogram, shown only for 11 journeys or more.
- **Leases still running** after 6, 12 and 24 months are cohorts: the leases signed in a month, and those of
  them that ended, by how long they had run. A cohort is counted for a horizon once the horizon has passed
  for all its leases.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from abri_insights.domain.suppression import THRESHOLD, rate

MAX_DAYS = 1_095
"""Durations are counted day by day up to three years; longer ones fall in the last bucket."""
HORIZONS_MONTHS = (6, 12, 24)


def bucket_of(days: int) -> int:
    """The histogram's bucket of a duration (negative durations, a clock's error, count as 0)."""
    return min(max(days, 0), MAX_DAYS)


def quantile(histogram: Mapping[int, int], q: float) -> int | None:
    """The ``q`` quantile (0 to 1) of a day histogram, in days: the smallest duration at or below which at least
    ``q`` of the journeys fall; None under :data:`THRESHOLD` journeys."""
    total = sum(histogram.values())
    if total < THRESHOLD:
        return None
    seen = 0
    for days in sorted(histogram):
        seen += histogram[days]
        if seen >= q * total:
            return days
    return max(histogram)


@dataclass(frozen=True)
class Duration:
    """A duration as shown: how many journeys, and their quartiles in days (None under the threshold)."""

    count: int
    first_quartile: int | None
    median: int | None
    third_quartile: int | None


def duration(histogram: Mapping[int, int]) -> Duration:
    return Duration(
        count=sum(histogram.values()),
        first_quartile=quantile(histogram, 0.25),
        median=quantile(histogram, 0.5),
        third_quartile=quantile(histogram, 0.75),
    )


def months_between(earlier: str, later: str) -> int:
    """Whole months from month ``earlier`` to month ``later`` (``YYYY-MM``)."""
    (y1, m1), (y2, m2) = (map(int, earlier.split("-")), map(int, later.split("-")))
    return (y2 - y1) * 12 + (m2 - m1)


@dataclass(frozen=True)
class Running:
    """The share of leases still running at a horizon, over the cohorts old enough to tell."""

    horizon_months: int
    leases: int
    running: int
    share: float | None


def still_running(signed: Mapping[str, int], ended: Mapping[tuple[str, int], int], this_month: str) -> list[Running]:
    """From the leases signed by month (``signed``: ``YYYY-MM`` → count) and those ended by signing month and
    months run (``ended``: (``YYYY-MM``, months) → count), the share still running at each horizon, over the
    cohorts whose every lease has reached it (signed at least ``horizon + 1`` months before ``this_month``)."""
    found = []
    for horizon in HORIZONS_MONTHS:
        cohorts = [month for month in signed if months_between(month, this_month) > horizon]
        leases = sum(signed[month] for month in cohorts)
        gone = sum(count for (month, months), count in ended.items() if month in cohorts and months < horizon)
        found.append(Running(horizon, leases, leases - gone, rate(leases - gone, leases)))
    return found
