"""The rules of a lease, of a sliding lease's joint reviews and of its slide. Pure.

Each function answers the coded refusals (``abri_kit.legal.coded_error``: rule id, fields, English message,
numbers, legal source from ``domain/sources.py``) of what it is given; none: the step may be taken. The
numbers are :class:`~abri_matching.domain.placements.PlacementPolicy`'s, the table of schemes
``domain/schemes.py``'s.
"""

from __future__ import annotations

import calendar
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from abri_kit.legal import coded_error
from abri_matching.domain.schemes import LeaseType, SchemeRules, form_under
from abri_matching.domain.sources import source_of

Refusal = dict[str, Any]

TENANT_FORMS = frozenset({"sub_let", "sliding"})
"""Lease forms under which the association is the owner's tenant (a head lease holds the sub-let)."""


def refusal(rule: str, message: str, *, fields: Collection[str] = (), **params: Any) -> Refusal:
    """One coded refusal of ``rule``, with its legal source; ``field`` kept for clients of the first API."""
    error = coded_error(rule, message, source=source_of(rule), params=params, fields=list(fields))
    if fields:
        error["field"] = f"body.{next(iter(fields))}"
    return error


@dataclass(frozen=True)
class LeaseFacts:
    """A lease as the association records it, with what the placement and the unit say about it."""

    scheme: str
    lease_type: LeaseType
    under_mandate: bool
    signed_on: date
    starts_on: date
    ends_on: date | None
    """The end of the sub-let (occupancy agreement or sliding sub-let), when it has one."""
    head_lease_ends_on: date | None
    """The end of the owner's lease to the association (sub-let and sliding leases)."""
    today: date
    accepted_on: date | None
    """The day in France the owner accepted the proposal."""
    guarantee_required: bool
    guarantee_decided_on: date | None
    """The day in France the fund approved the guarantee (when one was required)."""
    letting_banned_from: date | None
    dpe_valid_until: date | None
    energy_class: str | None = None
    """The unit's class, for units whose ban date listings has not sent (``letting_banned_from`` and
    ``energy_known`` both unset: units of events older than issue 18)."""
    energy_known: bool = True
    """Whether listings sent the unit's ban date, even as null (the read model's ``letting_ban_known``): ``None``
    then means that no ban reaches its class."""
    recording_grace_days: int = 30
    """A lease is recorded at most this many days after its signature (``PlacementPolicy.lease_recording_grace_days``)."""
    persons: int = 1
    """The household's size (an intergenerational cohabitation contract takes one person)."""
    cohabitation_until: date | None = None
    """The household's last day under the cohabitation's age (none recorded: it does not seek one)."""

    @property
    def earliest_signed_on(self) -> date:
        """The earliest signature recorded today: ``recording_grace_days`` before it."""
        return self.today - timedelta(days=self.recording_grace_days)

    @property
    def signed_before_ban_in_force(self) -> bool:
        """Signed and handed over before a ban that has begun by the day the lease is recorded: allowed within the
        grace, since Abri cannot prove a signing date, and kept in the placement's timeline
        (:data:`SIGNED_BEFORE_BAN`) for a fund or an inspector to see."""
        ban = self.letting_banned_from
        return ban is not None and self.delivered_on < ban <= self.today

    @property
    def delivered_on(self) -> date:
        """The day the home is handed over under this lease: a ban in force that day forbids it, however early
        the lease was signed (loi 89-462, art. 6: the landlord delivers a decent home)."""
        return max(self.signed_on, self.starts_on)


SIGNED_BEFORE_BAN = "signed_before_ban_recorded_after"
"""The reason on a lease's step in the timeline when it was signed before a ban in force by its recording day."""

UNKNOWN_BAN_CLASSES = frozenset({"F", "G"})
"""Classes whose ban may already have begun: a unit of an older event in one of them, whose ban date listings
has not sent yet, gets no lease until it does (saving the unit in listings sends it)."""


def _energy_facts_unknown(energy_known: bool, energy_class: str | None) -> list[Refusal]:
    """A class that may be banned already, while listings has not sent the unit's ban date (a unit stored
    before listings sent it): no lease, no renewal, until it does."""
    if energy_known or energy_class not in UNKNOWN_BAN_CLASSES:
        return []
    return [
        refusal(
            "energy_facts_unknown",
            f"the unit's class {energy_class} may be banned already, and listings has not sent its ban date yet: "
            "its owner saves the unit again in listings, which sends it",
            fields=["unit_id"],
            energy_class=energy_class,
        )
    ]


