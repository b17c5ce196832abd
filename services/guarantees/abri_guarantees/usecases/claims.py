"""Unpaid-rent claims on a guarantee: the owner declares unpaid months (or damage once the tenancy
ended); the rules of ``domain/claims.py`` say at once whether it may be made, whether it is constituted,
which deadlines it missed and what the cover's caps leave payable over the whole tenancy. The fund then
validates, records the payout against the owner's subrogation receipt, or rejects with coded reasons.
Claims hold dates and amounts only."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from abri_contracts.guarantees import ClaimFiled, ClaimPaid, ClaimRejected, ClaimValidated
from abri_guarantees.db.guarantees import Claim
from abri_guarantees.db.repositories.guarantees import Claims, Guarantees
from abri_guarantees.db.repositories.read_models import SignedInventories
from abri_guarantees.domain.claims import (
    OPEN_CLAIMS,
    ClaimFailure,
    ClaimMove,
    ClaimStatus,
    InvalidClaimMove,
    UnpaidMonth,
    after_move,
    anchor_day,
    arrears,
    claim_ground,
    claim_payable,
    deadlines_missed,
    declaration_deadline,
    declaration_errors,
    formal_notice_deadline,
    months_claimed_twice,
    must_be_constituted,
)
from abri_guarantees.domain.policy import DeadlineAnchor
from abri_guarantees.domain.sources import claim_source
from abri_guarantees.usecases.funds import file_policy
from abri_guarantees.usecases.guarantees import domain_of
from abri_kit.errors import Conflict, NotAllowed, Problem
from abri_kit.legal import coded_error
from abri_kit.pagination import PageRequest
from abri_kit.usecase import Context

NOT_CONSTITUTED = ClaimFailure.NOT_CONSTITUTED.value
WITHOUT_INVENTORIES = "damage_without_inventories"


async def damage_inventories(
    ctx: Context, placement_id: uuid.UUID, damage_cents: int, needed: bool
) -> tuple[uuid.UUID | None, uuid.UUID | None]:
    """The move-in and move-out inventories a damage claim stands on (both parties signed them in matching);
    422 when the fund's terms need them and one is missing. None, None for a claim without damage."""
    if not damage_cents:
        return None, None
    found = await SignedInventories.for_system(ctx.uow).of_placement(placement_id)
    move_in, move_out = found.get("move_in"), found.get("move_out")
    if needed and (move_in is None or move_out is None):
        missing = [kind for kind, row in (("move_in", move_in), ("move_out", move_out)) if row is None]
        message = (
            "damage is judged by comparing the move-in and move-out inventories both parties signed: "
            f"this tenancy lacks {' and '.join(k.replace('_', '-') for k in missing)}"
        )
        item = coded_error(
            WITHOUT_INVENTORIES,
            message,
            source=claim_source(WITHOUT_INVENTORIES),
            params={"missing": ",".join(missing)},
            fields=["body.damage_cents"],
        )
        raise Problem(422, message, title="Inventories missing", code=WITHOUT_INVENTORIES, errors=[{**item, "field": "body.damage_cents"}])
    return (move_in.inventory_id if move_in else None), (move_out.inventory_id if move_out else None)


