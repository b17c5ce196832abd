"""Guarantee files: submitted by an association for a placement waiting for a guarantee, pre-checked at
once against the fund's policy, reviewed by the fund's agents (request information, approve with a
visa, reject with coded reasons), every transition recorded (who, when, why).

Visibility: the fund's agents see the files addressed to their fund, the association's social workers
its own files; anyone else gets 404. The tenant's data are sealed with the file's key; they come out
only through ``GET /v1/files/{id}/tenant``, logged.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession

from abri_auth.dependencies import require_roles
from abri_auth.principal import Principal
from abri_bus.outbox import publish
from abri_contracts import EventContract
from abri_contracts.guarantees import GuaranteeApproved, GuaranteeFileSubmitted, GuaranteeInformationRequested, GuaranteeRejected
from abri_guarantees.api.file_schemas import (
    FailureOut,
    FileIn,
    FileOut,
    InformationRequestIn,
    RejectionIn,
    ResubmissionIn,
    StepOut,
    TenantIn,
    VisaOut,
    facts_of,
)
from abri_guarantees.api.funds import current_policy
from abri_guarantees.db.files import FileStep, GuaranteeFile
from abri_guarantees.db.funds import Fund, FundPolicyVersion
from abri_guarantees.db.read_models import PlacementView, UnitFacts
from abri_guarantees.db.visas import VisaRecord
from abri_guarantees.domain import workflow
from abri_guarantees.domain.eligibility import Failure, evaluate
from abri_guarantees.domain.policy import FundPolicy, policy_from_dict
from abri_guarantees.domain.visa import RANDOM_BYTES, issue_visa
from abri_guarantees.domain.workflow import Action, FileStatus
from abri_guarantees.privacy import (
    file_key,
    holder_mac,
    log_read,
    new_file_key,
    open_message,
    open_personal,
    read_personal,
    seal_message,
    seal_personal,
)
from abri_kit.clock import Now, day_in_france
from abri_kit.db import SessionDep
from abri_kit.envelope import Keyring
from abri_kit.idempotency import Idempotent
from abri_kit.problems import Problem

router = APIRouter(prefix="/v1/files", tags=["guarantee files"])
OPEN = (*workflow.IN_QUEUE, FileStatus.INFORMATION_REQUESTED, FileStatus.APPROVED)
"""A placement has at most one file in these statuses (a unique index holds it too)."""
SocialWorker = Annotated[Principal, Depends(require_roles("social_worker"))]
FundAgent = Annotated[Principal, Depends(require_roles("fund_agent"))]
Party = Annotated[Principal, Depends(require_roles("social_worker", "fund_agent"))]


def keyring_of(request: Request) -> Keyring:
    keyring: Keyring = request.app.state.keyring
    return keyring


def sla_hours_of(request: Request) -> int:
    hours: int = request.app.state.review_sla_hours
    return hours


Keys = Annotated[Keyring, Depends(keyring_of)]
SlaHours = Annotated[int, Depends(sla_hours_of)]


def visible_to(principal: Principal) -> sa.ColumnElement[bool]:
    """The fund's agents see their fund's files; the association's social workers their own."""
    clauses = []
    if principal.org_id and principal.has_role("fund_agent"):
        clauses.append(GuaranteeFile.fund_id == principal.org_id)
    if principal.org_id and principal.has_role("social_worker"):
        clauses.append(GuaranteeFile.org_id == principal.org_id)
    return sa.or_(*clauses) if clauses else sa.false()


async def visible_file(session: AsyncSession, file_id: uuid.UUID, principal: Principal, *, for_update: bool = False) -> GuaranteeFile:
    statement = sa.select(GuaranteeFile).where(GuaranteeFile.id == file_id, visible_to(principal))
    if for_update:
        statement = statement.with_for_update()
    file = (await session.execute(statement)).scalar_one_or_none()
    if file is None:
        raise Problem(404, f"guarantee file {file_id} not found")
    return file


def as_fund(file: GuaranteeFile, principal: Principal) -> None:
    """Decisions are the fund's: an association's worker who sees the file gets 403."""
    if not (principal.has_role("fund_agent") and principal.org_id == file.fund_id):
        raise Problem(403, "only the fund's agents decide on a file")


def as_association(file: GuaranteeFile, principal: Principal) -> None:
    if not (principal.has_role("social_worker") and principal.org_id == file.org_id):
        raise Problem(403, "only the association that filed it may do this")


def unit_snapshot(unit: UnitFacts) -> dict[str, Any]:
    if unit.rent_cents is None or unit.departement is None:
        raise Problem(409, "the unit's facts have not reached the guarantees service yet; try again shortly", title="Unit unknown")
    return {
        "unit_id": str(unit.unit_id),
        "version": unit.version,
        "rent_cents": unit.rent_cents,
        "charges_cents": unit.charges_cents or 0,
        "departement": unit.departement,
        "energy_class": unit.energy_class,
    }