def lease_refusals(facts: LeaseFacts, schemes: dict[str, SchemeRules]) -> list[Refusal]:
    """Every rule a lease breaks (none: it may be recorded)."""
    found: list[Refusal] = []
    signed = facts.signed_on.isoformat()
    if facts.starts_on < facts.signed_on:
        found.append(refusal("starts_before_signature", "the lease starts before it is signed", fields=["starts_on"], signed_on=signed))
    if facts.ends_on is not None and facts.ends_on <= facts.starts_on:
        found.append(
            refusal("ends_before_start", "the lease ends before it starts", fields=["ends_on"], starts_on=facts.starts_on.isoformat())
        )
    if facts.signed_on > facts.today:
        found.append(
            refusal("signed_in_the_future", "a lease is recorded once signed", fields=["signed_on"], today=facts.today.isoformat())
        )
    if facts.signed_on < facts.earliest_signed_on:
        found.append(
            refusal(
                "lease_signed_too_long_ago",
                f"signed on {signed}: a lease is recorded within {facts.recording_grace_days} days of its signature "
                f"(signed on or after {facts.earliest_signed_on.isoformat()})",
                fields=["signed_on"],
                grace_days=facts.recording_grace_days,
                earliest_signed_on=facts.earliest_signed_on.isoformat(),
                today=facts.today.isoformat(),
            )
        )
    rules = schemes.get(facts.scheme)
    form = form_under(rules, facts.lease_type, under_mandate=facts.under_mandate) if rules is not None else facts.lease_type
    if rules is None or form not in rules.lease_forms:
        allowed = ",".join(sorted(rules.lease_forms)) if rules is not None else ""
        found.append(
            refusal(
                "lease_type_not_allowed_by_scheme",
                f"the scheme {facts.scheme} does not allow a {form.replace('_', ' ')} lease (allowed: {allowed or 'none'})",
                fields=["lease_type"],
                scheme=facts.scheme,
                lease_form=form,
                allowed=allowed,
            )
        )
    if facts.accepted_on is not None and facts.signed_on < facts.accepted_on:
        found.append(
            refusal(
                "signed_before_acceptance",
                f"signed on {signed}, before the owner accepted the proposal on {facts.accepted_on.isoformat()}",
                fields=["signed_on"],
                accepted_on=facts.accepted_on.isoformat(),
            )
        )
    if facts.guarantee_required and facts.guarantee_decided_on is not None and facts.signed_on < facts.guarantee_decided_on:
        found.append(
            refusal(
                "signed_before_guarantee_decision",
                f"signed on {signed}, before the guarantee was approved on {facts.guarantee_decided_on.isoformat()}",
                fields=["signed_on"],
                guarantee_decided_on=facts.guarantee_decided_on.isoformat(),
            )
        )
    found += _dpe_refusals(facts)  # CCH art. L126-29: any letting of a home, a part of it included
    if form == "cohabitation":  # not a lease (CCH art. L631-17): loi 89-462's bans do not reach it
        return found + _cohabitation_refusals(facts)
    if facts.letting_banned_from is not None and facts.delivered_on >= facts.letting_banned_from:
        found.append(
            refusal(
                "energy_letting_ban",
                f"no home of this energy class may be let from {facts.letting_banned_from.isoformat()}; "
                f"this lease hands it over on {facts.delivered_on.isoformat()}",
                fields=["signed_on", "starts_on"],
                letting_banned_from=facts.letting_banned_from.isoformat(),
                delivered_on=facts.delivered_on.isoformat(),
            )
        )
    found += _energy_facts_unknown(facts.energy_known, facts.energy_class)
    if form in TENANT_FORMS:
        found.extend(_head_lease_refusals(facts))
    return found


def _dpe_refusals(facts: LeaseFacts) -> list[Refusal]:
    if facts.dpe_valid_until is None or facts.dpe_valid_until >= facts.signed_on:
        return []
    return [
        refusal(
            "dpe_expired",
            f"the unit's energy diagnosis was valid until {facts.dpe_valid_until.isoformat()}, before the signature",
            fields=["signed_on"],
            dpe_valid_until=facts.dpe_valid_until.isoformat(),
        )
    ]


