"""Where a household's file stands, from the assistant's read model (pure): each stage of the journey with what
comes next, the latest placement still running wins, what the fund's pre-check found missing is said, and an
account not linked to a file is told how to get linked."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from abri_assistant.domain.file_state import GuaranteeState, PlacementState, file_answer

pytestmark = pytest.mark.unit
T0, T1 = datetime(2026, 11, 2, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)


def test_an_account_not_linked_and_a_household_without_a_placement() -> None:
    assert (file_answer(False, []).stage, file_answer(False, []).next_step) == ("not_linked", "ask_association_for_invitation")
    ended = PlacementState("ended", T1)
    assert (file_answer(True, [ended]).stage, file_answer(True, [ended]).next_step) == ("searching", "association_proposes")


def test_the_latest_placement_still_running_tells_the_stage_and_what_comes_next() -> None:
    proposed = PlacementState("proposed", T1, answer_by=datetime(2026, 12, 8, tzinfo=UTC))
    answer = file_answer(True, [PlacementState("ended", T0), proposed])
    assert (answer.stage, answer.next_step, answer.params) == ("proposed", "owner_answers", {"answer_by": "2026-12-08T00:00:00+00:00"})
    sliding = PlacementState("lease_signed", T1, sliding=True, next_review_by=date(2027, 6, 1))
    assert file_answer(True, [sliding]).params == {"next_review_by": "2027-06-01"}
    assert file_answer(True, [PlacementState("lease_signed", T1)]).next_step == "none"


@pytest.mark.parametrize(
    ("guarantee", "stage", "next_step"),
    [
        (None, "guarantee_requested", "association_files_guarantee"),
        (GuaranteeState("under_review", review_deadline=T1), "guarantee_under_review", "fund_answers"),
        (GuaranteeState("ineligible", failed_rules=("resources_documents",)), "guarantee_ineligible", "association_completes_file"),
        (GuaranteeState("information_requested"), "guarantee_information_requested", "association_answers_fund"),
        (GuaranteeState("approved"), "guarantee_approved", "lease_signature"),
        (GuaranteeState("rejected"), "guarantee_rejected", "association_looks_again"),
    ],
)
def test_each_step_of_the_guarantee(guarantee: GuaranteeState | None, stage: str, next_step: str) -> None:
    answer = file_answer(True, [PlacementState("awaiting_guarantee", T1, guarantee=guarantee)])
    assert (answer.stage, answer.next_step) == (stage, next_step)
    assert answer.missing == (guarantee.failed_rules if guarantee else ())


def test_a_household_whose_lease_ended_is_told_so_not_that_its_lease_is_signed() -> None:
    ended = PlacementState("lease_ended", T1, sliding=True, next_review_by=date(2027, 6, 1))  # a sliding lease, slid or not
    answer = file_answer(True, [PlacementState("ended", T0), ended])
    assert (answer.stage, answer.next_step, answer.params) == ("lease_ended", "tell_association_if_searching", {})
    again = PlacementState("proposed", datetime(2027, 1, 5, tzinfo=UTC))  # proposed again since: the new placement is the news
    assert file_answer(True, [ended, again]).stage == "proposed"
    fell = PlacementState("ended", datetime(2027, 1, 5, tzinfo=UTC))  # a new proposal since, that fell through: it searches
    assert file_answer(True, [ended, fell]).stage == "searching"
