"""Unpaid-rent claims: when one is constituted, whether it is declared in time, and what is payable.

The owner declares each month left unpaid: what was due (rent + charges), what the tenant paid and what
housing benefit the owner received (deducted first). Arrears are counted month by month in exact cents
(a partial month counts its unpaid cents; a month overpaid is not carried to another: the owner
declares a payment against the month it settles). Rules from ``ClaimTerms`` and ``Cover`` (Visale, FAQ
bailleurs "la gestion des impayés"; ``docs/domain-rules.md``, "Unpaid-rent claims"). The payout itself follows a subrogation receipt (the
service's concern, not this module's).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date, timedelta
from enum import StrEnum

from abri_guarantees.domain.guarantee import Guarantee, covers
from abri_guarantees.domain.policy import ClaimTerms, Cover, DeadlineAnchor


@dataclass(frozen=True)
class UnpaidMonth:
    """One month's rent as the owner declares it, in cents."""

    due_on: date
    due_cents: int
    paid_by_tenant_cents: int = 0
    housing_benefit_cents: int = 0

    def __post_init__(self) -> None:
        if min(self.due_cents, self.paid_by_tenant_cents, self.housing_benefit_cents) < 0:
            raise ValueError("amounts may not be negative")

    @property
    def arrears_cents(self) -> int:
        """What is left unpaid once the housing benefit and the tenant's payment are deducted."""
        return max(self.due_cents - self.housing_benefit_cents - self.paid_by_tenant_cents, 0)

    @property
    def wholly_unpaid(self) -> bool:
        """The tenant paid nothing of what the benefit left to pay."""
        return self.paid_by_tenant_cents == 0 and self.arrears_cents > 0


class ClaimGround(StrEnum):
    """What a claim stands on: a constitution of arrears (its two grounds), later months of arrears that
    continue a constituted claim, or damage alone."""

    WHOLLY_UNPAID_MONTHS = "wholly_unpaid_months"
    PARTIAL_ARREARS = "partial_arrears"
    CONTINUING_ARREARS = "continuing_arrears"
    DAMAGE = "damage"


CONSTITUTED_ARREARS = frozenset({ClaimGround.WHOLLY_UNPAID_MONTHS, ClaimGround.PARTIAL_ARREARS})
"""The grounds of an arrears claim that was itself constituted. A claim that only continued one is not
(were its constituted claim rejected, it opens nothing), and damage never is: a damage claim constitutes
no unpaid rent."""


@dataclass(frozen=True)
class Arrears:
    """The state of a tenancy's arrears: total, months wholly unpaid, and if constituted, on what ground
    and on which due date (the month that made it so)."""

    total_cents: int
    wholly_unpaid_months: int
    first_unpaid_on: date | None
    ground: ClaimGround | None
    constituted_on: date | None

    @property
    def constituted(self) -> bool:
        return self.ground is not None


def arrears(months: Sequence[UnpaidMonth], monthly_rent_and_charges_cents: int, terms: ClaimTerms) -> Arrears:
    """Constituted when ``terms.wholly_unpaid_months`` months (consecutive or not) are wholly unpaid, or
    when the arrears exceed ``terms.partial_arrears_months`` of the guaranteed rent + charges (strictly:
    arrears of exactly one month are not yet a claim)."""
    ordered = sorted(months, key=lambda month: month.due_on)
    if len({month.due_on for month in ordered}) != len(ordered):
        raise ValueError("a due date is declared twice")
    threshold = terms.partial_arrears_months * monthly_rent_and_charges_cents
    total = wholly = 0
    first: date | None = None
    ground: ClaimGround | None = None
    constituted_on: date | None = None
    for month in ordered:
        if month.arrears_cents == 0:
            continue
        total += month.arrears_cents
        wholly += month.wholly_unpaid
        first = month.due_on if first is None else first
        if ground is None and wholly >= terms.wholly_unpaid_months:
            ground, constituted_on = ClaimGround.WHOLLY_UNPAID_MONTHS, month.due_on
        elif ground is None and total > threshold:
            ground, constituted_on = ClaimGround.PARTIAL_ARREARS, month.due_on
    return Arrears(total, wholly, first, ground, constituted_on)


class ClaimFailure(StrEnum):
    NOT_CONSTITUTED = "claim_not_constituted"
    FORMAL_NOTICE_MISSING = "formal_notice_missing"
    FORMAL_NOTICE_LATE = "formal_notice_late"
    DECLARATION_LATE = "declaration_late"


def anchor_day(state: Arrears, anchor: DeadlineAnchor, terms: ClaimTerms) -> date | None:
    """The day a deadline counts from: the constitution of the arrears (or the first unpaid rent, per
    ``anchor``), which is ``terms.unpaid_from_days_after_due`` after the due date that makes it (Visale:
    due 05/08/24, constituted 06/08/24)."""
    due = state.first_unpaid_on if anchor is DeadlineAnchor.FIRST_UNPAID else state.constituted_on
    return None if due is None else due + timedelta(days=terms.unpaid_from_days_after_due)