def _cohabitation_refusals(facts: LeaseFacts) -> list[Refusal]:
    """An intergenerational cohabitation contract (CCH art. L631-17): its agreed duration, one person still under the
    scheme's age on the day it is signed and on the day it begins (the later of the two), and nothing of a lease
    (no management mandate, no head lease)."""
    found: list[Refusal] = []
    if facts.ends_on is None:
        found.append(
            refusal(
                "cohabitation_duration_required",
                "an intergenerational cohabitation contract states its duration: give its last day",
                fields=["ends_on"],
            )
        )
    first_day = max(facts.signed_on, facts.starts_on)
    until = facts.cohabitation_until
    if facts.persons != 1 or until is None or until < first_day:
        found.append(
            refusal(
                "cohabitation_age",
                "intergenerational cohabitation takes one person under the scheme's age on the day the contract is signed and begins",
                fields=["starts_on"],
                persons=facts.persons,
                starts_on=first_day.isoformat(),
                until=until.isoformat() if until is not None else "",
            )
        )
    given = [name for name, value in (("under_mandate", facts.under_mandate), ("head_lease_ends_on", facts.head_lease_ends_on)) if value]
    if given:
        found.append(
            refusal(
                "cohabitation_not_a_lease",
                "an intergenerational cohabitation contract is not a lease: no management mandate, no head lease",
                fields=given,
            )
        )
    return found


def _head_lease_refusals(facts: LeaseFacts) -> list[Refusal]:
    if facts.head_lease_ends_on is None:
        return [
            refusal(
                "head_lease_term_required",
                "a sub-let needs the end date of the owner's lease to the association",
                fields=["head_lease_ends_on"],
            )
        ]
    head = facts.head_lease_ends_on.isoformat()
    if facts.head_lease_ends_on <= facts.starts_on:
        return [
            refusal(
                "sub_let_beyond_head_lease",
                f"the owner's lease to the association ends on {head}, before the sub-let starts",
                fields=["head_lease_ends_on"],
                head_lease_ends_on=head,
            )
        ]
    if facts.ends_on is not None and facts.ends_on > facts.head_lease_ends_on:
        return [
            refusal(
                "sub_let_beyond_head_lease",
                f"the sub-let ends on {facts.ends_on.isoformat()}, after the owner's lease to the association ({head})",
                fields=["ends_on"],
                ends_on=facts.ends_on.isoformat(),
                head_lease_ends_on=head,
            )
        ]
    return []


def add_months(day: date, months: int) -> date:
    """``day`` ``months`` months later (the month's last day where it is shorter: 31 January + 1 is 28 or 29 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def term_ends_on(starts_on: date, months: int) -> date:
    """The last day of a term of ``months`` months from ``starts_on``: a lease from 12 April 2027 for three years
    runs to 11 April 2030, and is renewed or tacitly continued from 12 April 2030."""
    return add_months(starts_on, months) - timedelta(days=1)


@dataclass(frozen=True)
class RenewalFacts:
    """The owner's lease renewed, or tacitly continued, from ``renews_on``: the first day of its new term."""

    renews_on: date
    today: date
    """The day where the home stands when the renewal is recorded."""
    term_ends_on: date
    """The last day of the lease's current term."""
    letting_banned_from: date | None
    dpe_valid_until: date | None
    energy_class: str | None = None
    energy_known: bool = True


def renewal_refusals(facts: RenewalFacts) -> list[Refusal]:
    """Every rule a renewal breaks (none: it may be recorded). A lease is renewed or tacitly continued at its
    term's end, the day after its last day (loi 89-462, art. 10 and 25-7); from the first day of the unit's ban
    no lease is renewed or tacitly continued (loi 89-462, art. 6, loi 2021-1104, art. 160); the energy diagnosis
    is annexed to the renewed lease, so it must be valid on its first day (loi 89-462, art. 3-3)."""
    found: list[Refusal] = []
    renews, expected = facts.renews_on.isoformat(), (facts.term_ends_on + timedelta(days=1)).isoformat()
    if facts.renews_on != facts.term_ends_on + timedelta(days=1):
        found.append(
            refusal(
                "renewal_not_at_term_end",
                f"the lease's term ends on {facts.term_ends_on.isoformat()}: "
                f"it is renewed or tacitly continued from {expected}, not {renews}",
                fields=["renews_on"],
                term_ends_on=facts.term_ends_on.isoformat(),
                renews_on=expected,
            )
        )
    if facts.renews_on > facts.today:
        found.append(
            refusal(
                "renewal_in_the_future",
                f"a renewal is recorded once it has taken effect (from {renews}; today is {facts.today.isoformat()})",
                fields=["renews_on"],
                today=facts.today.isoformat(),
            )
        )
    if facts.letting_banned_from is not None and facts.renews_on >= facts.letting_banned_from:
        found.append(
            refusal(
                "energy_letting_ban",
                f"no lease of this home may be renewed or tacitly continued from {facts.letting_banned_from.isoformat()}; "
                f"this renewal runs from {renews}",
                fields=["renews_on"],
                letting_banned_from=facts.letting_banned_from.isoformat(),
                renews_on=renews,
            )
        )
    found += _energy_facts_unknown(facts.energy_known, facts.energy_class)
    if facts.dpe_valid_until is not None and facts.dpe_valid_until < facts.renews_on:
        found.append(
            refusal(
                "dpe_expired_at_renewal",
                f"the unit's energy diagnosis was valid until {facts.dpe_valid_until.isoformat()}, before the renewal from {renews}",
                fields=["renews_on"],
                dpe_valid_until=facts.dpe_valid_until.isoformat(),
                renews_on=renews,
            )
        )
    return found