async def file_claim(
    ctx: Context, file_id: uuid.UUID, months: Sequence[UnpaidMonth], formal_notice_on: date | None, damage_cents: int
) -> Claim:
    """The owner declares unpaid ``months`` and/or ``damage_cents`` on its guarantee: 422 naming each
    declared item the guarantee refuses, or when a first claim is not constituted; 409 for a month an
    earlier claim holds. The deadlines missed are recorded for the fund to weigh."""
    guarantees = Guarantees.of(ctx)
    record = await guarantees.get(file_id, for_update=True)  # one claim at a time per guarantee
    if record.owner_id != ctx.principal.subject or not ctx.principal.has_role("owner"):
        raise NotAllowed("only the guarantee's owner declares a claim on it")
    errors = declaration_errors(domain_of(record), months, damage_cents, ctx.today)
    if errors:
        raise Problem(
            422,
            "this claim cannot be made on this guarantee",
            code=errors[0].rule,
            errors=[
                {
                    **coded_error(e.rule, e.message, source=claim_source(e.rule), params=e.params, fields=[f"body.{e.field}"]),
                    "field": f"body.{e.field}",
                }
                for e in errors
            ],
        )
    earlier = await Claims.of(ctx).open_on(record.file_id, OPEN_CLAIMS)
    twice = months_claimed_twice(months, [date.fromisoformat(month["due_on"]) for claim in earlier for month in claim.months])
    if twice:
        raise Conflict(f"already claimed: {', '.join(twice)}", title="Months already claimed")
    file = await guarantees.file_of(record)
    policy = await file_policy(ctx, file)
    terms = policy.claims
    inventories = await damage_inventories(ctx, file.placement_id, damage_cents, terms.damage_needs_inventories)
    state = arrears(months, record.rent_and_charges_cents, terms)
    if must_be_constituted(state, months, [claim.ground for claim in earlier]):
        message = (
            f"the claim is not constituted: {state.wholly_unpaid_months} month(s) wholly unpaid and arrears of "
            f"{state.total_cents} cents, housing benefit deducted (it takes {terms.wholly_unpaid_months} months wholly "
            f"unpaid, or arrears above {terms.partial_arrears_months} month(s) of rent + charges); only an earlier "
            "constituted arrears claim lets later months follow without a constitution of their own"
        )
        params = {
            "wholly_unpaid_months": state.wholly_unpaid_months,
            "arrears_cents": state.total_cents,
            "required_wholly_unpaid_months": terms.wholly_unpaid_months,
            "partial_arrears_above_cents": terms.partial_arrears_months * record.rent_and_charges_cents,
            "earlier_constituted_claim": False,
        }
        item = coded_error(NOT_CONSTITUTED, message, source=claim_source(NOT_CONSTITUTED), params=params, fields=["body.months"])
        raise Problem(422, message, title="Claim not constituted", code=NOT_CONSTITUTED, errors=[{**item, "field": "body.months"}])
    payout = claim_payable(
        months,
        record.rent_and_charges_cents,
        policy.cover,
        rent_paid_before_cents=sum(claim.rent_payable_cents for claim in earlier),
        damage_cents=damage_cents,
        damage_paid_before_cents=sum(claim.damage_payable_cents for claim in earlier),
    )
    claim = Claims.of(ctx).add(
        Claim(
            id=uuid.uuid4(),
            file_id=record.file_id,
            fund_id=record.fund_id,
            owner_id=record.owner_id,
            status=ClaimStatus.FILED.value,
            months=[_month_json(month) for month in months],
            formal_notice_on=formal_notice_on,
            declared_on=ctx.today,
            ground=claim_ground(state, months).value,
            arrears_cents=state.total_cents,
            rent_payable_cents=payout.rent_payable_cents,
            damage_cents=damage_cents,
            damage_payable_cents=payout.damage_payable_cents,
            move_in_inventory_id=inventories[0],
            move_out_inventory_id=inventories[1],
            late=deadlines_missed(state, months, formal_notice_on, ctx.today, terms),
            constituted_on=anchor_day(state, DeadlineAnchor.CONSTITUTED, terms) if months else None,
            formal_notice_by=formal_notice_deadline(state, terms) if months else None,
            declare_by=declaration_deadline(state, terms) if months else None,
            filed_by=ctx.principal.subject,
            filed_at=ctx.now,
        )
    )
    await ctx.uow.flush("the claim")
    event = ClaimFiled(
        claim_id=claim.id,
        file_id=claim.file_id,
        fund_id=claim.fund_id,
        owner_id=claim.owner_id,
        filed_at=ctx.now,
        arrears_cents=claim.arrears_cents,
        payable_cents=payout.total_cents,
    )
    await ctx.uow.publish(event, at=ctx.now)
    return claim