def _deadline(state: Arrears, anchor: DeadlineAnchor, days: int, terms: ClaimTerms) -> date | None:
    start = anchor_day(state, anchor, terms)
    return None if start is None else start + timedelta(days=days)


def formal_notice_deadline(state: Arrears, terms: ClaimTerms) -> date | None:
    """The last day to send the formal notice (mise en demeure): ``terms.formal_notice_days`` after the
    constitution (or the first unpaid rent, per ``terms.formal_notice_from``); Visale: 15 days, 21/08/24 for
    arrears constituted on 06/08/24."""
    return _deadline(state, terms.formal_notice_from, terms.formal_notice_days, terms)


def declaration_deadline(state: Arrears, terms: ClaimTerms) -> date | None:
    """The last day to declare the claim: ``terms.declaration_days`` after the constitution (or the first
    unpaid rent, per ``terms.declaration_from``). Visale's text says 30 calendar days (05/09/24 for arrears
    constituted on 06/08/24), its example 06/09/24: the text is followed, the earlier day."""
    return _deadline(state, terms.declaration_from, terms.declaration_days, terms)


def declaration_failures(state: Arrears, formal_notice_on: date | None, declared_on: date, terms: ClaimTerms) -> list[ClaimFailure]:
    """Every reason a declaration made ``declared_on`` is out of order (the deadline day is in time)."""
    failures = []
    if not state.constituted:
        failures.append(ClaimFailure.NOT_CONSTITUTED)
    notice_by = formal_notice_deadline(state, terms)
    if formal_notice_on is None:
        failures.append(ClaimFailure.FORMAL_NOTICE_MISSING)
    elif notice_by is not None and formal_notice_on > notice_by:
        failures.append(ClaimFailure.FORMAL_NOTICE_LATE)
    declare_by = declaration_deadline(state, terms)
    if declare_by is not None and declared_on > declare_by:
        failures.append(ClaimFailure.DECLARATION_LATE)
    return failures


@dataclass(frozen=True)
class Payout:
    """What a claim pays, and why: each amount claimed, its cap over the tenancy, what earlier claims
    already took of it, and what is payable now."""

    rent_claimed_cents: int
    rent_cap_cents: int
    rent_paid_before_cents: int
    rent_payable_cents: int
    damage_claimed_cents: int
    damage_cap_cents: int
    damage_paid_before_cents: int
    damage_payable_cents: int

    @property
    def total_cents(self) -> int:
        return self.rent_payable_cents + self.damage_payable_cents

    @property
    def rent_cap_reached(self) -> bool:
        return self.rent_paid_before_cents + self.rent_payable_cents >= self.rent_cap_cents

    @property
    def damage_cap_reached(self) -> bool:
        return self.damage_paid_before_cents + self.damage_payable_cents >= self.damage_cap_cents


def claim_payable(
    months: Sequence[UnpaidMonth],
    monthly_rent_and_charges_cents: int,
    cover: Cover,
    rent_paid_before_cents: int = 0,
    damage_cents: int = 0,
    damage_paid_before_cents: int = 0,
) -> Payout:
    """What this claim pays after the caps over the whole tenancy: unpaid rent up to
    ``cover.unpaid_rent_months`` × the guaranteed rent + charges (Visale: 36 months), damage up to
    ``cover.damage_months`` × the same (Visale: 2 months), less what earlier claims were paid."""
    if min(monthly_rent_and_charges_cents, rent_paid_before_cents, damage_cents, damage_paid_before_cents) < 0:
        raise ValueError("amounts may not be negative")
    rent_claimed = sum(month.arrears_cents for month in months)
    rent_cap = cover.unpaid_rent_months * monthly_rent_and_charges_cents
    damage_cap = cover.damage_months * monthly_rent_and_charges_cents
    return Payout(
        rent_claimed_cents=rent_claimed,
        rent_cap_cents=rent_cap,
        rent_paid_before_cents=rent_paid_before_cents,
        rent_payable_cents=min(rent_claimed, max(rent_cap - rent_paid_before_cents, 0)),
        damage_claimed_cents=damage_cents,
        damage_cap_cents=damage_cap,
        damage_paid_before_cents=damage_paid_before_cents,
        damage_payable_cents=min(damage_cents, max(damage_cap - damage_paid_before_cents, 0)),
    )


# --- a declaration on a guarantee ---------------------------------------------------------------------
@dataclass(frozen=True)
class DeclarationError:
    """What in a declaration the guarantee refuses: ``field`` of the declaration (``months.<n>.due_on``,
    ``months.<n>.due_cents``, ``damage_cents``), why, the rule's code (``domain/sources.py`` cites it) and
    its numbers."""

    field: str
    message: str
    rule: str = ""
    params: Mapping[str, str | int | None] = dataclass_field(default_factory=dict)


