"""The placement journey over HTTP: associations propose and carry placements, owners answer.

A social worker sees its association's placements; an owner those for its units, with only an
anonymous summary of the household (size, resources band, association, guarantee) and never its
identity; a household person those of its own household. Another party's placement answers 404. Each
answer moves the placement one step, records who, when and why, and publishes the step's event. A
proposal is refused (422, naming each rule) when the pair fails a hard rule of matching.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from abri_auth.dependencies import require_roles
from abri_auth.principal import Principal
from abri_kit.dependencies import Ctx, PageParams
from abri_kit.idempotency import Idempotent
from abri_kit.pagination import Page
from abri_matching.api.placement_schemas import (
    AcceptIn,
    ContactOut,
    DeclineIn,
    LeaseEndIn,
    LeaseIn,
    PlacementCounts,
    PlacementOut,
    ProposalIn,
    RenewalIn,
    ReviewIn,
    WithdrawIn,
)
from abri_matching.api.state import Journey, Keys, Policy
from abri_matching.domain.placements import LeaseEndReason, PlacementStatus, WithdrawReason
from abri_matching.usecases import household_contact as contact
from abri_matching.usecases import placement_views, placements, proposals

router = APIRouter(prefix="/v1/placements", tags=["placements"])
STEP: dict[int | str, dict[str, Any]] = {
    409: {"description": "Not allowed at this step of the journey, or the placement changed meanwhile"}
}
SocialWorker = Annotated[Principal, Depends(require_roles("social_worker"))]
Owner = Annotated[Principal, Depends(require_roles("owner"))]


@router.post(
    "",
    status_code=201,
    summary="Propose one of my households for a published unit (one active proposal per unit)",
    responses={
        422: {"description": "Invalid, not a scheme of the unit, or a hard rule of matching refuses the pair (each named)"},
        404: {"description": "No such household of my association, or the unit is not open to placements"},
        409: {"description": "The household is not searching, or the unit already has an active proposal"},
    },
)
async def propose(body: ProposalIn, _: SocialWorker, ctx: Ctx, policy: Policy, journey: Journey, idempotency: Idempotent) -> PlacementOut:
    await idempotency.claim(body)
    proposed = PlacementOut.of(await proposals.propose(ctx, policy, journey, body.household_id, body.unit_id, body.scheme))
    await idempotency.remember(201, proposed)
    return proposed


@router.get("", summary="My association's placements, those for my units, or my own household's (the latest proposed first, in pages)")
async def list_placements(
    ctx: Ctx,
    page: PageParams,
    journey: Journey,
    status: Annotated[
        list[PlacementStatus] | None, Query(description="Only these statuses (repeat it: any of them)", max_length=10)
    ] = None,
    household_id: Annotated[uuid.UUID | None, Query(description="Only this household's")] = None,
) -> Page[PlacementOut]:
    seen, next_cursor = await placement_views.list_placements(ctx, journey, page, statuses=status or (), household_id=household_id)
    return Page[PlacementOut](items=[PlacementOut.of(one) for one in seen], next_cursor=next_cursor)


@router.get("/counts", summary="How many of my placements are in each status (what each filter of the list holds)")
async def count_placements(
    ctx: Ctx, household_id: Annotated[uuid.UUID | None, Query(description="Only this household's")] = None
) -> PlacementCounts:
    counts = await placement_views.count_placements(ctx, household_id=household_id)
    return PlacementCounts(counts={status.value: count for status, count in counts.items()}, total=sum(counts.values()))


@router.get("/{placement_id}", summary="A placement and its timeline")
async def read_placement(placement_id: uuid.UUID, ctx: Ctx, journey: Journey) -> PlacementOut:
    return PlacementOut.of(await placement_views.read_placement(ctx, journey, placement_id))


@router.post("/{placement_id}/accept", summary="Accept a proposal for my unit (owner)", responses=STEP)
async def accept(placement_id: uuid.UUID, body: AcceptIn, _: Owner, ctx: Ctx, journey: Journey) -> PlacementOut:
    return PlacementOut.of(await placements.accept(ctx, journey, placement_id, require_guarantee=body.require_guarantee))


@router.post("/{placement_id}/decline", summary="Decline a proposal for my unit (owner; no penalty for the household)", responses=STEP)
async def decline(placement_id: uuid.UUID, body: DeclineIn, _: Owner, ctx: Ctx, journey: Journey) -> PlacementOut:
    return PlacementOut.of(await placements.decline(ctx, journey, placement_id, body.reason))


@router.post("/{placement_id}/withdraw", summary="Withdraw a placement before the lease (association)", responses=STEP)
async def withdraw(placement_id: uuid.UUID, body: WithdrawIn, _: SocialWorker, ctx: Ctx, journey: Journey) -> PlacementOut:
    return PlacementOut.of(await placements.withdraw(ctx, journey, placement_id, WithdrawReason(body.reason)))


LEASE_RULES: dict[int | str, dict[str, Any]] = {
    **STEP,
    422: {"description": "A rule refuses the lease (each named with its source): scheme, dates, energy ban, DPE, head lease"},
}


@router.post("/{placement_id}/lease", summary="Record the signed lease (association)", responses=LEASE_RULES)
async def sign_lease(
    placement_id: uuid.UUID, body: LeaseIn, _: SocialWorker, ctx: Ctx, journey: Journey, idempotency: Idempotent
) -> PlacementOut:
    await idempotency.claim(body)  # a form sent again (a reload) gets this answer again, nothing recorded twice
    lease = placements.Lease(
        body.signed_on,
        body.starts_on,
        body.lease_type,
        body.rent_cents,
        body.charges_cents,
        under_mandate=body.under_mandate,
        ends_on=body.ends_on,
        head_lease_ends_on=body.head_lease_ends_on,
        services=tuple(body.services),
    )
    signed = PlacementOut.of(await placements.sign_lease(ctx, journey, placement_id, lease))
    await idempotency.remember(200, signed)
    return signed


@router.post(
    "/{placement_id}/renewals",
    summary="Record that the owner's lease was renewed or tacitly continued at its term's end (association)",
    responses={
        **STEP,
        422: {
            "description": "A rule refuses the renewal (each named with its source): not at the term's end, in the future, energy ban, DPE"
        },
    },
)
async def renew(
    placement_id: uuid.UUID, body: RenewalIn, _: SocialWorker, ctx: Ctx, journey: Journey, idempotency: Idempotent
) -> PlacementOut:
    await idempotency.claim(body)  # a form sent again (a reload) records one renewal
    renewed = PlacementOut.of(await placements.renew(ctx, journey, placement_id, body.renews_on, body.kind))
    await idempotency.remember(200, renewed)
    return renewed


@router.post(
    "/{placement_id}/lease-end",
    summary="Record that the signed lease ended, its day and a coded reason (association)",
    responses={
        **STEP,
        409: {"description": "No signed lease, or its end is already recorded"},
        422: {"description": "The day is before the lease began (lease_end_before_start) or still to come (lease_end_in_future)"},
    },
)
async def end_lease(
    placement_id: uuid.UUID, body: LeaseEndIn, _: SocialWorker, ctx: Ctx, journey: Journey, idempotency: Idempotent
) -> PlacementOut:
    await idempotency.claim(body)  # a form sent again (a reload) gets this answer again
    ended = PlacementOut.of(await placements.end_lease(ctx, journey, placement_id, body.ended_on, LeaseEndReason(body.reason)))
    await idempotency.remember(200, ended)
    return ended


@router.post(
    "/{placement_id}/reviews",
    summary="Record a joint review of a sliding lease with the household and the owner (association)",
    responses={**STEP, 422: {"description": "Not joint: a party named by the policy did not take part"}},
)
async def review(
    placement_id: uuid.UUID, body: ReviewIn, _: SocialWorker, ctx: Ctx, journey: Journey, idempotency: Idempotent
) -> PlacementOut:
    await idempotency.claim(body)  # a form sent again (a reload) records one review: the page reads a fresh version each time
    reviewed = PlacementOut.of(await placements.review(ctx, journey, placement_id, body.outcome, body.parties))
    await idempotency.remember(200, reviewed)
    return reviewed


@router.post(
    "/{placement_id}/slide-agreement",
    summary="Agree that the sliding lease slides to the household (owner, after a review found it ready)",
    responses=STEP,
)
async def agree_slide(placement_id: uuid.UUID, _: Owner, ctx: Ctx, journey: Journey) -> PlacementOut:
    return PlacementOut.of(await placements.agree_slide(ctx, journey, placement_id))


@router.post(
    "/{placement_id}/slide",
    summary="The sliding lease slides to the household (association, after a ready review, the minimum period and the owner's agreement)",
    responses={**STEP, 422: {"description": "A rule refuses the slide (each named with its source)"}},
)
async def slide(placement_id: uuid.UUID, _: SocialWorker, ctx: Ctx, journey: Journey) -> PlacementOut:
    return PlacementOut.of(await placements.slide(ctx, journey, placement_id))


@router.get(
    "/{placement_id}/household-contact",
    summary="The household's names and contact, for the owner once it accepted (with the household's consent; logged)",
    responses={403: {"description": "Not accepted yet, or no consent to share"}, 410: {"description": "Erased"}},
)
async def household_contact(placement_id: uuid.UUID, _: Owner, ctx: Ctx, keys: Keys, journey: Journey) -> ContactOut:
    identity = await contact.household_contact(ctx, keys, journey, placement_id)
    return ContactOut(
        first_name=identity.get("first_name"), last_name=identity.get("last_name"), phone=identity.get("phone"), email=identity.get("email")
    )
