"""The decision workflow's state machine and review clock (pure)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from abri_guarantees.domain.eligibility import Failure
from abri_guarantees.domain.policy import Rule
from abri_guarantees.domain.workflow import (
    FINAL,
    IN_QUEUE,
    MOVES,
    REJECTION_REASONS,
    Action,
    DecisionInputError,
    FileStatus,
    InvalidTransition,
    approve,
    is_overdue,
    reject,
    request_information,
    resubmit,
    review_deadline,
    submit,
    withdraw,
)

pytestmark = pytest.mark.unit
TOO_EXPENSIVE = [Failure(Rule.RENT_CAP, "rent + charges of 1,600.00 € are above the cap of 1,500.00 € in département 75")]

PERFORM: dict[Action, Callable[[FileStatus], FileStatus]] = {
    Action.REQUEST_INFORMATION: lambda status: request_information(status, "the last three payslips, please"),
    Action.RESUBMIT: lambda status: resubmit(status, []),
    Action.APPROVE: approve,
    Action.REJECT: lambda status: reject(status, ["documents_inconsistent"]),
    Action.WITHDRAW: withdraw,
}
ALLOWED = [(status, action) for action, (sources, _) in MOVES.items() for status in sorted(sources)]
REFUSED = [(status, action) for status in FileStatus for action in PERFORM if status not in MOVES[action][0]]


def test_a_new_file_is_answered_at_the_pre_check_or_queued() -> None:
    assert submit([]) is FileStatus.UNDER_REVIEW
    assert submit(TOO_EXPENSIVE) is FileStatus.INELIGIBLE


@pytest.mark.parametrize(("status", "action"), ALLOWED)
def test_every_allowed_move(status: FileStatus, action: Action) -> None:
    assert PERFORM[action](status) is MOVES[action][1]


@pytest.mark.parametrize(("status", "action"), REFUSED)
def test_every_other_move_is_refused(status: FileStatus, action: Action) -> None:
    with pytest.raises(InvalidTransition, match="cannot") as refused:
        PERFORM[action](status)
    assert (refused.value.status, refused.value.action) == (status, action)


def test_the_moves_as_the_issue_states_them() -> None:
    assert {status for status, action in ALLOWED if action is Action.APPROVE} == {FileStatus.UNDER_REVIEW, FileStatus.RESUBMITTED}
    assert {status for status, action in ALLOWED if action is Action.WITHDRAW} == {
        FileStatus.UNDER_REVIEW,
        FileStatus.INFORMATION_REQUESTED,
        FileStatus.RESUBMITTED,
    }
    assert not [move for move in ALLOWED if move[0] in FINAL]  # decided, ineligible and withdrawn files are final
    assert IN_QUEUE.isdisjoint(FINAL) and FileStatus.INFORMATION_REQUESTED not in IN_QUEUE


def test_a_resubmission_runs_the_pre_check_again() -> None:
    assert resubmit(FileStatus.INFORMATION_REQUESTED, []) is FileStatus.RESUBMITTED
    assert resubmit(FileStatus.INFORMATION_REQUESTED, TOO_EXPENSIVE) is FileStatus.INELIGIBLE
    with pytest.raises(InvalidTransition):
        resubmit(FileStatus.UNDER_REVIEW, [])


@pytest.mark.parametrize("message", ["", "   ", "\n"])
def test_a_request_for_information_says_what_is_needed(message: str) -> None:
    with pytest.raises(DecisionInputError, match="what is needed") as refused:
        request_information(FileStatus.UNDER_REVIEW, message)
    assert refused.value.code == "message_required"


@pytest.mark.parametrize(
    ("reasons", "error"),
    [
        ([], "reason_required"),
        (["too_poor"], "unknown_reason"),
        (["rent_burden", "looks_unreliable"], "unknown_reason"),
        (["rent_burden"], None),  # a policy rule's name
        (["documents_missing", "resources_not_proven"], None),
    ],
)
def test_a_rejection_carries_coded_reasons(reasons: list[str], error: str | None) -> None:
    if error is None:
        assert reject(FileStatus.RESUBMITTED, reasons) is FileStatus.REJECTED
        return
    with pytest.raises(DecisionInputError) as refused:
        reject(FileStatus.UNDER_REVIEW, reasons)
    assert refused.value.code == error


def test_the_reason_codes_include_every_policy_rule() -> None:
    assert {rule.value for rule in Rule} <= REJECTION_REASONS


def test_a_move_from_the_wrong_status_is_refused_before_its_input_is_read() -> None:
    with pytest.raises(InvalidTransition):
        reject(FileStatus.APPROVED, [])
    with pytest.raises(InvalidTransition):
        request_information(FileStatus.INFORMATION_REQUESTED, "")


ENTERED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "overdue"),
    [
        (ENTERED, False),
        (ENTERED + timedelta(hours=47, minutes=59, seconds=59), False),
        (ENTERED + timedelta(hours=48), False),  # decided at the deadline: on time
        (ENTERED + timedelta(hours=48, microseconds=1), True),
        (ENTERED + timedelta(days=5), True),
    ],
)
def test_review_deadline_and_overdue_with_a_given_clock(now: datetime, overdue: bool) -> None:
    deadline = review_deadline(ENTERED)
    assert deadline == datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
    assert is_overdue(deadline, now) is overdue


def test_the_clock_restarts_at_resubmission_and_the_sla_is_configurable() -> None:
    first = review_deadline(ENTERED)
    resubmitted_at = ENTERED + timedelta(days=10)  # the association took 10 days to answer
    assert is_overdue(first, resubmitted_at)
    assert not is_overdue(review_deadline(resubmitted_at), resubmitted_at + timedelta(hours=47))
    assert review_deadline(ENTERED, sla_hours=72) == ENTERED + timedelta(hours=72)


def test_the_clock_counts_elapsed_hours_across_a_change_of_summer_time() -> None:
    paris = ZoneInfo("Europe/Paris")
    entered = datetime(2026, 3, 28, 12, 0, tzinfo=paris)  # clocks go forward on 29 March
    deadline = review_deadline(entered)
    assert deadline.astimezone(UTC) - entered.astimezone(UTC) == timedelta(hours=48)
    assert deadline.astimezone(UTC) == datetime(2026, 3, 30, 11, 0, tzinfo=UTC)
    assert deadline.utcoffset() == timedelta(hours=2)  # given back in the zone it came in


def test_review_times_must_carry_their_zone() -> None:
    with pytest.raises(ValueError, match="time zone"):
        review_deadline(datetime(2026, 3, 2, 9, 0))  # naive
    with pytest.raises(ValueError, match="time zone"):
        is_overdue(ENTERED, datetime(2026, 3, 2, 9, 0))