def _month_json(month: UnpaidMonth) -> dict[str, object]:
    return {
        "due_on": month.due_on.isoformat(),
        "due_cents": month.due_cents,
        "paid_by_tenant_cents": month.paid_by_tenant_cents,
        "housing_benefit_cents": month.housing_benefit_cents,
    }


async def list_claims(ctx: Context, page: PageRequest, statuses: Sequence[ClaimStatus] = ()) -> tuple[list[Claim], str | None]:
    """One page of the caller's claims (an owner's, or its fund's for an agent), the latest filed first;
    only ``statuses`` if given."""
    return await Claims.of(ctx).page_newest_first(page, tuple(status.value for status in statuses))


async def count_claims(ctx: Context) -> dict[str, int]:
    """How many of the caller's claims (an owner's, or its fund's) are in each status."""
    return await Claims.of(ctx).counts()


async def read_claim(ctx: Context, claim_id: uuid.UUID) -> Claim:
    """A claim of the caller's (its owner or its fund)."""
    return await Claims.of(ctx).get(claim_id)


async def validate_claim(ctx: Context, claim_id: uuid.UUID) -> Claim:
    """The fund's agent validates a filed claim."""
    claim = await _move(ctx, claim_id, ClaimMove.VALIDATE)
    claim.validated_by, claim.validated_at = ctx.principal.subject, ctx.now
    payable = claim.rent_payable_cents + claim.damage_payable_cents
    event = ClaimValidated(
        claim_id=claim.id,
        file_id=claim.file_id,
        fund_id=claim.fund_id,
        owner_id=claim.owner_id,
        validated_at=ctx.now,
        payable_cents=payable,
    )
    await ctx.uow.publish(event, at=ctx.now)
    return claim


async def pay_claim(ctx: Context, claim_id: uuid.UUID, subrogation_receipt: str) -> Claim:
    """The fund's agent records the payout of a validated claim against the owner's subrogation receipt."""
    claim = await _move(ctx, claim_id, ClaimMove.PAY)
    amount = claim.rent_payable_cents + claim.damage_payable_cents
    claim.paid_at, claim.paid_cents, claim.subrogation_receipt = ctx.now, amount, subrogation_receipt
    event = ClaimPaid(
        claim_id=claim.id, file_id=claim.file_id, fund_id=claim.fund_id, owner_id=claim.owner_id, paid_at=ctx.now, amount_cents=amount
    )
    await ctx.uow.publish(event, at=ctx.now)
    return claim


async def reject_claim(ctx: Context, claim_id: uuid.UUID, reasons: Sequence[str]) -> Claim:
    """The fund's agent rejects a filed or validated claim with coded reasons (it then takes nothing of the caps)."""
    claim = await _move(ctx, claim_id, ClaimMove.REJECT)
    claim.rejection_reasons, claim.rejected_by, claim.rejected_at = list(reasons), ctx.principal.subject, ctx.now
    event = ClaimRejected(
        claim_id=claim.id, file_id=claim.file_id, fund_id=claim.fund_id, owner_id=claim.owner_id, rejected_at=ctx.now, reasons=list(reasons)
    )
    await ctx.uow.publish(event, at=ctx.now)
    return claim


async def _move(ctx: Context, claim_id: uuid.UUID, move: ClaimMove) -> Claim:
    claim = await Claims.of(ctx).get(claim_id, for_update=True)
    if not (ctx.principal.has_role("fund_agent") and ctx.principal.org_id == claim.fund_id):
        raise NotAllowed("only the fund's agents decide on a claim")
    try:
        claim.status = after_move(claim.status, move).value
    except InvalidClaimMove as exc:
        raise Conflict(str(exc), title="Invalid transition") from exc
    return claim
