"""Guarantee files: submitted by an association for a placement waiting for a guarantee, pre-checked at
once against the fund's policy, reviewed by the fund's agents (request information, approve with a
visa, reject with coded reasons), every transition recorded (who, when, why). Thin adapters over
``usecases/files.py`` and ``usecases/decisions.py``.

Visibility: the fund's agents see the files addressed to their fund, the association's social workers
its own files; anyone else gets 404. The tenant's data are sealed with the file's key; they come out
only through ``GET /v1/files/{id}/tenant``, logged.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from abri_guarantees.api.dependencies import FundAgent, Keys, Party, SlaHours, SocialWorker
from abri_guarantees.api.file_schemas import (
    AccessLogOut,
    ApprovalIn,
    FailureOut,
    FileIn,
    FileOut,
    InformationRequestIn,
    RejectionIn,
    ResubmissionIn,
    StepOut,
    TenantIn,
    VisaOut,
)
from abri_guarantees.domain import workflow
from abri_guarantees.domain.access import PartyReadPurpose
from abri_guarantees.domain.workflow import FileStatus
from abri_guarantees.usecases import access_log, decisions, files
from abri_guarantees.usecases.file_steps import FileView
from abri_kit.dependencies import Ctx, PageParams
from abri_kit.idempotency import Idempotent
from abri_kit.pagination import Page

router = APIRouter(prefix="/v1/files", tags=["guarantee files"])


def file_out(view: FileView, now: datetime) -> FileOut:
    """The file as its parties see it (with its timeline when the view holds it)."""
    file, visa = view.file, view.visa
    return FileOut(
        id=file.id,
        fund_id=file.fund_id,
        org_id=file.org_id,
        placement_id=file.placement_id,
        unit_id=file.unit_id,
        household_reference=file.household_reference,
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
        steps=[StepOut.model_validate({**step.__dict__, "message": message}) for step, message in view.steps],
    )


@router.post(
    "",
    status_code=201,
    summary="File a guarantee for one of my association's placements; pre-checked at once (a refused pre-check stores nothing)",
    responses={
        404: {"description": "No such placement of my association, or no such fund"},
        422: {
            "description": "`precheck_failed`: the fund's pre-check refuses the file; `errors` names every failed rule with its "
            "numbers, the tenant's facts it turns on, what the fund accepts instead and its source. Nothing is stored."
        },
    },
)
async def submit(body: FileIn, _: SocialWorker, ctx: Ctx, keyring: Keys, sla_hours: SlaHours, idempotency: Idempotent) -> FileOut:
    await idempotency.claim(body)
    view = await files.submit(
        ctx,
        keyring,
        sla_hours,
        body.placement_id,
        body.fund_id,
        body.tenant.model_dump(mode="json"),
        household_reference=body.household_reference,
    )
    filed = file_out(view, ctx.now)
    await idempotency.remember(201, filed)
    return filed


@router.get("", summary="My fund's files (fund agent: the review queue) or my association's files, nearest deadline first, in pages")
async def list_files(
    _: Party,
    ctx: Ctx,
    page: PageParams,
    status: Annotated[list[FileStatus] | None, Query(max_length=len(FileStatus), description="Only these statuses")] = None,
    overdue: Annotated[bool, Query(description="Only files in the queue past their deadline")] = False,
    placement_id: Annotated[uuid.UUID | None, Query(description="Only the files of this placement")] = None,
) -> Page[FileOut]:
    views, next_cursor = await files.list_files(ctx, page, status or (), overdue=overdue, placement_id=placement_id)
    return Page[FileOut](items=[file_out(view, ctx.now) for view in views], next_cursor=next_cursor)


class FileCountsOut(BaseModel):
    by_status: dict[FileStatus, int] = Field(description="How many files in each status (a status without any: 0).")
    in_queue: int = Field(description="Files waiting for the fund's decision (under review or resubmitted).")
    overdue: int = Field(description="Files in the queue past their review deadline, by the service's clock.")
    total: int


@router.get(
    "/counts",
    summary="How many of my fund's (or my association's) files are in each status, and how many are overdue: true totals for paged lists",
)
async def count_files(_: Party, ctx: Ctx) -> FileCountsOut:
    counted, overdue = await files.count_files(ctx)
    by_status = {status: counted.get(status.value, 0) for status in FileStatus}
    in_queue = sum(by_status[status] for status in workflow.IN_QUEUE)
    return FileCountsOut(by_status=by_status, in_queue=in_queue, overdue=overdue, total=sum(by_status.values()))


@router.get("/{file_id}", summary="A file, its pre-check, its decision and its timeline")
async def read_file(file_id: uuid.UUID, _: Party, ctx: Ctx, keyring: Keys) -> FileOut:
    return file_out(await files.read_file(ctx, keyring, file_id), ctx.now)


@router.get("/{file_id}/tenant", summary="The tenant's data of a file (the fund's agents and the association; logged)")
async def read_tenant(
    file_id: uuid.UUID,
    _: Party,
    ctx: Ctx,
    keyring: Keys,
    purpose: Annotated[PartyReadPurpose, Query(description="Why (a coded purpose, written to the access log)")],
) -> TenantIn:
    return TenantIn.model_validate(await files.read_tenant(ctx, keyring, file_id, purpose.logged()))


@router.get("/{file_id}/access-log", summary="Who read this file's personal data (subject, role, organisation), when and why, in pages")
async def file_access_log(file_id: uuid.UUID, _: Party, ctx: Ctx, page: PageParams) -> Page[AccessLogOut]:
    rows, next_cursor = await access_log.file_access_log(ctx, file_id, page)
    items = [
        AccessLogOut(id=e.mac, at=e.at, actor=e.actor, actor_role=e.actor_role, actor_org=e.actor_org, purpose=e.purpose) for e in rows
    ]
    return Page[AccessLogOut](items=items, next_cursor=next_cursor)


@router.post("/{file_id}/information-requests", summary="Ask the association for more information (fund agent)")
async def request_information(file_id: uuid.UUID, body: InformationRequestIn, _: FundAgent, ctx: Ctx, keyring: Keys) -> FileOut:
    return file_out(await decisions.request_information(ctx, keyring, file_id, body.message), ctx.now)


@router.post(
    "/{file_id}/resubmissions",
    summary="Answer a request for information with the file updated (association)",
    responses={422: {"description": "`precheck_failed`: the updated file fails the fund's pre-check; the file stays as it was"}},
)
async def resubmit(file_id: uuid.UUID, body: ResubmissionIn, _: SocialWorker, ctx: Ctx, keyring: Keys, sla_hours: SlaHours) -> FileOut:
    return file_out(await files.resubmit(ctx, keyring, sla_hours, file_id, body.tenant.model_dump(mode="json")), ctx.now)


@router.post(
    "/{file_id}/approval",
    summary="Approve a file: a visa is issued (fund agent); without a required document, only with a stated reason",
    responses={422: {"description": "The file lacks documents the fund requires (`required_documents_missing`) and no reason is stated"}},
)
async def approve(file_id: uuid.UUID, _: FundAgent, ctx: Ctx, keyring: Keys, body: ApprovalIn | None = None) -> FileOut:
    stated = body.missing_documents if body is not None else None
    reason, note = (stated.reason, stated.note) if stated is not None else (None, None)
    return file_out(await decisions.approve(ctx, keyring, file_id, reason, note), ctx.now)


@router.post("/{file_id}/rejection", summary="Reject a file with coded reasons (fund agent)")
async def reject(file_id: uuid.UUID, body: RejectionIn, _: FundAgent, ctx: Ctx, keyring: Keys) -> FileOut:
    return file_out(await decisions.reject(ctx, keyring, file_id, body.reasons), ctx.now)


@router.post("/{file_id}/withdrawal", summary="Withdraw a file before the decision (association)")
async def withdraw(file_id: uuid.UUID, _: SocialWorker, ctx: Ctx, keyring: Keys) -> FileOut:
    return file_out(await decisions.withdraw(ctx, keyring, file_id), ctx.now)
