"""The placement journey, as a state machine with coded reasons. Pure.

A proposal starts it (the household must be searching: ``domain/households.py``), then:
proposed → accepted (by the owner, before the deadline) → awaiting guarantee (when the scheme or the
owner asks for one) → guarantee approved → lease signed → for a sliding lease, joint reviews until the
lease slides to the household.
Declined, expired, guarantee rejected or withdrawn: the placement ends, the household goes back to
searching and the unit back to the pool, and nobody is penalised (no ending is ever read to rank).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from typing import Literal

from abri_matching.domain.households import HouseholdMove
from abri_matching.domain.schemes import DEFAULT_SCHEMES, SchemeRules
from abri_matching.domain.schemes import LeaseType as LeaseType


class PlacementStatus(StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    AWAITING_GUARANTEE = "awaiting_guarantee"
    GUARANTEED = "guaranteed"
    LEASE_SIGNED = "lease_signed"
    SLID = "slid"
    DECLINED = "declined"
    EXPIRED = "expired"
    GUARANTEE_REJECTED = "guarantee_rejected"
    WITHDRAWN = "withdrawn"


class Step(StrEnum):
    PROPOSE = "propose"
    ACCEPT = "accept"
    DECLINE = "decline"
    EXPIRE = "expire"
    REQUEST_GUARANTEE = "request_guarantee"
    APPROVE_GUARANTEE = "approve_guarantee"
    REJECT_GUARANTEE = "reject_guarantee"
    SIGN_LEASE = "sign_lease"
    REVIEW = "review"
    AGREE_SLIDE = "agree_slide"
    """The owner agrees that the sliding lease slides (after a review found the household ready)."""
    SLIDE = "slide"
    RENEW = "renew"
    """The owner's lease is renewed or tacitly continued at its term's end (loi 89-462, art. 10 and 25-7)."""
    END_LEASE = "end_lease"
    """The lease ended (the household left, moved on, was given notice): recorded with its day and a coded reason."""
    WITHDRAW = "withdraw"


ACTIVE = frozenset(
    {
        PlacementStatus.PROPOSED,
        PlacementStatus.ACCEPTED,
        PlacementStatus.AWAITING_GUARANTEE,
        PlacementStatus.GUARANTEED,
    }
)
"""Placements that hold their unit and their household (one active placement per unit)."""

ENDED = frozenset({PlacementStatus.DECLINED, PlacementStatus.EXPIRED, PlacementStatus.GUARANTEE_REJECTED, PlacementStatus.WITHDRAWN})

MOVES: dict[tuple[PlacementStatus, Step], PlacementStatus] = {
    (PlacementStatus.PROPOSED, Step.ACCEPT): PlacementStatus.ACCEPTED,
    (PlacementStatus.PROPOSED, Step.DECLINE): PlacementStatus.DECLINED,
    (PlacementStatus.PROPOSED, Step.EXPIRE): PlacementStatus.EXPIRED,
    (PlacementStatus.PROPOSED, Step.WITHDRAW): PlacementStatus.WITHDRAWN,
    (PlacementStatus.ACCEPTED, Step.REQUEST_GUARANTEE): PlacementStatus.AWAITING_GUARANTEE,
    (PlacementStatus.ACCEPTED, Step.SIGN_LEASE): PlacementStatus.LEASE_SIGNED,
    (PlacementStatus.ACCEPTED, Step.WITHDRAW): PlacementStatus.WITHDRAWN,
    (PlacementStatus.AWAITING_GUARANTEE, Step.APPROVE_GUARANTEE): PlacementStatus.GUARANTEED,
    (PlacementStatus.AWAITING_GUARANTEE, Step.REJECT_GUARANTEE): PlacementStatus.GUARANTEE_REJECTED,
    (PlacementStatus.AWAITING_GUARANTEE, Step.WITHDRAW): PlacementStatus.WITHDRAWN,
    (PlacementStatus.GUARANTEED, Step.SIGN_LEASE): PlacementStatus.LEASE_SIGNED,
    (PlacementStatus.GUARANTEED, Step.WITHDRAW): PlacementStatus.WITHDRAWN,
    (PlacementStatus.LEASE_SIGNED, Step.REVIEW): PlacementStatus.LEASE_SIGNED,
    (PlacementStatus.LEASE_SIGNED, Step.AGREE_SLIDE): PlacementStatus.LEASE_SIGNED,
    (PlacementStatus.LEASE_SIGNED, Step.SLIDE): PlacementStatus.SLID,
    (PlacementStatus.LEASE_SIGNED, Step.RENEW): PlacementStatus.LEASE_SIGNED,
    (PlacementStatus.LEASE_SIGNED, Step.END_LEASE): PlacementStatus.LEASE_SIGNED,
    (PlacementStatus.SLID, Step.END_LEASE): PlacementStatus.SLID,
}


START = {Step.PROPOSE: PlacementStatus.PROPOSED}
"""How a placement begins: only a proposal starts one."""


class StepRefused(Exception):
    """A step the journey does not allow from where the placement is (the API answers 409)."""

    def __init__(self, status: PlacementStatus | None, step: Step) -> None:
        where = f"a {status.value}" if status is not None else "a new"
        super().__init__(f"{where} placement cannot {step.value.replace('_', ' ')}")
        self.status = status
        self.step = step


def after(status: PlacementStatus | None, step: Step) -> PlacementStatus:
    """Where ``step`` leads from ``status`` (None: a placement not yet made); :class:`StepRefused` if it is
    not allowed."""
    try:
        return START[step] if status is None else MOVES[(status, step)]
    except KeyError:
        raise StepRefused(status, step) from None


def household_move(before: PlacementStatus | None, status: PlacementStatus) -> HouseholdMove | None:
    """How the household follows its placement moving from ``before`` to ``status``: proposed with it,
    placed by its signed lease, searching again when it ends before a lease; else it stays as it is."""
    if before is None:
        return HouseholdMove.PROPOSE
    if before in ACTIVE and status not in ACTIVE:
        return HouseholdMove.PLACE if status == PlacementStatus.LEASE_SIGNED else HouseholdMove.RELEASE
    return None


@dataclass(frozen=True)
class PlacementPolicy:
    """The numbers and tables of the journey, each with its source (``docs/domain-rules.md``, "Matching");
    overridden from ``ABRI_MATCHING_PLACEMENT`` (JSON) and ``ABRI_MATCHING_ANSWER_WITHIN_DAYS``.

    - ``answer_within``: the owner answers a proposal within this delay (Abri's default, 7 days); past it the
      proposal expires and releases the unit and the household.
    - ``guarantee_schemes``: schemes under which a guarantee is always filed before the lease (the
      association is not the tenant: a direct lease or a management mandate); under the others the
      association is the tenant and pays the rent. An owner may also ask for one on accepting.
    - ``schemes``: per letting scheme, the lease forms it allows, whether the association is the tenant and
      what the owner sees of the household before accepting (``domain/schemes.py``).
    - ``sliding_review_every``: joint reviews of a sliding lease at least this often (182 days: practice
      guides and the ANIL/FNARS/USH recommendations of 2010 describe a review every six months).
    - ``min_before_slide``: a sliding lease slides no earlier than this after its signature. No text sets a
      minimum (CCH art. L442-8-3 leaves the period to the agreement): Abri's default is one review period,
      so that the slide follows at least one joint review of six months of occupancy.
    - ``review_parties``: who takes part in a joint review (CCH art. L442-8-3: "examen périodique
      contradictoire"; the 2010 recommendations: a tripartite agreement of owner, association, household).
    - ``review_due_notice_days``: the parties are told this many days before a review is due (Abri's default,
      30 days, to set a date with the three parties); overdue the day after.
    - ``resources_bands_cents``: the ceilings of the resources bands shown where the scheme discloses them
      (Abri's own bands, no law: wide enough not to reveal the amount).
    - ``lease_term_months``: the term of the owner's lease, by whether the home is furnished: 36 months
      unfurnished (loi 89-462, art. 10: at least three years for an owner who is a natural person; six for a
      legal person, which Abri's owners are not) and 12 months furnished (art. 25-7: at least one year,
      tacitly continued for one year); a renewal or tacit continuation at the term's end runs for the same
      term. The term's last day is kept on the placement (``lease_term_ends_on``).
    - ``lease_recording_grace_days``: a lease is recorded at most this many days after the day it says it was
      signed (Abri's choice, 30 days, no legal source: Abri cannot prove a signing date, so it bounds how far
      back one may be dated; a signature before a ban in force by the recording day is kept in the timeline).
    """

    answer_within: timedelta = timedelta(days=7)
    guarantee_schemes: frozenset[str] = frozenset({"direct_lease", "management_mandate", "loc_avantages_1", "loc_avantages_2"})
    schemes: dict[str, SchemeRules] = field(default_factory=lambda: dict(DEFAULT_SCHEMES))
    sliding_review_every: timedelta = timedelta(days=182)
    min_before_slide: timedelta = timedelta(days=182)
    review_parties: frozenset[str] = frozenset({"association", "household", "owner"})
    review_due_notice_days: int = 30
    resources_bands_cents: tuple[int, ...] = (80_000, 120_000, 180_000, 250_000)
    lease_recording_grace_days: int = 30
    lease_term_months: dict[str, int] = field(default_factory=lambda: {"unfurnished": 36, "furnished": 12})

    def term_months(self, furnished: bool | None) -> int:
        """The term of the owner's lease of a home (unfurnished when the read model does not say)."""
        return self.lease_term_months["furnished" if furnished else "unfurnished"]

    def rules_of(self, scheme: str) -> SchemeRules | None:
        return self.schemes.get(scheme)

    def discloses(self, scheme: str, what: str, *, slid: bool = False) -> bool:
        """Whether the owner sees ``what`` of the household under ``scheme`` (an unknown scheme shows nothing;
        ``slid``: a sliding lease that slid to the household, now the owner's tenant)."""
        rules = self.schemes.get(scheme)
        return rules is not None and (what in rules.disclosed or (slid and what in rules.disclosed_once_slid))


RenewalKind = Literal["tacit", "renewed"]
"""A lease reaching its term is tacitly continued (no notice given) or renewed (on an offer of renewal): loi 89-462, art. 10."""
ReviewOutcome = Literal["continue", "ready_to_slide"]
ReviewParty = Literal["association", "household", "owner"]
"""A joint review of a sliding lease: the lease goes on (another review later), or the household is ready to slide."""


class DeclineReason(StrEnum):
    UNIT_NO_LONGER_AVAILABLE = "unit_no_longer_available"
    PREFERS_ANOTHER_PROPOSAL = "prefers_another_proposal"
    GUARANTEE_INSUFFICIENT = "guarantee_insufficient"
    OTHER = "other"


class LeaseEndReason(StrEnum):
    """Why a lease ended, coded (never free text: it could carry personal data)."""

    SOCIAL_HOUSING = "social_housing"
    """The household moved to social housing (HLM): the way out an intermediated letting prepares."""
    MOVED_ELSEWHERE = "moved_elsewhere"
    """The household gave notice and moved to another home of its choice."""
    OWNER_NOTICE = "owner_notice"
    """The owner gave notice at the lease's term (to sell, to live there: loi 89-462, art. 15)."""
    HEAD_LEASE_ENDED = "head_lease_ended"
    """The owner's lease to the association ended (intermediated letting, sliding lease not slid)."""
    EVICTION = "eviction"
    """The lease was terminated by a court (unpaid rent, a breach)."""
    DEATH = "death"
    OTHER = "other"


class WithdrawReason(StrEnum):
    HOUSEHOLD_WITHDREW = "household_withdrew"
    HOUSEHOLD_HOUSED_ELSEWHERE = "household_housed_elsewhere"
    ASSOCIATION_DECISION = "association_decision"
    OTHER = "other"
    CONSENT_WITHDRAWN = "consent_withdrawn"
    """The household withdrew its consent to matching (``usecases/consent_gate.py``): not chosen in the API."""
    HOUSEHOLD_ERASED = "household_erased"
    """The household's personal data were erased (``usecases/erasure.py``): not chosen in the API."""


def resources_band(resources_cents: int, ceilings_cents: tuple[int, ...] = PlacementPolicy.resources_bands_cents) -> str:
    """The resources an owner sees before accepting, where the scheme discloses them: a band, never the
    amount (``PlacementPolicy.resources_bands_cents``, compared in whole cents)."""
    labels = [f"{ceiling // 100:,}" for ceiling in ceilings_cents]
    for index, ceiling in enumerate(ceilings_cents):
        if resources_cents < ceiling:
            return f"under {labels[0]} €" if index == 0 else f"{labels[index - 1]} to {labels[index]} €"
    return f"{labels[-1]} € or more"
