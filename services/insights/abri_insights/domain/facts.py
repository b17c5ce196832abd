"""What one event adds to the counts: pure. An event becomes :class:`Fact` s, each a measure, a month, a value
(a day bucket, a code) and the scopes it counts in (the whole platform always; the association, the fund and
the département when the event names them). Nothing of a household, a person or a home's identity is kept:
only how many, by scope, month and value.

The measures (their words and sources: ``docs/insights.md``):

- ``registration_to_proposal_days``, ``registration_to_lease_days``, ``registration_to_slide_days``,
  ``lease_to_slide_days``: durations, as whole days (``measures.bucket_of``), from the durations matching's
  events carry (never a date about a household);
- ``proposal_outcomes``: ``proposed``, then ``accepted``, ``declined:<reason>``, ``expired``,
  ``withdrawn:<reason>``, ``fell_through:<reason>``;
- ``leases_signed``: by lease type;
- ``guarantee_decisions``: ``approved``, ``rejected``; ``guarantee_decision_days``: from the file's entry into the
  fund's review to the decision; ``guarantee_decisions_on_time``: ``on_time`` or ``late`` against the review's
  deadline;
- ``guarantees_activated`` and ``claims_filed``: claims per guarantee, by fund;
- ``units``: ``published``, ``let``, ``withdrawn:<reason>``; ``let_energy_classes``: the DPE class of each home let;
- ``lease_cohorts``: the leases by the month they began, ``started``, and ``ended_after:<months>`` when one ended
  (whole months run), from which the leases still running after 6, 12 and 24 months are read
  (``measures.still_running``); ``lease_ends``: why leases ended, by the month they ended.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from abri_insights.domain.measures import bucket_of
from abri_kit.calendar import day_in_france

Scope = Literal["platform", "association", "fund", "departement"]
SCOPES: tuple[Scope, ...] = ("platform", "association", "fund", "departement")
PLATFORM = ("platform", "")
_INSEE = re.compile(r"^(97\d|2A|2B|\d{2})")

DURATIONS = ("registration_to_proposal_days", "registration_to_lease_days", "registration_to_slide_days", "lease_to_slide_days")
BREAKDOWNS = (
    "proposal_outcomes",
    "leases_signed",
    "lease_ends",
    "guarantee_decisions",
    "guarantee_decisions_on_time",
    "units",
    "let_energy_classes",
)
COHORTS = "lease_cohorts"
TOTALS = ("guarantees_activated", "claims_filed")
MEASURES = (*DURATIONS, "guarantee_decision_days", *BREAKDOWNS, *TOTALS, COHORTS)


@dataclass(frozen=True)
class Fact:
    """One count to add: ``measure`` in ``month`` (``YYYY-MM``), valued ``value``, in each of ``scopes``."""

    measure: str
    month: str
    value: str
    scopes: tuple[tuple[Scope, str], ...]


def month_of(moment: datetime | date) -> str:
    """The month (``YYYY-MM``) of a day, or of an instant in metropolitan France's calendar, as every day in
    Abri and the reports' own "this month" are: a proposal made at 00:30 on 1 December in Paris (23:30 UTC on
    30 November) counts in December."""
    if isinstance(moment, datetime):
        moment = day_in_france(moment)
    return f"{moment.year:04d}-{moment.month:02d}"


def months_run(starts_on: date, ended_on: date) -> int:
    """Whole months from a lease's first day to its last (a lease ended on 14 March that began on 15 January ran 1)."""
    months = (ended_on.year - starts_on.year) * 12 + ended_on.month - starts_on.month
    return max(months - (1 if ended_on.day < starts_on.day else 0), 0)


def departement_of_insee(insee_code: str | None) -> str | None:
    """The département of a commune's INSEE code (``75056`` → ``75``, ``2A004`` → ``2A``, ``97411`` → ``974``)."""
    found = _INSEE.match(insee_code or "")
    return found.group(1) if found else None


def scopes(*, org_id: str | None = None, fund_id: str | None = None, departement: str | None = None) -> tuple[tuple[Scope, str], ...]:
    """The whole platform, and each scope named."""
    named: list[tuple[Scope, str]] = [PLATFORM]  # type: ignore[list-item]
    if org_id:
        named.append(("association", org_id))
    if fund_id:
        named.append(("fund", fund_id))
    if departement:
        named.append(("departement", departement))
    return tuple(named)


def duration(measure: str, days: int | None, at: datetime, where: tuple[tuple[Scope, str], ...]) -> list[Fact]:
    """A duration's fact (none when the producer did not give it: an event older than the field)."""
    return [] if days is None else [Fact(measure, month_of(at), str(bucket_of(days)), where)]


def count(measure: str, value: str, at: datetime, where: tuple[tuple[Scope, str], ...]) -> list[Fact]:
    return [Fact(measure, month_of(at), value, where)]


def decision_facts(
    outcome: str, decided_at: datetime, under_review_since: datetime | None, deadline: datetime | None, where: tuple[tuple[Scope, str], ...]
) -> list[Fact]:
    """A fund's decision: its outcome, its time from the file's entry into review, and whether it met the deadline."""
    found = count("guarantee_decisions", outcome, decided_at, where)
    if under_review_since is not None:
        found += duration("guarantee_decision_days", (decided_at - under_review_since).days, decided_at, where)
    if deadline is not None:
        found += count("guarantee_decisions_on_time", "on_time" if decided_at <= deadline else "late", decided_at, where)
    return found
