"""The placement journey's state machine (pure)."""

from __future__ import annotations

import pytest

from abri_matching.domain.placements import ACTIVE, ENDED, MOVES, PlacementStatus, Step, StepRefused, after, resources_band

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
    assert not [move for move in MOVES if move[0] in ENDED or move[0] == PlacementStatus.SLID]
    assert ACTIVE.isdisjoint(ENDED) and PlacementStatus.LEASE_SIGNED not in ACTIVE


@pytest.mark.parametrize(
    ("cents", "band"), [(0, "under 800 €"), (79_999, "under 800 €"), (80_000, "800 to 1,200 €"), (250_000, "2,500 € or more")]
)
def test_the_owner_sees_a_band_never_the_amount(cents: int, band: str) -> None:
    assert resources_band(cents) == band