def failures_out(failures: Sequence[Failure]) -> list[dict[str, str]]:
    return [{"rule": failure.rule.value, "message": failure.message} for failure in failures]


async def record(
    session: AsyncSession,
    file: GuaranteeFile,
    principal: Principal,
    action: Action,
    to: FileStatus,
    at: datetime,
    *,
    reasons: Sequence[str] = (),
    message: bytes | None = None,
    events: Sequence[EventContract] = (),
) -> None:
    """Move ``file`` to ``to``, record the step, publish the events (one transaction)."""
    step = FileStep(
        file_id=file.id,
        action=action.value,
        from_status=file.status if action != Action.SUBMIT else None,
        to_status=to.value,
        actor=principal.subject,
        role="fund_agent" if principal.has_role("fund_agent") and principal.org_id == file.fund_id else "social_worker",
        at=at,
        reasons=list(reasons),
        message=message,
    )
    file.status = to.value
    session.add(step)
    await session.flush()
    for event in events:
        await publish(session, event)


def enter_queue(file: GuaranteeFile, status: FileStatus, at: datetime, sla_hours: int) -> None:
    if status in workflow.IN_QUEUE:
        file.entered_queue_at, file.review_deadline = at, workflow.review_deadline(at, sla_hours)
    else:
        file.entered_queue_at = file.review_deadline = None


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


async def file_out(
    session: AsyncSession, keyring: Keyring, file: GuaranteeFile, now: datetime, *, steps: bool = False, reader: Principal | None = None
) -> FileOut:
    """The file as its parties see it; with ``steps``, its timeline, messages opened for ``reader`` (logged)."""
    visa = (await session.execute(sa.select(VisaRecord).where(VisaRecord.file_id == file.id))).scalar_one_or_none()
    out = FileOut(
        id=file.id,
        fund_id=file.fund_id,
        org_id=file.org_id,
        placement_id=file.placement_id,
        unit_id=file.unit_id,
        status=FileStatus(file.status),
        policy_version=file.policy_version,
        unit=file.unit,
        failures=[FailureOut(**failure) for failure in file.failures],
        reasons=file.reasons,
        entered_queue_at=file.entered_queue_at,
        review_deadline=file.review_deadline,
        overdue=file.review_deadline is not None
        and FileStatus(file.status) in workflow.IN_QUEUE
        and workflow.is_overdue(file.review_deadline, now),
        decided_at=file.decided_at,
        visa=VisaOut.model_validate(visa, from_attributes=True) if visa else None,
    )
    if steps:
        rows = (await session.execute(sa.select(FileStep).where(FileStep.file_id == file.id).order_by(FileStep.at, FileStep.seq))).scalars()
        key: bytes | None = None
        for row in rows:
            message = None
            if row.message is not None:
                key = key or await file_key(session, keyring, file.id)
                message = open_message(key, file.id, row.message)
            out.steps.append(StepOut.model_validate({**row.__dict__, "message": message}))
        if key is not None and reader is not None:  # a message between the parties was read
            await log_read(session, file.id, reader, "read_messages")
    return out


@router.post("", status_code=201, summary="File a guarantee for one of my association's placements; pre-checked at once")
async def submit(
    body: FileIn, principal: SocialWorker, session: SessionDep, keyring: Keys, now: Now, sla_hours: SlaHours, idempotency: Idempotent
) -> FileOut:
    await idempotency.claim(body)
    placement = await session.get(PlacementView, body.placement_id, with_for_update=True)  # one submission at a time
    if placement is None or placement.org_id != principal.org_id:
        raise Problem(404, f"placement {body.placement_id} is not waiting for a guarantee of my association")
    if placement.status != "awaiting_guarantee":
        raise Problem(409, f"placement {body.placement_id} is {placement.status}: no guarantee to file", title="Not waiting")
    fund = await session.get(Fund, body.fund_id)
    if fund is None:
        raise Problem(404, f"fund {body.fund_id} not found")
    open_file = await session.scalar(
        sa.select(GuaranteeFile.id).where(
            GuaranteeFile.placement_id == placement.placement_id,
            GuaranteeFile.status.in_([status.value for status in OPEN]),
        )
    )
    if open_file is not None:
        raise Problem(409, f"file {open_file} is open for this placement", title="File open", file_id=str(open_file))
    unit = await session.get(UnitFacts, placement.unit_id)
    if unit is None:
        raise Problem(409, "the unit's facts have not reached the guarantees service yet; try again shortly", title="Unit unknown")
    snapshot = unit_snapshot(unit)
    policy = await current_policy(session, fund)
    failures = evaluate(policy, facts_of(body.tenant, snapshot), day_in_france(now))
    status = workflow.submit(failures)
    file = GuaranteeFile(
        id=uuid.uuid4(),
        fund_id=fund.fund_id,
        org_id=placement.org_id,
        placement_id=placement.placement_id,
        unit_id=placement.unit_id,
        status=status.value,
        policy_version=fund.current_version,
        unit=snapshot,
        failures=failures_out(failures),
        reasons=[],
        created_by=principal.subject,
        created_at=now,
    )
    key, wrapped = new_file_key(keyring, file)
    seal_personal(key, file, body.tenant.model_dump(mode="json"))
    enter_queue(file, status, now, sla_hours)
    session.add(file)
    await session.flush()
    session.add(wrapped)
    await record(session, file, principal, Action.SUBMIT, status, now, reasons=[f["rule"] for f in file.failures])
    await publish(session, submitted_event(file, now, resubmission=False))
    filed = await file_out(session, keyring, file, now)
    await idempotency.remember(201, filed)
    return filed


