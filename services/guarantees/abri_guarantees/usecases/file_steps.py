"""What every step of a guarantee file shares: who may take it, the workflow's answer, the step recorded
with its events, the review clock, and the file as its parties see it (its visa, its timeline)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from abri_contracts import EventContract
from abri_contracts.guarantees import GuaranteeFileSubmitted
from abri_guarantees.db.files import FileStep, GuaranteeFile
from abri_guarantees.db.repositories.files import Files
from abri_guarantees.db.repositories.visas import Visas
from abri_guarantees.db.visas import VisaRecord
from abri_guarantees.domain import workflow
from abri_guarantees.domain.access import FileReadPurpose
from abri_guarantees.domain.eligibility import Failure
from abri_guarantees.domain.policy import FundKind
from abri_guarantees.domain.sources import failure_source
from abri_guarantees.domain.workflow import Action, FileStatus
from abri_guarantees.usecases.consent import fund_may_open
from abri_guarantees.usecases.privacy import file_key, open_message
from abri_kit.envelope import KeyEncryption
from abri_kit.errors import Conflict, NotAllowed, Problem
from abri_kit.legal import coded_error
from abri_kit.usecase import Context


@dataclass
class FileView:
    """A file, its visa if approved, and (when read whole) its timeline with each message opened."""

    file: GuaranteeFile
    visa: VisaRecord | None = None
    steps: list[tuple[FileStep, str | None]] = field(default_factory=list)


async def visible_file(ctx: Context, file_id: uuid.UUID, *, for_update: bool = False) -> GuaranteeFile:
    """A file the caller sees (404 otherwise)."""
    return await Files.of(ctx).get(file_id, for_update=for_update)


def as_fund(ctx: Context, file: GuaranteeFile) -> None:
    """Decisions are the fund's: an association's worker who sees the file gets 403."""
    if not (ctx.principal.has_role("fund_agent") and ctx.principal.org_id == file.fund_id):
        raise NotAllowed("only the fund's agents decide on a file")


def as_association(ctx: Context, file: GuaranteeFile) -> None:
    """What only the association that filed the file may do."""
    if not (ctx.principal.has_role("social_worker") and ctx.principal.org_id == file.org_id):
        raise NotAllowed("only the association that filed it may do this")


def transition(move: Callable[[], FileStatus]) -> FileStatus:
    """The workflow's answer, or the problem it is: 409 for a move the status does not allow, 422 for bad input."""
    try:
        return move()
    except workflow.InvalidTransition as exc:
        raise Conflict(str(exc), title="Invalid transition") from exc
    except workflow.DecisionInputError as exc:
        raise Problem(422, str(exc), errors=[{"field": "body", "message": exc.code}]) from exc


def failures_out(failures: Sequence[Failure], kind: FundKind) -> list[dict[str, Any]]:
    """Each failed rule as a coded refusal (``abri_kit.legal``): its code, its numbers, its English text and
    the condition of the fund's kind it applies, with its link (``domain/sources.py``); its fields are the
    tenant's facts it turns on, else the tenant as a whole."""
    return [
        coded_error(
            f.rule.value,
            f.message,
            source=failure_source(kind, f),
            params=f.params,
            fields=[f"body.tenant.{name}" for name in f.fields] or ["body.tenant"],
        )
        for f in failures
    ]


def enter_queue(file: GuaranteeFile, status: FileStatus, at: datetime, sla_hours: int) -> None:
    """Start the review clock of a file entering the queue; stop it for one leaving it."""
    if status in workflow.IN_QUEUE:
        file.entered_queue_at, file.review_deadline = at, workflow.review_deadline(at, sla_hours)
    else:
        file.entered_queue_at = file.review_deadline = None


async def record(
    ctx: Context,
    file: GuaranteeFile,
    action: Action,
    to: FileStatus,
    *,
    reasons: Sequence[str] = (),
    message: bytes | None = None,
    events: Sequence[EventContract] = (),
) -> None:
    """Move ``file`` to ``to``, record the step, publish the events (one transaction, at the context's instant)."""
    principal = ctx.principal
    step = FileStep(
        file_id=file.id,
        action=action.value,
        from_status=file.status if action != Action.SUBMIT else None,
        to_status=to.value,
        actor=principal.subject,
        role="fund_agent" if principal.has_role("fund_agent") and principal.org_id == file.fund_id else "social_worker",
        at=ctx.now,
        reasons=list(reasons),
        message=message,
    )
    file.status = to.value
    Files.of(ctx).add_step(step)
    await ctx.uow.flush("the file")
    for event in events:
        await ctx.uow.publish(event, at=ctx.now)


def submitted_event(file: GuaranteeFile, at: datetime, *, resubmission: bool) -> GuaranteeFileSubmitted:
    return GuaranteeFileSubmitted(
        file_id=file.id,
        placement_id=file.placement_id,
        fund_id=file.fund_id,
        org_id=file.org_id,
        submitted_at=at,
        resubmission=resubmission,
        outcome="ineligible" if file.status == FileStatus.INELIGIBLE.value else "under_review",
        failed_rules=[failure["rule"] for failure in file.failures],
        review_deadline=file.review_deadline,
    )


async def whole(ctx: Context, keyring: KeyEncryption, file: GuaranteeFile) -> FileView:
    """The file with its visa and its timeline, messages opened for the caller (that read is logged)."""
    files = Files.of(ctx)
    view = FileView(file, await Visas.of(ctx).of_file(file.id))
    key: bytes | None = None
    may_open = await fund_may_open(ctx, file)  # a fund's agent: the messages only with the household's consent
    for step in await files.steps_of(file):
        message = None
        if step.message is not None and may_open:
            key = key or await file_key(files, keyring, file.id)
            message = open_message(key, file.id, step.message)
        view.steps.append((step, message))
    if key is not None:  # a message between the parties was read
        await files.log_read(file.id, ctx.principal, FileReadPurpose.READ_MESSAGES, ctx.now)
    return view
