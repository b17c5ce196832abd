"""Households, registered and managed by their association's social workers.

Every query is scoped to the caller's organisation (social workers) or, for a household signed in
itself, to its own file; another association's household answers 404. Personal data are sealed on
write and read only through ``/personal-data``, which logs who read them and why. Lists come in pages.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Response

from abri_auth.dependencies import require_roles
from abri_auth.principal import Principal
from abri_kit.dependencies import Ctx, PageParams
from abri_kit.idempotency import Idempotent
from abri_kit.input import refuse_future
from abri_kit.pagination import Page
from abri_kit.versions import etag
from abri_matching.api.household_schemas import (
    AccessLogOut,
    CohabitationOut,
    ConsentIn,
    ConsentOut,
    ErasureIn,
    ErasureOut,
    HouseholdCreate,
    HouseholdIn,
    HouseholdOut,
    Identity,
    KeptOut,
    Needs,
    PersonalDataOut,
    Point,
    ServiceErasureOut,
    Wanted,
)
from abri_matching.api.state import Keys, Policy, Retention
from abri_matching.db.models import Household
from abri_matching.domain.consents import LegalBasis
from abri_matching.domain.households import AccessPurpose, HouseholdStatus, last_day_under
from abri_matching.domain.policy import MatchingPolicy
from abri_matching.usecases import consents as consenting
from abri_matching.usecases import erasure as erasing
from abri_matching.usecases import households as records
from abri_matching.usecases import personal_data as privacy

router = APIRouter(prefix="/v1/households", tags=["households"])
SocialWorker = Annotated[Principal, Depends(require_roles("social_worker"))]
Reader = Annotated[Principal, Depends(require_roles("social_worker", "household"))]
Eraser = Annotated[Principal, Depends(require_roles("social_worker", "household", "ops"))]
IfMatch = Annotated[str | None, Header(max_length=100, description="The household's ETag, from a previous read")]


def out(household: Household, response: Response | None = None) -> HouseholdOut:
    if response is not None:
        response.headers["ETag"] = etag(household.version)
    around = (
        Point(latitude=household.wanted_latitude, longitude=household.wanted_longitude, radius_km=household.wanted_radius_km)
        if household.wanted_latitude is not None and household.wanted_longitude is not None and household.wanted_radius_km is not None
        else None
    )
    return HouseholdOut(
        id=household.id,
        reference=household.reference,
        status=household.status,
        version=household.version,
        adults=household.adults,
        children=household.children,
        resources_cents=household.resources_cents,
        housing_benefit_cents=household.housing_benefit_cents,
        needs=Needs(
            step_free_access=household.needs_step_free,
            ground_floor=household.needs_ground_floor,
            min_bedrooms=household.min_bedrooms,
            smoke_free=household.needs_smoke_free,
            quiet_hours=household.needs_quiet_hours,
        ),
        wanted=Wanted(communes=household.wanted_communes, around=around),
        priority_level=household.priority_level,
        registered_since=household.registered_since,
        erased=household.erased_at is not None,
        cohabitation=CohabitationOut(until=household.cohabitation_until) if household.cohabitation_until is not None else None,
        purposes_in_force=list(household.purposes_in_force or []),
        legal_basis=household.legal_basis,
        account_subject=household.account_subject,
    )


def record_of(body: HouseholdIn, policy: MatchingPolicy) -> records.Record:
    around = body.wanted.around
    young = body.cohabitation
    return records.Record(
        reference=body.reference,
        account_subject=body.account_subject,
        adults=body.adults,
        children=body.children,
        resources_cents=body.resources_cents,
        housing_benefit_cents=body.housing_benefit_cents,
        needs_step_free=body.needs.step_free_access,
        needs_ground_floor=body.needs.ground_floor,
        min_bedrooms=body.needs.min_bedrooms,
        needs_smoke_free=body.needs.smoke_free,
        needs_quiet_hours=body.needs.quiet_hours,
        cohabitation_until=last_day_under(young.birth_date, policy.cohabitation_young_max_age) if young is not None else None,
        wanted_communes=list(body.wanted.communes),
        wanted_latitude=around.latitude if around else None,
        wanted_longitude=around.longitude if around else None,
        wanted_radius_km=around.radius_km if around else None,
        registered_since=body.registered_since,
        identity=body.identity.model_dump(mode="json"),
        priority_situations=list(body.priority_situations),
    )


@router.post(
    "",
    status_code=201,
    summary="Register a household (with its consent to matching, or an SIAO orientation standing in for it)",
    responses={
        409: {"description": "Another household of mine has this reference, or this Idempotency-Key is still in progress"},
        422: {
            "description": (
                "Neither a consent to matching nor a legal basis (`consent_required`), an account_subject"
                " (`account_link_by_invitation`: only an invitation links an account), or bad input"
            )
        },
    },
)
async def register(
    body: HouseholdCreate, _: SocialWorker, ctx: Ctx, keys: Keys, policy: Policy, response: Response, idempotency: Idempotent
) -> HouseholdOut:
    await idempotency.claim(body)
    refuse_future(
        ctx.now,
        consent__consented_at=body.consent.consented_at if body.consent is not None else None,
        registered_since=body.registered_since,
        identity__birth_date=body.identity.birth_date,
        cohabitation__birth_date=body.cohabitation.birth_date if body.cohabitation is not None else None,
    )
    for index, consent in enumerate(body.consents):
        refuse_future(ctx.now, **{f"consents__{index}__consented_at": consent.consented_at})
    legal_basis = LegalBasis(body.legal_basis.basis) if body.legal_basis is not None else None
    consents = [consent.model_dump() for consent in body.all_consents()]
    household = await records.register(ctx, keys, record_of(body, policy), consents, legal_basis)
    response.headers["Location"] = f"/v1/households/{household.id}"
    registered = out(household, response)
    await idempotency.remember(201, registered, response.headers)
    return registered


@router.get("", summary="My association's households, the longest registered first, in pages (no personal data)")
async def list_households(
    _: Reader, ctx: Ctx, page: PageParams, status: Annotated[HouseholdStatus | None, Query(description="Only this status")] = None
) -> Page[HouseholdOut]:
    rows, next_cursor = await records.list_households(ctx, page, status)
    return Page[HouseholdOut](items=[out(household) for household in rows], next_cursor=next_cursor)


@router.get("/{household_id}", summary="One household (no personal data)")
async def read_household(household_id: uuid.UUID, _: Reader, ctx: Ctx, response: Response) -> HouseholdOut:
    return out(await records.read_household(ctx, household_id), response)


@router.put(
    "/{household_id}",
    summary="Replace a household's record (If-Match)",
    responses={
        409: {"description": "Erased, or another household of mine has this reference"},
        412: {"description": "Stale ETag"},
        422: {"description": "An account_subject other than the record's (`account_link_by_invitation`), or bad input"},
    },
)
async def edit_household(
    household_id: uuid.UUID,
    body: HouseholdIn,
    _: SocialWorker,
    ctx: Ctx,
    keys: Keys,
    policy: Policy,
    response: Response,
    if_match: IfMatch = None,
) -> HouseholdOut:
    refuse_future(
        ctx.now,
        registered_since=body.registered_since,
        identity__birth_date=body.identity.birth_date,
        cohabitation__birth_date=body.cohabitation.birth_date if body.cohabitation is not None else None,
    )
    return out(await records.edit_household(ctx, keys, household_id, record_of(body, policy), if_match), response)


@router.get(
    "/{household_id}/personal-data",
    summary="Read a household's personal data (logged: who, when, why)",
    responses={410: {"description": "Erased"}},
)
async def personal_data(
    household_id: uuid.UUID,
    purpose: Annotated[AccessPurpose, Query(description="Why you read them (written to the access log)")],
    _: Reader,
    ctx: Ctx,
    keys: Keys,
) -> PersonalDataOut:
    opened = await privacy.read_personal_data(ctx, keys, household_id, purpose)
    return PersonalDataOut(
        household_id=household_id,
        purpose=purpose,
        identity=Identity(**opened["identity"]),
        priority_situations=opened["priority_situations"],
    )


@router.get("/{household_id}/access-log", summary="Who read this household's personal data, when and why (in the log's order, in pages)")
async def household_access_log(household_id: uuid.UUID, _: Reader, ctx: Ctx, page: PageParams) -> Page[AccessLogOut]:
    rows, next_cursor = await privacy.access_log(ctx, household_id, page)
    items = [
        AccessLogOut(
            id=entry.mac, at=entry.at, actor=entry.actor, actor_role=entry.actor_role, actor_org=entry.actor_org, purpose=entry.purpose
        )
        for entry in rows
    ]
    return Page[AccessLogOut](items=items, next_cursor=next_cursor)


@router.get("/{household_id}/consents", summary="The consents recorded for a household, the oldest given first, in pages")
async def consents(household_id: uuid.UUID, _: Reader, ctx: Ctx, page: PageParams) -> Page[ConsentOut]:
    rows, next_cursor = await consenting.list_consents(ctx, household_id, page)
    return Page[ConsentOut](items=[ConsentOut.model_validate(consent) for consent in rows], next_cursor=next_cursor)


@router.post("/{household_id}/consents", status_code=201, summary="Record a consent the household gave")
async def record_consent(household_id: uuid.UUID, body: ConsentIn, _: SocialWorker, ctx: Ctx, idempotency: Idempotent) -> ConsentOut:
    await idempotency.claim(body)
    refuse_future(ctx.now, consented_at=body.consented_at)
    recorded = ConsentOut.model_validate(await consenting.record_consent(ctx, household_id, body.model_dump()))
    await idempotency.remember(201, recorded)
    return recorded


@router.post("/{household_id}/consents/{consent_id}/withdraw", summary="Record that the household withdrew a consent")
async def withdraw_consent(household_id: uuid.UUID, consent_id: uuid.UUID, _: SocialWorker, ctx: Ctx) -> ConsentOut:
    return ConsentOut.model_validate(await consenting.withdraw_consent(ctx, household_id, consent_id))


@router.post(
    "/{household_id}/erase",
    summary="Erase a household's personal data everywhere and archive it (as POST /erasure, answering the household)",
)
async def erase(
    household_id: uuid.UUID, _: SocialWorker, ctx: Ctx, retention: Retention, response: Response, idempotency: Idempotent
) -> HouseholdOut:
    await idempotency.claim()
    erased = out(await records.erase_household(ctx, household_id, retention), response)
    await idempotency.remember(200, erased, response.headers)
    return erased


def erasure_out(state: erasing.ErasureState) -> ErasureOut:
    request = state.request
    return ErasureOut(
        request_id=request.request_id,
        household_id=request.household_id,
        requested_by=request.requested_by,
        requested_at=request.requested_at,
        state=state.state,
        services=[
            ServiceErasureOut(
                service=service.service,
                state=service.state,
                completed_at=service.completed_at,
                kept=[KeptOut(**kept) for kept in service.kept],
            )
            for service in state.services
        ],
    )


@router.post(
    "/{household_id}/erasure",
    status_code=202,
    summary="Erase a household's personal data in every service (the household, its association, or ops for the DPO)",
    responses={202: {"description": "Matching erased its copies; the other services answer by their receipts (see GET)"}},
)
async def request_erasure(household_id: uuid.UUID, _: Eraser, ctx: Ctx, retention: Retention, body: ErasureIn | None = None) -> ErasureOut:
    return erasure_out(await erasing.request_erasure(ctx, household_id, body.dpo_reference if body is not None else None, retention))


@router.get("/{household_id}/erasure", summary="The erasure of a household, per service (pending, or completed with what was kept and why)")
async def erasure_state(household_id: uuid.UUID, _: Eraser, ctx: Ctx) -> ErasureOut:
    return erasure_out(await erasing.erasure_state(ctx, household_id))
