"""Guarantee files: submitted by an association for a placement waiting for a guarantee, pre-checked at
once against the fund's current policy; resubmitted with the file updated when the fund asks; listed in
the review queue's order; read whole (timeline, messages) or for the tenant's data (logged).

A file the pre-check refuses is not stored: the filing (or the resubmission) answers 422
``precheck_failed`` with every failed rule, its numbers, what the fund accepts instead (the age rule's
``accepts``) and its source, and nothing is written, so that the association corrects the file or chooses
another fund without leaving a closed "not eligible" file behind. (Before, such a file was stored as
``ineligible``, final; files recorded so keep that status.)

The fund's agents see the files addressed to their fund, the association's social workers its own
(``db/repositories/files.py``); anyone else gets 404."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from abri_guarantees.db.files import GuaranteeFile
from abri_guarantees.db.read_models import UnitFacts
from abri_guarantees.db.repositories.files import Files
from abri_guarantees.db.repositories.funds import Funds
from abri_guarantees.db.repositories.read_models import Placements, Units
from abri_guarantees.db.repositories.visas import Visas
from abri_guarantees.domain import workflow
from abri_guarantees.domain.access import FileReadPurpose
from abri_guarantees.domain.eligibility import Failure, evaluate
from abri_guarantees.domain.policy import FundPolicy
from abri_guarantees.domain.workflow import Action, FileStatus
from abri_guarantees.usecases.consent import require_for_filing
from abri_guarantees.usecases.file_steps import (
    FileView,
    as_association,
    enter_queue,
    failures_out,
    record,
    submitted_event,
    transition,
    visible_file,
    whole,
)
from abri_guarantees.usecases.funds import current_policy
from abri_guarantees.usecases.privacy import file_key, new_file_key, read_personal, seal_personal
from abri_guarantees.usecases.tenant import facts_of
from abri_kit.envelope import KeyEncryption
from abri_kit.errors import Conflict, Problem
from abri_kit.pagination import PageRequest
from abri_kit.usecase import Context

OPEN = tuple(status.value for status in (*workflow.IN_QUEUE, FileStatus.INFORMATION_REQUESTED, FileStatus.APPROVED))
"""A placement has at most one file in these statuses (a unique index holds it too)."""
UNIT_UNKNOWN = "the unit's facts have not reached the guarantees service yet; try again shortly"


PRECHECK_FAILED = "precheck_failed"


def precheck_refused(failures: Sequence[Failure], policy: FundPolicy) -> Problem:
    """The 422 of a refused pre-check: every failed rule coded (``failures_out``: its numbers, its fields,
    its source), each with ``field`` (the first fact it turns on) as every coded 422 has."""
    items = [{**item, "field": item["fields"][0]} for item in failures_out(failures, policy.kind)]
    rules = ", ".join(str(item["rule"]) for item in items)
    return Problem(422, f"the fund's pre-check refuses this file ({rules}): nothing was stored", code=PRECHECK_FAILED, errors=items)


def unit_snapshot(unit: UnitFacts | None) -> dict[str, Any]:
    """The unit's facts a file records (409 while listings' event has not brought them)."""
    if unit is None or unit.rent_cents is None or unit.departement is None:
        raise Conflict(UNIT_UNKNOWN, title="Unit unknown")
    return {
        "unit_id": str(unit.unit_id),
        "version": unit.version,
        "rent_cents": unit.rent_cents,
        "charges_cents": unit.charges_cents or 0,
        "departement": unit.departement,
        "energy_class": unit.energy_class,
        **({"postal_code": unit.postal_code, "insee_code": unit.insee_code} if unit.insee_code else {}),
        **({"rooms": unit.rooms, "living_area_m2": unit.living_area_m2} if unit.rooms else {}),
    }


async def submit(
    ctx: Context,
    keyring: KeyEncryption,
    sla_hours: int,
    placement_id: uuid.UUID,
    fund_id: str,
    tenant: dict[str, Any],
    *,
    household_reference: str | None = None,
) -> FileView:
    """File a guarantee with ``fund_id`` for one of the caller's association's placements waiting for one:
    pre-checked at once (refused with 422, nothing stored, or into the fund's queue); the tenant's data sealed."""
    placement = await Placements.of(ctx).find(placement_id, for_update=True)  # one submission at a time
    if placement is None:
        raise Problem(404, f"placement {placement_id} is not waiting for a guarantee of my association")
    if placement.status != "awaiting_guarantee":
        raise Conflict(f"placement {placement_id} is {placement.status}: no guarantee to file", title="Not waiting")
    await require_for_filing(ctx, placement.household_id)  # the household's consent to its guarantee file (422)
    fund = await Funds.of(ctx).find(fund_id)
    if fund is None:
        raise Problem(404, f"fund {fund_id} not found")
    files = Files.of(ctx)
    open_file = await files.open_for_placement(placement.placement_id, OPEN)
    if open_file is not None:
        raise Conflict(f"file {open_file} is open for this placement", title="File open", file_id=str(open_file))
    snapshot = unit_snapshot(await Units.of(ctx).find(placement.unit_id))
    policy = await current_policy(ctx, fund)
    failures = evaluate(policy, facts_of(tenant, snapshot), ctx.today)
    if failures:
        raise precheck_refused(failures, policy)
    status = workflow.submit(failures)
    file = GuaranteeFile(
        id=uuid.uuid4(),
        fund_id=fund.fund_id,
        org_id=placement.org_id,
        placement_id=placement.placement_id,
        household_id=placement.household_id,
        household_reference=household_reference,
        unit_id=placement.unit_id,
        status=status.value,
        policy_version=fund.current_version,
        unit=snapshot,
        failures=failures_out(failures, policy.kind),
        reasons=[],
        created_by=ctx.principal.subject,
        created_at=ctx.now,
    )
    key = await new_file_key(keyring, file)  # stored in the key store first: a key without data is harmless
    seal_personal(key, file, tenant)
    enter_queue(file, status, ctx.now, sla_hours)
    files.add(file)
    await ctx.uow.flush("the file")
    await record(ctx, file, Action.SUBMIT, status, reasons=[f["rule"] for f in file.failures])
    await ctx.uow.publish(submitted_event(file, ctx.now, resubmission=False), at=ctx.now)
    return FileView(file)


async def resubmit(ctx: Context, keyring: KeyEncryption, sla_hours: int, file_id: uuid.UUID, tenant: dict[str, Any]) -> FileView:
    """The association answers a request for information with the file updated: checked again against
    the fund's current policy and the unit's latest facts (back in the queue; a refused pre-check answers
    422 and leaves the file waiting for an answer)."""
    file = await visible_file(ctx, file_id, for_update=True)
    as_association(ctx, file)
    await require_for_filing(ctx, file.household_id)  # the household's consent to its guarantee file (422)
    fund = await Funds.of(ctx).find(file.fund_id)
    unit = await Units.of(ctx).find(file.unit_id)
    if fund is None or unit is None:
        raise Conflict("the fund or the unit is no longer known", title="Conflict")
    snapshot = unit_snapshot(unit)
    policy = await current_policy(ctx, fund)
    failures = evaluate(policy, facts_of(tenant, snapshot), ctx.today)
    to = transition(lambda: workflow.resubmit(FileStatus(file.status), failures))
    if failures:
        raise precheck_refused(failures, policy)  # the file stays as it was, waiting for the association's answer
    seal_personal(await file_key(Files.of(ctx), keyring, file.id), file, tenant)
    file.unit, file.failures, file.policy_version = snapshot, failures_out(failures, policy.kind), fund.current_version
    enter_queue(file, to, ctx.now, sla_hours)
    await record(ctx, file, Action.RESUBMIT, to, reasons=[f["rule"] for f in file.failures])
    await ctx.uow.publish(submitted_event(file, ctx.now, resubmission=True), at=ctx.now)
    return await whole(ctx, keyring, file)


async def list_files(
    ctx: Context, page: PageRequest, statuses: Sequence[FileStatus] = (), *, overdue: bool = False, placement_id: uuid.UUID | None = None
) -> tuple[list[FileView], str | None]:
    """One page of the caller's files (a fund agent: its review queue) in the queue's order, the nearest
    deadline first: only ``statuses`` if given; with ``overdue``, only files in the queue past their
    deadline; with ``placement_id``, only the files of that placement."""
    rows, next_cursor = await Files.of(ctx).page_in_queue_order(
        page,
        statuses=[status.value for status in statuses],
        overdue_at=ctx.now if overdue else None,
        queue=[status.value for status in workflow.IN_QUEUE],
        placement_id=placement_id,
    )
    visas = await Visas.of(ctx).of_files([file.id for file in rows])
    return [FileView(file, visas.get(file.id)) for file in rows], next_cursor


async def count_files(ctx: Context) -> tuple[dict[str, int], int]:
    """How many of the caller's files (a fund agent: its fund's) are in each status, and how many in the
    review queue are overdue by the service's clock: the counts a paged list shows as true totals."""
    return await Files.of(ctx).counts(overdue_at=ctx.now, queue=[status.value for status in workflow.IN_QUEUE])


async def read_file(ctx: Context, keyring: KeyEncryption, file_id: uuid.UUID) -> FileView:
    """A file, its pre-check, its decision and its timeline (messages opened: logged)."""
    return await whole(ctx, keyring, await visible_file(ctx, file_id))


async def read_tenant(ctx: Context, keyring: KeyEncryption, file_id: uuid.UUID, purpose: FileReadPurpose) -> dict[str, Any]:
    """The tenant's data of a file, for ``purpose`` (written to the access log)."""
    return await read_personal(ctx, keyring, await visible_file(ctx, file_id), purpose)
