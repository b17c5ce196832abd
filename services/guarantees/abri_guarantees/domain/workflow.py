"""The decision on a guarantee file, as a state machine with coded reasons. Pure.

submit → ``ineligible`` (the pre-check failed: answered at once, final) or ``under_review`` (in the
fund's queue); the agent may request information (→ ``information_requested``, a message required);
the association resubmits (→ ``resubmitted``, back in the queue, or ``ineligible`` if the pre-check now
fails); the agent approves or rejects (at least one coded reason); the association may withdraw the file
before the decision. Any other move raises :class:`InvalidTransition` (the API answers 409); bad input
to a move raises :class:`DecisionInputError` (422).

Review clock: a file in the queue (``IN_QUEUE``) is answered within ``DEFAULT_SLA_HOURS`` calendar hours
of entering it (a configurable default, after the 48 h checks of DossierFacile; Visale answers complete
files within hours). The clock stops while information is requested and restarts in full on
resubmission: the agent reviews a changed file, and the association controls how long it takes to answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from abri_guarantees.domain.eligibility import Failure
from abri_guarantees.domain.policy import Rule


class FileStatus(StrEnum):
    INELIGIBLE = "ineligible"
    UNDER_REVIEW = "under_review"
    INFORMATION_REQUESTED = "information_requested"
    RESUBMITTED = "resubmitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class Action(StrEnum):
    SUBMIT = "submit"
    REQUEST_INFORMATION = "request_information"
    RESUBMIT = "resubmit"
    APPROVE = "approve"
    REJECT = "reject"
    WITHDRAW = "withdraw"


IN_QUEUE = frozenset({FileStatus.UNDER_REVIEW, FileStatus.RESUBMITTED})
"""Files waiting for the fund's agent: the review clock runs."""

FINAL = frozenset({FileStatus.INELIGIBLE, FileStatus.APPROVED, FileStatus.REJECTED, FileStatus.WITHDRAWN})

MOVES: Mapping[Action, tuple[frozenset[FileStatus], FileStatus]] = {
    Action.REQUEST_INFORMATION: (IN_QUEUE, FileStatus.INFORMATION_REQUESTED),
    Action.RESUBMIT: (frozenset({FileStatus.INFORMATION_REQUESTED}), FileStatus.RESUBMITTED),
    Action.APPROVE: (IN_QUEUE, FileStatus.APPROVED),
    Action.REJECT: (IN_QUEUE, FileStatus.REJECTED),
    Action.WITHDRAW: (IN_QUEUE | {FileStatus.INFORMATION_REQUESTED}, FileStatus.WITHDRAWN),
}
"""For each action on an existing file: the statuses it may start from and where it leads (a
resubmission that fails the pre-check leads to ``ineligible`` instead). A new file is submitted."""


class ReviewReason(StrEnum):
    """Reasons an agent may give besides the policy's rules (which the pre-check already names)."""

    DOCUMENTS_MISSING = "documents_missing"
    DOCUMENTS_INCONSISTENT = "documents_inconsistent"
    RESOURCES_NOT_PROVEN = "resources_not_proven"
    SITUATION_NOT_PROVEN = "situation_not_proven"
    ALREADY_GUARANTEED = "already_guaranteed"
    INFORMATION_NOT_PROVIDED = "information_not_provided"


REJECTION_REASONS = frozenset({*Rule, *ReviewReason})
"""The coded reasons a rejection may carry (``GuaranteeRejected.reasons``)."""


class InvalidTransition(Exception):
    """An action the workflow does not allow from where the file is (the API answers 409)."""

    def __init__(self, status: FileStatus, action: Action) -> None:
        super().__init__(f"a file {status.value.replace('_', ' ')} cannot {action.value.replace('_', ' ')}")
        self.status = status
        self.action = action


