"""Active guarantees and unpaid-rent claims: thin adapters over ``usecases/guarantees.py`` and
``usecases/claims.py`` (the claim rules are ``domain/claims.py``'s).

A guarantee is activated by the signed lease (``events/placements.py``); the owner and the fund see it,
and either ends it with the tenancy. The owner declares unpaid months: the service says at once whether
the claim is constituted (2 months wholly unpaid, or arrears above one month, housing benefit deducted
first), records the missed deadlines for the fund to weigh, and computes what the cover's caps leave
payable over the whole tenancy. The fund validates, then records the payout against the owner's
subrogation receipt. Claims hold dates and amounts only.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from abri_contracts.inventories import ComparedItem
from abri_guarantees.api.claim_schemas import (
    ClaimIn,
    ClaimInventoriesOut,
    ClaimOut,
    ClaimRejectionIn,
    InventorySide,
    PaymentIn,
    claim_out,
)
from abri_guarantees.api.dependencies import FundAgent, Owner, OwnerOrFund
from abri_guarantees.db.models import GuaranteeRecord, InventoryView
from abri_guarantees.domain.claims import ClaimStatus, UnpaidMonth
from abri_guarantees.usecases import claims, guarantees, inventories
from abri_kit.dependencies import Ctx, PageParams
from abri_kit.idempotency import Idempotent
from abri_kit.input import Input
from abri_kit.pagination import Page

router = APIRouter(prefix="/v1", tags=["guarantees and claims"])


class GuaranteeOut(BaseModel):
    file_id: uuid.UUID
    fund_id: str
    owner_id: str
    visa_number: str
    lease_signed_on: date
    lease_starts_on: date
    rent_and_charges_cents: int
    ended_on: date | None
    status: str


class EndIn(Input):
    ended_on: date = Field(description="The tenancy's last day (rents due after it are not covered).")


def guarantee_out(record: GuaranteeRecord, today: date) -> GuaranteeOut:
    return GuaranteeOut(
        file_id=record.file_id,
        fund_id=record.fund_id,
        owner_id=record.owner_id,
        visa_number=record.visa_number,
        lease_signed_on=record.lease_signed_on,
        lease_starts_on=record.lease_starts_on,
        rent_and_charges_cents=record.rent_and_charges_cents,
        ended_on=record.ended_on,
        status=guarantees.status_of(record, today).value,
    )


@router.get("/guarantees", summary="My guarantees (owner) or my fund's (fund agent), the latest activated first, in pages")
async def list_guarantees(_: OwnerOrFund, ctx: Ctx, page: PageParams) -> Page[GuaranteeOut]:
    rows, next_cursor = await guarantees.list_guarantees(ctx, page)
    return Page[GuaranteeOut](items=[guarantee_out(record, ctx.today) for record in rows], next_cursor=next_cursor)


@router.get("/guarantees/{file_id}", summary="A guarantee (its owner or its fund)")
async def read_guarantee(file_id: uuid.UUID, _: OwnerOrFund, ctx: Ctx) -> GuaranteeOut:
    return guarantee_out(await guarantees.read_guarantee(ctx, file_id), ctx.today)


@router.post("/guarantees/{file_id}/end", summary="End a guarantee with the tenancy (its owner or its fund)")
async def end_guarantee(file_id: uuid.UUID, body: EndIn, _: OwnerOrFund, ctx: Ctx) -> GuaranteeOut:
    return guarantee_out(await guarantees.end_guarantee(ctx, file_id, body.ended_on), ctx.today)


@router.post("/guarantees/{file_id}/claims", status_code=201, summary="Declare unpaid rent on my guarantee (owner)")
async def file_claim(file_id: uuid.UUID, body: ClaimIn, _: Owner, ctx: Ctx, idempotency: Idempotent) -> ClaimOut:
    await idempotency.claim(body)
    months = [UnpaidMonth(m.due_on, m.due_cents, m.paid_by_tenant_cents, m.housing_benefit_cents) for m in body.months]
    filed = claim_out(await claims.file_claim(ctx, file_id, months, body.formal_notice_on, body.damage_cents))
    await idempotency.remember(201, filed)
    return filed


@router.get("/claims", summary="My claims (owner) or my fund's (fund agent), the latest filed first, in pages")
async def list_claims(
    _: OwnerOrFund,
    ctx: Ctx,
    page: PageParams,
    status: Annotated[list[ClaimStatus] | None, Query(max_length=len(ClaimStatus), description="Only these statuses")] = None,
) -> Page[ClaimOut]:
    rows, next_cursor = await claims.list_claims(ctx, page, status or ())
    return Page[ClaimOut](items=[claim_out(claim) for claim in rows], next_cursor=next_cursor)


class ClaimCountsOut(BaseModel):
    by_status: dict[ClaimStatus, int] = Field(description="How many claims in each status (a status without any: 0).")
    total: int


@router.get("/claims/counts", summary="How many of my claims (owner) or my fund's (fund agent) are in each status: true totals")
async def count_claims(_: OwnerOrFund, ctx: Ctx) -> ClaimCountsOut:
    counted = await claims.count_claims(ctx)
    by_status = {status: counted.get(status.value, 0) for status in ClaimStatus}
    return ClaimCountsOut(by_status=by_status, total=sum(by_status.values()))


@router.get("/claims/{claim_id}", summary="A claim (its owner or its fund)")
async def read_claim(claim_id: uuid.UUID, _: OwnerOrFund, ctx: Ctx) -> ClaimOut:
    return claim_out(await claims.read_claim(ctx, claim_id))


@router.get(
    "/claims/{claim_id}/inventories",
    summary="A damage claim's move-in and move-out inventories side by side, item by item (its owner or its fund)",
)
async def read_claim_inventories(claim_id: uuid.UUID, _: OwnerOrFund, ctx: Ctx) -> ClaimInventoriesOut:
    found = await inventories.of_claim(ctx, claim_id)

    def side(view: InventoryView) -> InventorySide:
        return InventorySide(
            id=view.inventory_id,
            made_on=view.made_on,
            signed_at=view.signed_at,
            content_sha256=view.content_sha256,
            keys_handed=view.keys_handed,
        )

    return ClaimInventoriesOut(
        claim_id=claim_id,
        move_in=side(found.move_in),
        move_out=side(found.move_out),
        worse=sum(1 for row in found.rows if row.change in ("worse", "missing")),
        rows=[ComparedItem.of(r) for r in found.rows],
    )


@router.post("/claims/{claim_id}/validation", summary="Validate a filed claim (the fund's agents)")
async def validate_claim(claim_id: uuid.UUID, _: FundAgent, ctx: Ctx) -> ClaimOut:
    return claim_out(await claims.validate_claim(ctx, claim_id))


@router.post("/claims/{claim_id}/payment", summary="Record the payout against the owner's subrogation receipt (the fund's agents)")
async def pay_claim(claim_id: uuid.UUID, body: PaymentIn, _: FundAgent, ctx: Ctx) -> ClaimOut:
    return claim_out(await claims.pay_claim(ctx, claim_id, body.subrogation_receipt))


@router.post("/claims/{claim_id}/rejection", summary="Reject a filed or validated claim with coded reasons (the fund's agents)")
async def reject_claim(claim_id: uuid.UUID, body: ClaimRejectionIn, _: FundAgent, ctx: Ctx) -> ClaimOut:
    return claim_out(await claims.reject_claim(ctx, claim_id, body.reasons))
