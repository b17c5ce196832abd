"""Where a household's file stands, what is missing and what comes next: pure, from the assistant's own read
model (fed by matching's placement events and guarantees' file events; never another service's database).

The answer is codes and parameters (``stage``, ``next_step``, ``missing``), worded in the reader's language
where it is shown; it says only what the events said: a step not yet known to the assistant is not guessed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

PlacementStatus = Literal["proposed", "accepted", "awaiting_guarantee", "lease_signed", "slid", "ended", "lease_ended"]
"""``ended``: the placement fell through before a lease (declined, expired, withdrawn, fell through); ``lease_ended``:
its signed lease ended (slid or not)."""
GuaranteeStatus = Literal["requested", "under_review", "ineligible", "information_requested", "approved", "rejected"]
Stage = Literal[
    "not_linked",
    "searching",
    "proposed",
    "accepted",
    "guarantee_requested",
    "guarantee_under_review",
    "guarantee_ineligible",
    "guarantee_information_requested",
    "guarantee_approved",
    "guarantee_rejected",
    "lease_signed",
    "slid",
    "lease_ended",
]
NextStep = Literal[
    "ask_association_for_invitation",
    "association_proposes",
    "owner_answers",
    "lease_signature",
    "association_files_guarantee",
    "fund_answers",
    "association_completes_file",
    "association_answers_fund",
    "association_looks_again",
    "joint_review",
    "tell_association_if_searching",
    "none",
]
ACTIVE: frozenset[str] = frozenset({"proposed", "accepted", "awaiting_guarantee", "lease_signed", "slid"})


@dataclass(frozen=True)
class GuaranteeState:
    status: GuaranteeStatus
    review_deadline: datetime | None = None
    failed_rules: tuple[str, ...] = ()
    """The pre-check's coded rules a file failed (no personal data): what is missing."""


@dataclass(frozen=True)
class PlacementState:
    status: PlacementStatus
    changed_at: datetime
    answer_by: datetime | None = None
    guarantee: GuaranteeState | None = None
    next_review_by: date | None = None
    sliding: bool = False


@dataclass(frozen=True)
class FileAnswer:
    stage: Stage
    next_step: NextStep
    missing: tuple[str, ...] = ()
    params: dict[str, str] = field(default_factory=dict)


def file_answer(linked: bool, placements: Sequence[PlacementState]) -> FileAnswer:
    """The stage of the household's latest placement still running, and what comes next; none running: its lease
    ended, when that is the latest news of its placements, else it searches."""
    if not linked:
        return FileAnswer("not_linked", "ask_association_for_invitation")
    running = sorted((p for p in placements if p.status in ACTIVE), key=lambda p: p.changed_at)
    if not running:
        latest = max(placements, key=lambda p: p.changed_at, default=None)
        if latest is not None and latest.status == "lease_ended":
            return FileAnswer("lease_ended", "tell_association_if_searching")
        return FileAnswer("searching", "association_proposes")
    current = running[-1]
    if current.status == "proposed":
        when = {"answer_by": current.answer_by.isoformat()} if current.answer_by else {}
        return FileAnswer("proposed", "owner_answers", params=when)
    if current.status == "accepted":
        return FileAnswer("accepted", "lease_signature")
    if current.status == "awaiting_guarantee":
        return _guarantee_answer(current.guarantee)
    if current.status == "lease_signed":
        if current.sliding and current.next_review_by is not None:
            return FileAnswer("lease_signed", "joint_review", params={"next_review_by": current.next_review_by.isoformat()})
        return FileAnswer("lease_signed", "none")
    return FileAnswer("slid", "none")


def _guarantee_answer(guarantee: GuaranteeState | None) -> FileAnswer:
    if guarantee is None or guarantee.status == "requested":
        return FileAnswer("guarantee_requested", "association_files_guarantee")
    if guarantee.status == "under_review":
        when = {"review_deadline": guarantee.review_deadline.isoformat()} if guarantee.review_deadline else {}
        return FileAnswer("guarantee_under_review", "fund_answers", params=when)
    if guarantee.status == "ineligible":
        return FileAnswer("guarantee_ineligible", "association_completes_file", missing=guarantee.failed_rules)
    if guarantee.status == "information_requested":
        return FileAnswer("guarantee_information_requested", "association_answers_fund")
    if guarantee.status == "approved":
        return FileAnswer("guarantee_approved", "lease_signature")
    return FileAnswer("guarantee_rejected", "association_looks_again")