@router.get("", summary="My fund's files (fund agent: the review queue) or my association's files")
async def list_files(
    principal: Party,
    session: SessionDep,
    keyring: Keys,
    now: Now,
    status: Annotated[list[FileStatus] | None, Query(max_length=len(FileStatus), description="Only these statuses")] = None,
    overdue: Annotated[bool, Query(description="Only files in the queue past their deadline")] = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[FileOut]:
    statement = sa.select(GuaranteeFile).where(visible_to(principal))
    if status:
        statement = statement.where(GuaranteeFile.status.in_([s.value for s in status]))
    if overdue:
        statement = statement.where(GuaranteeFile.status.in_([s.value for s in workflow.IN_QUEUE]), GuaranteeFile.review_deadline < now)
    statement = statement.order_by(GuaranteeFile.review_deadline.asc().nulls_last(), GuaranteeFile.created_at, GuaranteeFile.id)
    files = (await session.execute(statement.limit(limit))).scalars().all()
    return [await file_out(session, keyring, file, now) for file in files]


@router.get("/{file_id}", summary="A file, its pre-check, its decision and its timeline")
async def read_file(file_id: uuid.UUID, principal: Party, session: SessionDep, keyring: Keys, now: Now) -> FileOut:
    file = await visible_file(session, file_id, principal)
    return await file_out(session, keyring, file, now, steps=True, reader=principal)


@router.get("/{file_id}/tenant", summary="The tenant's data of a file (the fund's agents and the association; logged)")
async def read_tenant(
    file_id: uuid.UUID,
    principal: Party,
    session: SessionDep,
    keyring: Keys,
    purpose: Annotated[str, Query(pattern=r"^[a-z_]{3,40}$", description="Why (written to the access log)")],
) -> TenantIn:
    file = await visible_file(session, file_id, principal)
    return TenantIn.model_validate(await read_personal(session, keyring, file, principal, purpose))


@router.post("/{file_id}/information-requests", summary="Ask the association for more information (fund agent)")
async def request_information(
    file_id: uuid.UUID, body: InformationRequestIn, principal: FundAgent, session: SessionDep, keyring: Keys, now: Now
) -> FileOut:
    file = await visible_file(session, file_id, principal, for_update=True)
    as_fund(file, principal)
    to = transition(lambda: workflow.request_information(FileStatus(file.status), body.message))
    sealed = seal_message(await file_key(session, keyring, file.id), file.id, body.message)
    enter_queue(file, to, now, 0)
    event = GuaranteeInformationRequested(
        file_id=file.id, placement_id=file.placement_id, fund_id=file.fund_id, org_id=file.org_id, requested_at=now
    )
    await record(session, file, principal, Action.REQUEST_INFORMATION, to, now, message=sealed, events=[event])
    return await file_out(session, keyring, file, now, steps=True, reader=principal)


@router.post("/{file_id}/resubmissions", summary="Answer a request for information with the file updated (association)")
async def resubmit(
    file_id: uuid.UUID, body: ResubmissionIn, principal: SocialWorker, session: SessionDep, keyring: Keys, now: Now, sla_hours: SlaHours
) -> FileOut:
    file = await visible_file(session, file_id, principal, for_update=True)
    as_association(file, principal)
    fund = await session.get(Fund, file.fund_id)
    unit = await session.get(UnitFacts, file.unit_id)
    if fund is None or unit is None:
        raise Problem(409, "the fund or the unit is no longer known", title="Conflict")
    snapshot = unit_snapshot(unit)
    policy = await current_policy(session, fund)
    failures = evaluate(policy, facts_of(body.tenant, snapshot), day_in_france(now))
    to = transition(lambda: workflow.resubmit(FileStatus(file.status), failures))
    seal_personal(await file_key(session, keyring, file.id), file, body.tenant.model_dump(mode="json"))
    file.unit, file.failures, file.policy_version = snapshot, failures_out(failures), fund.current_version
    enter_queue(file, to, now, sla_hours)
    await record(session, file, principal, Action.RESUBMIT, to, now, reasons=[f["rule"] for f in file.failures])
    await publish(session, submitted_event(file, now, resubmission=True))
    return await file_out(session, keyring, file, now, steps=True, reader=principal)


@router.post("/{file_id}/approval", summary="Approve a file: a visa is issued (fund agent)")
async def approve(file_id: uuid.UUID, principal: FundAgent, session: SessionDep, keyring: Keys, now: Now) -> FileOut:
    file = await visible_file(session, file_id, principal, for_update=True)
    as_fund(file, principal)
    to = transition(lambda: workflow.approve(FileStatus(file.status)))
    key = await file_key(session, keyring, file.id)
    tenant = TenantIn.model_validate(open_personal(key, file))
    policy = await file_policy(session, file)
    visa = issue_visa(policy, facts_of(tenant, file.unit), day_in_france(now), os.urandom(RANDOM_BYTES))
    while await session.get(VisaRecord, visa.number) is not None:  # 55 random bits: a collision is rare, never kept
        visa = issue_visa(policy, facts_of(tenant, file.unit), day_in_france(now), os.urandom(RANDOM_BYTES))
    session.add(
        VisaRecord(
            number=visa.number,
            file_id=file.id,
            fund_id=file.fund_id,
            max_rent_cents=visa.max_rent_cents,
            issued_on=visa.issued_on,
            valid_until=visa.valid_until,
            lease_signing_deadline=visa.lease_signing_deadline,
            holder_mac=holder_mac(key, tenant.full_name()),
        )
    )
    file.max_rent_cents, file.decided_at = visa.max_rent_cents, now
    enter_queue(file, to, now, 0)
    event = GuaranteeApproved(
        file_id=file.id,
        placement_id=file.placement_id,
        fund_id=file.fund_id,
        org_id=file.org_id,
        decided_at=now,
        max_rent_cents=visa.max_rent_cents,
        valid_until=visa.valid_until,
    )
    await record(session, file, principal, Action.APPROVE, to, now, events=[event])
    return await file_out(session, keyring, file, now, steps=True, reader=principal)


@router.post("/{file_id}/rejection", summary="Reject a file with coded reasons (fund agent)")
async def reject(file_id: uuid.UUID, body: RejectionIn, principal: FundAgent, session: SessionDep, keyring: Keys, now: Now) -> FileOut:
    file = await visible_file(session, file_id, principal, for_update=True)
    as_fund(file, principal)
    to = transition(lambda: workflow.reject(FileStatus(file.status), body.reasons))
    file.reasons, file.decided_at = list(body.reasons), now
    enter_queue(file, to, now, 0)
    event = GuaranteeRejected(
        file_id=file.id, placement_id=file.placement_id, fund_id=file.fund_id, org_id=file.org_id, decided_at=now, reasons=body.reasons
    )
    await record(session, file, principal, Action.REJECT, to, now, reasons=body.reasons, events=[event])
    return await file_out(session, keyring, file, now, steps=True, reader=principal)


@router.post("/{file_id}/withdrawal", summary="Withdraw a file before the decision (association)")
async def withdraw(file_id: uuid.UUID, principal: SocialWorker, session: SessionDep, keyring: Keys, now: Now) -> FileOut:
    file = await visible_file(session, file_id, principal, for_update=True)
    as_association(file, principal)
    to = transition(lambda: workflow.withdraw(FileStatus(file.status)))
    enter_queue(file, to, now, 0)
    await record(session, file, principal, Action.WITHDRAW, to, now)
    return await file_out(session, keyring, file, now, steps=True, reader=principal)


def transition(move: Callable[[], FileStatus]) -> FileStatus:
    """The workflow's answer, or the problem it is: 409 for a move the status does not allow, 422 for bad input."""
    try:
        return move()
    except workflow.InvalidTransition as exc:
        raise Problem(409, str(exc), title="Invalid transition") from exc
    except workflow.DecisionInputError as exc:
        raise Problem(422, str(exc), errors=[{"field": "body", "message": exc.code}]) from exc


async def file_policy(session: AsyncSession, file: GuaranteeFile) -> FundPolicy:
    """The policy version the file was (last) checked against."""
    row = await session.get(FundPolicyVersion, (file.fund_id, file.policy_version))
    if row is None:
        raise RuntimeError(f"fund {file.fund_id} has no policy version {file.policy_version}")
    return policy_from_dict(row.body)