def declaration_errors(guarantee: Guarantee, months: Sequence[UnpaidMonth], damage_cents: int, today: date) -> list[DeclarationError]:
    """Every reason this declaration cannot be made on ``guarantee`` on ``today``: a month outside the
    guaranteed tenancy, a month not due yet, a month above the guaranteed rent + charges, damage claimed
    while the tenancy still runs."""
    rent = guarantee.monthly_rent_and_charges_cents
    starts = guarantee.lease_starts_on or guarantee.lease_signed_on
    tenancy = {"starts_on": starts.isoformat(), "ended_on": guarantee.ended_on.isoformat() if guarantee.ended_on else None}
    return (
        [
            DeclarationError(f"months.{n}.due_on", "outside the guaranteed tenancy", "month_outside_tenancy", tenancy)
            for n, m in enumerate(months)
            if not covers(guarantee, m.due_on)
        ]
        + [
            DeclarationError(f"months.{n}.due_on", "not due yet", "month_not_due", {"today": today.isoformat()})
            for n, m in enumerate(months)
            if m.due_on > today
        ]
        + [
            DeclarationError(
                f"months.{n}.due_cents",
                f"above the guaranteed rent + charges ({rent})",
                "month_above_guaranteed_rent",
                {"due_cents": m.due_cents, "guaranteed_cents": rent},
            )
            for n, m in enumerate(months)
            if m.due_cents > rent
        ]
        + (
            [DeclarationError("damage_cents", "damage is claimed once the tenancy has ended", "damage_before_tenancy_end")]
            if damage_cents and guarantee.ended_on is None
            else []
        )
    )


def months_claimed_twice(months: Sequence[UnpaidMonth], claimed_before: Iterable[date]) -> list[str]:
    """The months (``YYYY-MM``) of ``months`` an earlier claim still standing already declared."""
    claimed = {day.replace(day=1) for day in claimed_before}
    return [month.due_on.strftime("%Y-%m") for month in months if month.due_on.replace(day=1) in claimed]


def continues_arrears(earlier_grounds: Iterable[str]) -> bool:
    """Whether an earlier claim still standing on the tenancy (not rejected) was an arrears claim that was
    constituted (:data:`CONSTITUTED_ARREARS`): only then may later unpaid months follow it without a
    constitution of their own. A damage claim never opens the way (visale.fr, FAQ bailleurs "La gestion
    des impayés de loyer": the first call on the guarantee needs constituted arrears)."""
    return any(ground in CONSTITUTED_ARREARS for ground in earlier_grounds)


def must_be_constituted(state: Arrears, months: Sequence[UnpaidMonth], earlier_grounds: Iterable[str]) -> bool:
    """Whether a declaration of unpaid months is refused as not constituted: it must be, unless it
    continues a constituted arrears claim (:func:`continues_arrears`); damage alone needs no arrears."""
    return bool(months) and not state.constituted and not continues_arrears(earlier_grounds)


def claim_ground(state: Arrears, months: Sequence[UnpaidMonth]) -> ClaimGround:
    """What the claim stands on: the arrears' ground, else later months continuing a constituted claim
    (:func:`must_be_constituted` let them through), else damage."""
    if state.ground is not None:
        return state.ground
    return ClaimGround.CONTINUING_ARREARS if months else ClaimGround.DAMAGE


def deadlines_missed(
    state: Arrears, months: Sequence[UnpaidMonth], formal_notice_on: date | None, declared_on: date, terms: ClaimTerms
) -> list[str]:
    """The deadlines a declaration of unpaid months missed (coded), for the fund to weigh; the claim is
    recorded all the same (its constitution is judged by :func:`must_be_constituted`)."""
    if not months:
        return []
    failures = declaration_failures(state, formal_notice_on, declared_on, terms)
    return [failure.value for failure in failures if failure is not ClaimFailure.NOT_CONSTITUTED]


# --- the fund's steps on a claim ----------------------------------------------------------------------
class ClaimStatus(StrEnum):
    FILED = "filed"
    VALIDATED = "validated"
    PAID = "paid"
    REJECTED = "rejected"


OPEN_CLAIMS = (ClaimStatus.FILED.value, ClaimStatus.VALIDATED.value, ClaimStatus.PAID.value)
"""Claims that count against the caps and the months already claimed (a rejected one does not)."""


class ClaimMove(StrEnum):
    VALIDATE = "validate"
    PAY = "pay"
    REJECT = "reject"


class InvalidClaimMove(Exception):
    """A step the claim's status does not allow (the API answers 409)."""


def after_move(status: str, move: ClaimMove) -> ClaimStatus:
    """Where ``move`` takes a claim in ``status``: a filed claim is validated, a validated one paid
    (against the subrogation receipt), a filed or validated one rejected; nothing else."""
    if move is ClaimMove.VALIDATE and status == ClaimStatus.FILED:
        return ClaimStatus.VALIDATED
    if move is ClaimMove.PAY and status == ClaimStatus.VALIDATED:
        return ClaimStatus.PAID
    if move is ClaimMove.REJECT and status in (ClaimStatus.FILED, ClaimStatus.VALIDATED):
        return ClaimStatus.REJECTED
    why = {
        ClaimMove.VALIDATE: f"the claim is {status}, not filed",
        ClaimMove.PAY: f"the claim is {status}: a payout follows the validation",
        ClaimMove.REJECT: f"the claim is {status}: only a filed or validated claim is rejected",
    }
    raise InvalidClaimMove(why[move])