def review_refusals(parties: Collection[str], required: Collection[str]) -> list[Refusal]:
    """A joint review is held by every party the policy names (the association, the household, the owner)."""
    missing = sorted(set(required) - set(parties))
    if not missing:
        return []
    return [
        refusal(
            "joint_review_parties",
            f"a sliding lease's review is joint: {', '.join(missing)} did not take part",
            fields=["parties"],
            missing=",".join(missing),
        )
    ]


@dataclass(frozen=True)
class SlideFacts:
    """A sliding lease about to slide to the household."""

    today: date
    signed_on: date
    ready_to_slide: bool
    owner_agreed: bool
    head_lease_ends_on: date | None
    earliest_slide_on: date
    """The signature plus the policy's minimum period of sub-letting."""


def slide_refusals(facts: SlideFacts) -> list[Refusal]:
    """Every rule the slide breaks today (none: the lease may slide)."""
    found: list[Refusal] = []
    if not facts.ready_to_slide:
        found.append(refusal("slide_needs_ready_review", "the last joint review did not find the household ready to slide"))
    if facts.today < facts.earliest_slide_on:
        found.append(
            refusal(
                "slide_too_early",
                f"signed on {facts.signed_on.isoformat()}: a sliding lease slides from {facts.earliest_slide_on.isoformat()}",
                signed_on=facts.signed_on.isoformat(),
                earliest_slide_on=facts.earliest_slide_on.isoformat(),
            )
        )
    if not facts.owner_agreed:
        found.append(refusal("slide_needs_owner_agreement", "the owner has not agreed to the slide"))
    if facts.head_lease_ends_on is not None and facts.today > facts.head_lease_ends_on:
        found.append(
            refusal(
                "head_lease_ended",
                f"the owner's lease to the association ended on {facts.head_lease_ends_on.isoformat()}",
                head_lease_ends_on=facts.head_lease_ends_on.isoformat(),
            )
        )
    return found


def next_review_by(after: date, every: timedelta, head_lease_ends_on: date | None) -> date:
    """A sliding lease's next joint review: ``every`` after ``after`` (the occupancy's first day, or the last
    review), and no later than the head lease's last day, past which the sub-let, and so the review, has no object."""
    due = after + every
    return min(due, head_lease_ends_on) if head_lease_ends_on is not None else due


def review_alert(next_review_by: date | None, today: date, notice_days: int) -> str | None:
    """Which alert a sliding lease's next review calls for today: ``due`` from ``notice_days`` before it,
    ``overdue`` from the day after it, else none."""
    if next_review_by is None:
        return None
    if today > next_review_by:
        return "overdue"
    if (next_review_by - today).days <= notice_days:
        return "due"
    return None


def lease_end_refusals(starts_on: date | None, ended_on: date, today: date) -> list[Refusal]:
    """What refuses recording a lease's end on ``ended_on``: before the lease began, or a day still to come (a
    notice given for a later day is recorded on that day). Abri's own coherence checks: no text to cite."""
    found = []
    if starts_on is not None and ended_on < starts_on:
        found.append(
            refusal(
                "lease_end_before_start",
                f"the lease began on {starts_on.isoformat()}: it cannot end before",
                fields=["ended_on"],
                starts_on=starts_on.isoformat(),
            )
        )
    if ended_on > today:
        found.append(
            refusal(
                "lease_end_in_future", f"record the end on the day it happens (today is {today.isoformat()})", fields=["ended_on"],
                today=today.isoformat(),
            )
        )  # fmt: skip
    return found
