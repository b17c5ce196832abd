"""The placement journey's state machine, the household's that follows it, and the rules a proposal is held to (pure)."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from abri_matching.domain.households import HouseholdMove, HouseholdMoveRefused, HouseholdStatus, household_after
from abri_matching.domain.placements import (
    ACTIVE,
    ENDED,
    MOVES,
    PlacementStatus,
    Step,
    StepRefused,
    after,
    household_move,
    resources_band,
)
from abri_matching.domain.policy import MatchingPolicy
from abri_matching.domain.proposals import PROPOSAL_RULES, failed_at_proposal
from abri_matching.domain.ranking import RULES, HouseholdFacts, UnitFacts, evaluate

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(("status", "step"), sorted(MOVES, key=str))
def test_allowed_steps(status: PlacementStatus, step: Step) -> None:
    assert after(status, step) == MOVES[(status, step)]


REFUSED = [(status, step) for status in PlacementStatus for step in Step if (status, step) not in MOVES]


@pytest.mark.parametrize(("status", "step"), REFUSED)
def test_every_other_step_is_refused(status: PlacementStatus, step: Step) -> None:
    with pytest.raises(StepRefused, match="cannot"):
        after(status, step)


def test_endings_are_final_and_only_active_placements_hold_a_unit() -> None:
    assert not [move for move in MOVES if move[0] in ENDED]
    assert [step for status, step in MOVES if status == PlacementStatus.SLID] == [Step.END_LEASE]  # a slid lease may still end
    assert all(MOVES[(status, Step.END_LEASE)] == status for status in (PlacementStatus.LEASE_SIGNED, PlacementStatus.SLID))
    assert ACTIVE.isdisjoint(ENDED) and PlacementStatus.LEASE_SIGNED not in ACTIVE


@pytest.mark.parametrize(
    ("cents", "band"), [(0, "under 800 €"), (79_999, "under 800 €"), (80_000, "800 to 1,200 €"), (250_000, "2,500 € or more")]
)
def test_the_owner_sees_a_band_never_the_amount(cents: int, band: str) -> None:
    assert resources_band(cents) == band


def test_only_a_proposal_starts_a_placement() -> None:
    assert after(None, Step.PROPOSE) == PlacementStatus.PROPOSED
    for step in Step:
        if step != Step.PROPOSE:
            with pytest.raises(StepRefused, match="a new placement cannot"):
                after(None, step)


@pytest.mark.parametrize(
    ("before", "status", "follow"),
    [
        (None, PlacementStatus.PROPOSED, HouseholdMove.PROPOSE),
        (PlacementStatus.PROPOSED, PlacementStatus.ACCEPTED, None),
        (PlacementStatus.GUARANTEED, PlacementStatus.LEASE_SIGNED, HouseholdMove.PLACE),
        (PlacementStatus.PROPOSED, PlacementStatus.DECLINED, HouseholdMove.RELEASE),
        (PlacementStatus.AWAITING_GUARANTEE, PlacementStatus.GUARANTEE_REJECTED, HouseholdMove.RELEASE),
        (PlacementStatus.LEASE_SIGNED, PlacementStatus.SLID, None),
    ],
)
def test_the_household_follows_its_placement(before: PlacementStatus | None, status: PlacementStatus, follow: HouseholdMove | None) -> None:
    assert household_move(before, status) == follow


def test_a_household_is_proposed_only_while_searching_and_stays_archived() -> None:
    assert household_after(HouseholdStatus.SEARCHING, HouseholdMove.PROPOSE) == HouseholdStatus.PROPOSED
    for status in (HouseholdStatus.PROPOSED, HouseholdStatus.PLACED, HouseholdStatus.ARCHIVED):
        with pytest.raises(HouseholdMoveRefused, match="not searching"):
            household_after(status, HouseholdMove.PROPOSE)
    assert household_after(HouseholdStatus.PROPOSED, HouseholdMove.RELEASE) == HouseholdStatus.SEARCHING
    assert household_after(HouseholdStatus.PROPOSED, HouseholdMove.PLACE) == HouseholdStatus.PLACED
    for move in (HouseholdMove.RELEASE, HouseholdMove.PLACE, HouseholdMove.ARCHIVE):
        assert household_after(HouseholdStatus.ARCHIVED, move) == HouseholdStatus.ARCHIVED  # erased: never back in the rankings
    assert all(household_after(status, HouseholdMove.ARCHIVE) == HouseholdStatus.ARCHIVED for status in HouseholdStatus)
    with pytest.raises(HouseholdMoveRefused):
        household_after(HouseholdStatus.SEARCHING, HouseholdMove.RELEASE)


def test_a_proposal_is_held_to_the_overcrowding_norm_the_rent_burden_and_the_accessibility_needs_only() -> None:
    five = HouseholdFacts(
        persons=5, resources_cents=100_000, housing_benefit_cents=0, needs_step_free=True, needs_ground_floor=False, min_bedrooms=3,
        wanted_communes=("34172",), wanted_latitude=None, wanted_longitude=None, wanted_radius_km=None, priority_level=0,
        registered_since=date(2026, 1, 1), rent_burden_threshold=0.33, schemes=frozenset({"sliding_lease"}),
    )  # fmt: skip
    studio = UnitFacts(
        insee_code="30189", latitude=43.8, longitude=4.4, rooms=1, living_area_m2=20.0, floor=3, elevator=False,
        accessibility=frozenset(), rent_cents=60_000, charges_cents=5_000, schemes=frozenset({"intermediated_letting"}),
        available_from=date(2030, 1, 1),
    )  # fmt: skip
    evaluation = evaluate(five, studio, date(2026, 12, 1), MatchingPolicy())
    ranking = set(RULES) - {"room_capacity", "house_rules", "cohabitation_age"}  # a whole home let by a lease: those pass
    assert {rule.rule for rule in evaluation.rules if not rule.passed} == ranking  # every other rule of the ranking fails
    assert [rule.rule for rule in failed_at_proposal(evaluation)] == ["overcrowding", "accessibility", "rent_burden"]
    assert set(PROPOSAL_RULES) == {"overcrowding", "rent_burden", "accessibility", "room_capacity", "cohabitation_age"}
    failed = {rule.rule: rule for rule in failed_at_proposal(evaluation)}
    assert (
        dict(failed["overcrowding"].params) == {"area_m2": 20.0, "norm_m2": 43.0, "persons": 5}
        and "D542-14" in failed["overcrowding"].source
    )
    assert dict(failed["rent_burden"].params) == {"burden": 0.65, "threshold": 0.33} and "10 mars 2011" in failed["rent_burden"].source
    roomy = UnitFacts(**{**studio.__dict__, "living_area_m2": 80.0, "rent_cents": 20_000, "accessibility": frozenset({"step_free_access"})})
    assert failed_at_proposal(evaluate(five, roomy, date(2026, 12, 1), MatchingPolicy())) == []
    room = UnitFacts(**{**roomy.__dict__, "rooms": 1, "shared": True, "occupants_max": 2, "smoke_free": False})
    smoke_free = dataclasses.replace(five, needs_smoke_free=True)
    held = [rule.rule for rule in failed_at_proposal(evaluate(smoke_free, room, date(2026, 12, 1), MatchingPolicy()))]
    assert held == ["room_capacity"]  # five people, a room for two; the house rules the household needs are the social worker's call
