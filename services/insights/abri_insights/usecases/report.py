"""A scope's insights over a range of months, as shown: every count under the threshold hidden
(``domain/suppression.py``), durations as quartiles of 11 journeys or more (``domain/measures.py``), rates only
when both their parts reach the threshold."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from abri_insights.db import counters
from abri_insights.db.models import Counter
from abri_insights.domain.facts import BREAKDOWNS, COHORTS, DURATIONS, Scope
from abri_insights.domain.measures import Duration, Running, duration, still_running
from abri_insights.domain.suppression import THRESHOLD, Cell, suppress_row, suppress_total
from abri_kit.usecase import Context


@dataclass(frozen=True)
class Report:
    scope: Scope
    scope_id: str
    first_month: str
    last_month: str
    durations: dict[str, Duration] = field(default_factory=dict)
    breakdowns: dict[str, dict[str, Cell]] = field(default_factory=dict)
    totals: dict[str, Cell] = field(default_factory=dict)
    claims_per_guarantee: float | None = None
    still_running: list[Running] = field(default_factory=list)
    threshold: int = THRESHOLD


async def report(ctx: Context, scope: Scope, scope_id: str, first_month: str, last_month: str) -> Report:
    """The scope's counts from ``first_month`` to ``last_month``, suppressed as they are shown."""
    rows = await counters.read(ctx.uow.session, scope, scope_id, first_month, last_month)
    sums: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        sums[row.measure][row.value] += row.count
    durations = {
        name: duration({int(days): n for days, n in sums.get(name, {}).items()}) for name in (*DURATIONS, "guarantee_decision_days")
    }
    breakdowns = {name: suppress_row(dict(sorted(sums.get(name, {}).items()))) for name in BREAKDOWNS}
    activated, claims = sum(sums.get("guarantees_activated", {}).values()), sum(sums.get("claims_filed", {}).values())
    return Report(
        scope=scope,
        scope_id=scope_id,
        first_month=first_month,
        last_month=last_month,
        durations=durations,
        breakdowns=breakdowns,
        totals={"guarantees_activated": suppress_total(activated), "claims_filed": suppress_total(claims)},
        claims_per_guarantee=None if activated < THRESHOLD or claims < THRESHOLD else claims / activated,
        still_running=cohorts(rows, f"{ctx.today.year:04d}-{ctx.today.month:02d}"),
    )


def cohorts(rows: list[Counter], this_month: str) -> list[Running]:
    """The leases begun in the range still running at each horizon (the cohorts old enough to tell)."""
    started: dict[str, int] = defaultdict(int)
    ended: dict[tuple[str, int], int] = defaultdict(int)
    for row in rows:
        if row.measure != COHORTS:
            continue
        if row.value == "started":
            started[row.month] += row.count
        elif row.value.startswith("ended_after:"):
            ended[(row.month, int(row.value.removeprefix("ended_after:")))] += row.count
    return still_running(started, ended, this_month)