class DecisionInputError(ValueError):
    """An allowed action with bad input: no message, no reason, an unknown reason (the API answers 422)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _after(status: FileStatus, action: Action) -> FileStatus:
    sources, target = MOVES[action]
    if status not in sources:
        raise InvalidTransition(status, action)
    return target


def submit(failures: Sequence[Failure]) -> FileStatus:
    """A new file: ``ineligible`` when the pre-check failed, else into the queue."""
    return FileStatus.INELIGIBLE if failures else FileStatus.UNDER_REVIEW


def request_information(status: FileStatus, message: str) -> FileStatus:
    """The agent asks the association for more; the message says what (required)."""
    target = _after(status, Action.REQUEST_INFORMATION)
    if not message.strip():
        raise DecisionInputError("message_required", "a request for information says what is needed")
    return target


def resubmit(status: FileStatus, failures: Sequence[Failure]) -> FileStatus:
    """The association answers; the pre-check runs again on the changed file."""
    target = _after(status, Action.RESUBMIT)
    return FileStatus.INELIGIBLE if failures else target


class MissingDocumentsReason(StrEnum):
    """Why an agent approves a file that lacks a category the fund requires (``FundPolicy.required_documents``)."""

    DOCUMENTS_TO_FOLLOW = "documents_to_follow"
    """The association sends them; the fund checks them before the lease is signed."""
    EQUIVALENT_PROOF_SEEN = "equivalent_proof_seen"
    """The fund saw an equivalent proof (another file, a partner's certificate)."""
    NOT_APPLICABLE_TO_SITUATION = "not_applicable_to_situation"
    """The tenant's situation has no such document (no professional activity, no resources yet)."""
    OTHER = "other"


NOTE_MAX_CHARS = 500
"""The free text of a reason: enough for a sentence or two, bounded so that it stays a note."""


class MissingDocuments(Exception):
    """An approval of a file lacking required categories without a stated reason (the API answers 422)."""

    def __init__(self, missing: Sequence[str]) -> None:
        super().__init__(f"the file lacks documents the fund requires ({', '.join(missing)}): state why it is approved without them")
        self.missing = list(missing)


def approve(
    status: FileStatus, missing: Sequence[str] = (), reason: MissingDocumentsReason | None = None, note: str | None = None
) -> FileStatus:
    """The agent approves (a visa is issued). A file lacking ``missing`` required categories is approved
    only with a coded ``reason`` and a ``note`` (1 to ``NOTE_MAX_CHARS`` characters) saying why."""
    target = _after(status, Action.APPROVE)
    if missing and reason is None:
        raise MissingDocuments(missing)
    if missing and (note is None or not note.strip() or len(note) > NOTE_MAX_CHARS):
        without = ", ".join(missing)
        raise DecisionInputError("note_required", f"say in 1 to {NOTE_MAX_CHARS} characters why the file is approved without {without}")
    return target


def reject(status: FileStatus, reasons: Sequence[str]) -> FileStatus:
    """The agent rejects with at least one reason of ``REJECTION_REASONS``."""
    target = _after(status, Action.REJECT)
    if not reasons:
        raise DecisionInputError("reason_required", "a rejection gives at least one coded reason")
    unknown = [reason for reason in reasons if reason not in REJECTION_REASONS]
    if unknown:
        raise DecisionInputError("unknown_reason", f"unknown reason {unknown[0]!r}; one of {', '.join(sorted(REJECTION_REASONS))}")
    return target


def withdraw(status: FileStatus) -> FileStatus:
    """The association withdraws the file before the decision."""
    return _after(status, Action.WITHDRAW)


DEFAULT_SLA_HOURS = 48


def review_deadline(entered_queue_at: datetime, sla_hours: int = DEFAULT_SLA_HOURS) -> datetime:
    """When a file that entered the queue at ``entered_queue_at`` (submission or last resubmission) must
    be decided: ``sla_hours`` elapsed hours later (counted in UTC, so a change of summer time neither
    adds nor takes an hour), in the zone it was given. Times carry their zone."""
    _aware(entered_queue_at)
    return (entered_queue_at.astimezone(UTC) + timedelta(hours=sla_hours)).astimezone(entered_queue_at.tzinfo)


def is_overdue(deadline: datetime, now: datetime) -> bool:
    """Past the deadline (a decision at the deadline itself is on time)."""
    _aware(deadline)
    _aware(now)
    return now > deadline


def _aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("review times carry their time zone")
