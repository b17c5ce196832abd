"""Active guarantees: activated by the signed lease (``usecases/placements.py``), seen by their owner and
their fund, ended by either with the tenancy."""

from __future__ import annotations

import uuid
from datetime import date

from abri_contracts.guarantees import GuaranteeEnded
from abri_guarantees.db.guarantees import GuaranteeRecord
from abri_guarantees.db.repositories.guarantees import Guarantees
from abri_guarantees.domain.guarantee import Guarantee, GuaranteeStatus, end, guarantee_status
from abri_kit.calendar import day_in_france
from abri_kit.errors import Problem
from abri_kit.pagination import PageRequest
from abri_kit.usecase import Context


def domain_of(record: GuaranteeRecord) -> Guarantee:
    """The guarantee as the rules see it."""
    return Guarantee(
        record.visa_number,
        record.lease_signed_on,
        record.rent_and_charges_cents,
        day_in_france(record.activated_at),
        record.ended_on,
        record.lease_starts_on,
    )


def status_of(record: GuaranteeRecord, today: date) -> GuaranteeStatus:
    """Active through the tenancy's last day, ended after it."""
    return guarantee_status(domain_of(record), today)


async def list_guarantees(ctx: Context, page: PageRequest) -> tuple[list[GuaranteeRecord], str | None]:
    """One page of the caller's guarantees (an owner's, or its fund's for an agent), the latest first."""
    return await Guarantees.of(ctx).page_newest_first(page)


async def read_guarantee(ctx: Context, file_id: uuid.UUID) -> GuaranteeRecord:
    """A guarantee of the caller's (its owner or its fund)."""
    return await Guarantees.of(ctx).get(file_id)


async def end_guarantee(ctx: Context, file_id: uuid.UUID, ended_on: date) -> GuaranteeRecord:
    """End a guarantee with the tenancy (its last day ``ended_on``): 409 once ended, 422 before the lease."""
    guarantees = Guarantees.of(ctx)
    record = await guarantees.get(file_id, for_update=True)
    try:
        ended = end(domain_of(record), ended_on)
    except ValueError as exc:
        status = 409 if record.ended_on is not None else 422
        raise Problem(status, str(exc), errors=[{"field": "body.ended_on", "message": str(exc)}]) from exc
    record.ended_on = ended.ended_on
    file = await guarantees.file_of(record)
    event = GuaranteeEnded(
        file_id=file.id,
        placement_id=file.placement_id,
        fund_id=file.fund_id,
        org_id=file.org_id,
        owner_id=record.owner_id,
        ended_on=ended_on,
    )
    await ctx.uow.publish(event, at=ctx.now)
    return record
