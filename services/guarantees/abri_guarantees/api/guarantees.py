"""Active guarantees and unpaid-rent claims.

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
from typing import Annotated, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field, model_validator
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from abri_auth.dependencies import require_roles
from abri_auth.principal import Principal
from abri_bus.outbox import publish
from abri_contracts.guarantees import ClaimFiled, ClaimPaid, ClaimRejected, ClaimValidated, GuaranteeEnded
from abri_guarantees.api.files import file_policy
from abri_guarantees.db.files import GuaranteeFile
from abri_guarantees.db.guarantees import Claim, GuaranteeRecord
from abri_guarantees.domain.claims import ClaimFailure, UnpaidMonth, arrears, claim_payable, declaration_failures
from abri_guarantees.domain.guarantee import Guarantee, covers, end, guarantee_status
from abri_kit.clock import Now, day_in_france
from abri_kit.db import SessionDep
from abri_kit.idempotency import Idempotent
from abri_kit.input import Input
from abri_kit.problems import Problem

router = APIRouter(prefix="/v1", tags=["guarantees and claims"])
OwnerOrFund = Annotated[Principal, Depends(require_roles("owner", "fund_agent"))]
Owner = Annotated[Principal, Depends(require_roles("owner"))]
FundAgent = Annotated[Principal, Depends(require_roles("fund_agent"))]
OPEN_CLAIMS = ("filed", "validated", "paid")
"""Claims that count against the caps and the months already claimed (a rejected one does not)."""
ClaimRejection = Literal["declaration_late", "formal_notice_missing", "not_covered", "amounts_not_proven", "duplicate", "other"]


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


class MonthIn(Input):
    due_on: date
    due_cents: int = Field(ge=0, le=10_000_000, description="Rent + charges due that month.")
    paid_by_tenant_cents: int = Field(default=0, ge=0, le=10_000_000)
    housing_benefit_cents: int = Field(default=0, ge=0, le=10_000_000, description="Housing benefit paid to the owner that month.")


class ClaimIn(Input):
    months: list[MonthIn] = Field(default_factory=list, max_length=60, description="Unpaid months, one entry per month.")
    formal_notice_on: date | None = Field(default=None, description="When the formal notice (mise en demeure) was sent.")
    damage_cents: int = Field(default=0, ge=0, le=100_000_000, description="Damage found at the end of the tenancy.")

    @model_validator(mode="after")
    def _one_entry_per_month(self) -> ClaimIn:
        if len({(month.due_on.year, month.due_on.month) for month in self.months}) != len(self.months):
            raise ValueError("a month is declared twice")
        if not self.months and not self.damage_cents:
            raise ValueError("declare unpaid months, damage, or both")
        return self


class ClaimOut(BaseModel):
    id: uuid.UUID
    file_id: uuid.UUID
    fund_id: str
    owner_id: str
    status: str
    months: list[MonthIn]
    formal_notice_on: date | None
    declared_on: date
    ground: str
    arrears_cents: int
    rent_payable_cents: int
    damage_cents: int
    damage_payable_cents: int
    payable_cents: int
    late: list[str] = Field(description="Deadlines missed (coded), for the fund to weigh.")
    rejection_reasons: list[str]
    subrogation_receipt: str | None
    paid_cents: int | None


class ClaimRejectionIn(Input):
    reasons: list[ClaimRejection] = Field(min_length=1, max_length=6, description="Coded reasons.")


class PaymentIn(Input):
    subrogation_receipt: str = Field(min_length=3, max_length=100, pattern=r"^[A-Za-z0-9._/-]+$", description="The receipt's reference.")


def visible(
    principal: Principal, owner_column: InstrumentedAttribute[str], fund_column: InstrumentedAttribute[str]
) -> sa.ColumnElement[bool]:
    """The owner sees its own; the fund's agents their fund's."""
    clauses = []
    if principal.has_role("owner"):
        clauses.append(owner_column == principal.subject)
    if principal.org_id and principal.has_role("fund_agent"):
        clauses.append(fund_column == principal.org_id)
    return sa.or_(*clauses) if clauses else sa.false()


async def visible_guarantee(
    session: AsyncSession, file_id: uuid.UUID, principal: Principal, *, for_update: bool = False
) -> GuaranteeRecord:
    statement = sa.select(GuaranteeRecord).where(
        GuaranteeRecord.file_id == file_id, visible(principal, GuaranteeRecord.owner_id, GuaranteeRecord.fund_id)
    )
    found = (await session.execute(statement.with_for_update() if for_update else statement)).scalar_one_or_none()
    if found is None:
        raise Problem(404, f"guarantee {file_id} not found")
    return found


def domain_of(record: GuaranteeRecord) -> Guarantee:
    return Guarantee(
        record.visa_number,
        record.lease_signed_on,
        record.rent_and_charges_cents,
        day_in_france(record.activated_at),
        record.ended_on,
        record.lease_starts_on,
    )


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
        status=guarantee_status(domain_of(record), today).value,
    )


def claim_out(claim: Claim) -> ClaimOut:
    return ClaimOut(
        id=claim.id,
        file_id=claim.file_id,
        fund_id=claim.fund_id,
        owner_id=claim.owner_id,
        status=claim.status,
        months=[MonthIn.model_validate(month) for month in claim.months],
        formal_notice_on=claim.formal_notice_on,
        declared_on=claim.declared_on,
        ground=claim.ground,
        arrears_cents=claim.arrears_cents,
        rent_payable_cents=claim.rent_payable_cents,
        damage_cents=claim.damage_cents,
        damage_payable_cents=claim.damage_payable_cents,
        payable_cents=claim.rent_payable_cents + claim.damage_payable_cents,
        late=claim.late,
        rejection_reasons=claim.rejection_reasons,
        subrogation_receipt=claim.subrogation_receipt,
        paid_cents=claim.paid_cents,
    )


async def ended_event(session: AsyncSession, record: GuaranteeRecord, ended_on: date) -> GuaranteeEnded:
    file = await session.get(GuaranteeFile, record.file_id)
    assert file is not None  # a guarantee belongs to its file (foreign key)
    return GuaranteeEnded(
        file_id=file.id,
        placement_id=file.placement_id,
        fund_id=file.fund_id,
        org_id=file.org_id,
        owner_id=record.owner_id,
        ended_on=ended_on,
    )


@router.get("/guarantees", summary="My guarantees (owner) or my fund's (fund agent)")
async def list_guarantees(principal: OwnerOrFund, session: SessionDep, now: Now) -> list[GuaranteeOut]:
    statement = (
        sa.select(GuaranteeRecord)
        .where(visible(principal, GuaranteeRecord.owner_id, GuaranteeRecord.fund_id))
        .order_by(GuaranteeRecord.activated_at.desc())
        .limit(200)
    )
    return [guarantee_out(record, day_in_france(now)) for record in (await session.execute(statement)).scalars()]


@router.get("/guarantees/{file_id}", summary="A guarantee (its owner or its fund)")
async def read_guarantee(file_id: uuid.UUID, principal: OwnerOrFund, session: SessionDep, now: Now) -> GuaranteeOut:
    return guarantee_out(await visible_guarantee(session, file_id, principal), day_in_france(now))


@router.post("/guarantees/{file_id}/end", summary="End a guarantee with the tenancy (its owner or its fund)")
async def end_guarantee(file_id: uuid.UUID, body: EndIn, principal: OwnerOrFund, session: SessionDep, now: Now) -> GuaranteeOut:
    record = await visible_guarantee(session, file_id, principal, for_update=True)
    try:
        ended = end(domain_of(record), body.ended_on)
    except ValueError as exc:
        status = 409 if record.ended_on is not None else 422
        raise Problem(status, str(exc), errors=[{"field": "body.ended_on", "message": str(exc)}]) from exc
    record.ended_on = ended.ended_on
    await publish(session, await ended_event(session, record, body.ended_on))
    return guarantee_out(record, day_in_france(now))


@router.post("/guarantees/{file_id}/claims", status_code=201, summary="Declare unpaid rent on my guarantee (owner)")
async def file_claim(
    file_id: uuid.UUID, body: ClaimIn, principal: Owner, session: SessionDep, now: Now, idempotency: Idempotent
) -> ClaimOut:
    record = await visible_guarantee(session, file_id, principal, for_update=True)  # one claim at a time per guarantee
    await idempotency.claim(body)
    guarantee = domain_of(record)
    today = day_in_france(now)
    errors = (
        [
            {"field": f"body.months.{n}.due_on", "message": "outside the guaranteed tenancy"}
            for n, month in enumerate(body.months)
            if not covers(guarantee, month.due_on)
        ]
        + [{"field": f"body.months.{n}.due_on", "message": "not due yet"} for n, month in enumerate(body.months) if month.due_on > today]
        + [
            {"field": f"body.months.{n}.due_cents", "message": f"above the guaranteed rent + charges ({record.rent_and_charges_cents})"}
            for n, month in enumerate(body.months)
            if month.due_cents > record.rent_and_charges_cents
        ]
        + (
            [{"field": "body.damage_cents", "message": "damage is claimed once the tenancy has ended"}]
            if body.damage_cents and record.ended_on is None
            else []
        )
    )
    if errors:
        raise Problem(422, "this claim cannot be made on this guarantee", errors=errors)
    earlier = (
        (await session.execute(sa.select(Claim).where(Claim.file_id == record.file_id, Claim.status.in_(OPEN_CLAIMS)))).scalars().all()
    )
    claimed = {date.fromisoformat(month["due_on"]).replace(day=1) for claim in earlier for month in claim.months}
    twice = [month.due_on.strftime("%Y-%m") for month in body.months if month.due_on.replace(day=1) in claimed]
    if twice:
        raise Problem(409, f"already claimed: {', '.join(twice)}", title="Months already claimed")
    file = await session.get(GuaranteeFile, record.file_id)
    assert file is not None
    policy = await file_policy(session, file)
    months = [UnpaidMonth(m.due_on, m.due_cents, m.paid_by_tenant_cents, m.housing_benefit_cents) for m in body.months]
    state = arrears(months, record.rent_and_charges_cents, policy.claims)
    if body.months and not state.constituted and not earlier:  # once constituted on this tenancy, later months follow
        raise Problem(
            422,
            f"the claim is not constituted: {state.wholly_unpaid_months} month(s) wholly unpaid and arrears of "
            f"{state.total_cents} cents, housing benefit deducted (it takes {policy.claims.wholly_unpaid_months} months wholly "
            f"unpaid, or arrears above {policy.claims.partial_arrears_months} month of rent + charges)",
            title="Claim not constituted",
            code="claim_not_constituted",
        )
    ground = state.ground.value if state.ground else ("continuing_arrears" if body.months else "damage")
    payout = claim_payable(
        months,
        record.rent_and_charges_cents,
        policy.cover,
        rent_paid_before_cents=sum(claim.rent_payable_cents for claim in earlier),
        damage_cents=body.damage_cents,
        damage_paid_before_cents=sum(claim.damage_payable_cents for claim in earlier),
    )
    claim = Claim(
        id=uuid.uuid4(),
        file_id=record.file_id,
        fund_id=record.fund_id,
        owner_id=record.owner_id,
        status="filed",
        months=[month.model_dump(mode="json") for month in body.months],
        formal_notice_on=body.formal_notice_on,
        declared_on=today,
        ground=ground,
        arrears_cents=state.total_cents,
        rent_payable_cents=payout.rent_payable_cents,
        damage_cents=body.damage_cents,
        damage_payable_cents=payout.damage_payable_cents,
        late=[
            failure.value
            for failure in declaration_failures(state, body.formal_notice_on, today, policy.claims)
            if failure is not ClaimFailure.NOT_CONSTITUTED  # judged above
        ]
        if body.months
        else [],
        filed_by=principal.subject,
        filed_at=now,
    )
    session.add(claim)
    await session.flush()
    event = ClaimFiled(
        claim_id=claim.id,
        file_id=claim.file_id,
        fund_id=claim.fund_id,
        owner_id=claim.owner_id,
        filed_at=now,
        arrears_cents=claim.arrears_cents,
        payable_cents=payout.total_cents,
    )
    await publish(session, event)
    filed = claim_out(claim)
    await idempotency.remember(201, filed)
    return filed


async def visible_claim(session: AsyncSession, claim_id: uuid.UUID, principal: Principal) -> Claim:
    statement = sa.select(Claim).where(Claim.id == claim_id, visible(principal, Claim.owner_id, Claim.fund_id)).with_for_update()
    claim = (await session.execute(statement)).scalar_one_or_none()
    if claim is None:
        raise Problem(404, f"claim {claim_id} not found")
    return claim


@router.get("/claims", summary="My claims (owner) or my fund's (fund agent)")
async def list_claims(principal: OwnerOrFund, session: SessionDep) -> list[ClaimOut]:
    statement = sa.select(Claim).where(visible(principal, Claim.owner_id, Claim.fund_id)).order_by(Claim.filed_at.desc()).limit(200)
    return [claim_out(claim) for claim in (await session.execute(statement)).scalars()]


@router.get("/claims/{claim_id}", summary="A claim (its owner or its fund)")
async def read_claim(claim_id: uuid.UUID, principal: OwnerOrFund, session: SessionDep) -> ClaimOut:
    return claim_out(await visible_claim(session, claim_id, principal))


@router.post("/claims/{claim_id}/validation", summary="Validate a filed claim (the fund's agents)")
async def validate_claim(claim_id: uuid.UUID, principal: FundAgent, session: SessionDep, now: Now) -> ClaimOut:
    claim = await visible_claim(session, claim_id, principal)
    if claim.status != "filed":
        raise Problem(409, f"the claim is {claim.status}, not filed", title="Invalid transition")
    claim.status, claim.validated_by, claim.validated_at = "validated", principal.subject, now
    payable = claim.rent_payable_cents + claim.damage_payable_cents
    event = ClaimValidated(
        claim_id=claim.id, file_id=claim.file_id, fund_id=claim.fund_id, owner_id=claim.owner_id, validated_at=now, payable_cents=payable
    )
    await publish(session, event)
    return claim_out(claim)


@router.post("/claims/{claim_id}/payment", summary="Record the payout against the owner's subrogation receipt (the fund's agents)")
async def pay_claim(claim_id: uuid.UUID, body: PaymentIn, principal: FundAgent, session: SessionDep, now: Now) -> ClaimOut:
    claim = await visible_claim(session, claim_id, principal)
    if claim.status != "validated":
        raise Problem(409, f"the claim is {claim.status}: a payout follows the validation", title="Invalid transition")
    amount = claim.rent_payable_cents + claim.damage_payable_cents
    claim.status, claim.paid_at, claim.paid_cents, claim.subrogation_receipt = "paid", now, amount, body.subrogation_receipt
    event = ClaimPaid(
        claim_id=claim.id, file_id=claim.file_id, fund_id=claim.fund_id, owner_id=claim.owner_id, paid_at=now, amount_cents=amount
    )
    await publish(session, event)
    return claim_out(claim)


@router.post("/claims/{claim_id}/rejection", summary="Reject a filed or validated claim with coded reasons (the fund's agents)")
async def reject_claim(claim_id: uuid.UUID, body: ClaimRejectionIn, principal: FundAgent, session: SessionDep, now: Now) -> ClaimOut:
    claim = await visible_claim(session, claim_id, principal)
    if claim.status not in ("filed", "validated"):
        raise Problem(409, f"the claim is {claim.status}: only a filed or validated claim is rejected", title="Invalid transition")
    claim.status, claim.rejection_reasons, claim.rejected_by, claim.rejected_at = "rejected", list(body.reasons), principal.subject, now
    event = ClaimRejected(
        claim_id=claim.id,
        file_id=claim.file_id,
        fund_id=claim.fund_id,
        owner_id=claim.owner_id,
        rejected_at=now,
        reasons=list(body.reasons),
    )
    await publish(session, event)
    return claim_out(claim)
