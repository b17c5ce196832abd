"""Households, registered and managed by their association's social workers.

Every query is scoped to the caller's organisation (social workers) or, for a household signed in
itself, to its own file; another association's household answers 404. Personal data are sealed on
write and read only through ``/personal-data``, which logs who read them and why.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Header, Query, Request, Response
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from abri_auth.dependencies import require_roles
from abri_auth.principal import Principal
from abri_auth.scoping import get_scoped, scoped
from abri_kit.clock import Now
from abri_kit.db import SessionDep
from abri_kit.envelope import Keyring
from abri_kit.idempotency import Idempotent
from abri_kit.input import refuse_future
from abri_kit.problems import Problem
from abri_matching.api.household_schemas import (
    AccessLogOut,
    ConsentIn,
    ConsentOut,
    HouseholdCreate,
    HouseholdIn,
    HouseholdOut,
    Identity,
    Needs,
    PersonalDataOut,
    Point,
    Wanted,
)
from abri_matching.db.households import AccessLogEntry, Consent, Household
from abri_matching.domain.households import AccessPurpose, HouseholdStatus, priority_level
from abri_matching.privacy.personal_data import Erased, erase_personal, read_personal, seal_new, seal_personal

router = APIRouter(prefix="/v1/households", tags=["households"])
SocialWorker = Annotated[Principal, Depends(require_roles("social_worker"))]
Reader = Annotated[Principal, Depends(require_roles("social_worker", "household"))]
IfMatch = Annotated[str | None, Header(max_length=100, description="The household's ETag, from a previous read")]


def keyring(request: Request) -> Keyring:
    ring: Keyring = request.app.state.keyring
    return ring


Keys = Annotated[Keyring, Depends(keyring)]


async def scoped_household(session: SessionDep, household_id: uuid.UUID, principal: Principal, *, for_update: bool = False) -> Household:
    """The household if it is the caller's association's (or the caller's own); 404 otherwise."""
    return await get_scoped(
        session, Household, household_id, principal, org_attr="org_id", owner_attr="account_subject", for_update=for_update
    )


def out(household: Household, response: Response | None = None) -> HouseholdOut:
    if response is not None:
        response.headers["ETag"] = f'"{household.version}"'
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
            step_free_access=household.needs_step_free, ground_floor=household.needs_ground_floor, min_bedrooms=household.min_bedrooms
        ),
        wanted=Wanted(communes=household.wanted_communes, around=around),
        priority_level=household.priority_level,
        registered_since=household.registered_since,
        erased=household.erased_at is not None,
        account_subject=household.account_subject,
    )


def apply(household: Household, body: HouseholdIn, now: datetime) -> dict[str, Any]:
    """Copy the non-personal fields onto the row; returns the personal part, to seal."""
    around = body.wanted.around
    household.reference = body.reference
    household.account_subject = body.account_subject
    household.adults = body.adults
    household.children = body.children
    household.resources_cents = body.resources_cents
    household.housing_benefit_cents = body.housing_benefit_cents
    household.needs_step_free = body.needs.step_free_access
    household.needs_ground_floor = body.needs.ground_floor
    household.min_bedrooms = body.needs.min_bedrooms
    household.wanted_communes = list(body.wanted.communes)
    household.wanted_latitude = around.latitude if around else None
    household.wanted_longitude = around.longitude if around else None
    household.wanted_radius_km = around.radius_km if around else None
    household.registered_since = body.registered_since
    household.priority_level = priority_level(body.priority_situations)
    household.updated_at = now
    return {"identity": body.identity.model_dump(mode="json"), "priority_situations": list(body.priority_situations)}


async def flush(session: SessionDep) -> None:
    try:
        await session.flush()
    except StaleDataError as exc:
        raise Problem(412, "the household changed meanwhile: read it again") from exc
    except IntegrityError as exc:
        raise Problem(409, "your association already has a household with this reference", title="Duplicate reference") from exc


@router.post("", status_code=201, summary="Register a household (with its consent to matching)")
async def register(
    body: HouseholdCreate, principal: SocialWorker, session: SessionDep, keys: Keys, response: Response, now: Now, idempotency: Idempotent
) -> HouseholdOut:
    if not principal.org_id:
        raise Problem(403, "a social worker acts for an association: the token has no org_id")
    await idempotency.claim(body)
    refuse_future(
        now,
        consent__consented_at=body.consent.consented_at,
        registered_since=body.registered_since,
        identity__birth_date=body.identity.birth_date,
    )
    household = Household(id=uuid.uuid4(), org_id=principal.org_id, status=HouseholdStatus.SEARCHING.value, created_by=principal.subject)
    key = seal_new(keys, household, apply(household, body, now))
    session.add(household)
    await flush(session)  # the household first (its reference is unique per association), then what refers to it
    session.add_all([key, Consent(household_id=household.id, recorded_by=principal.subject, **body.consent.model_dump())])
    await flush(session)
    response.headers["Location"] = f"/v1/households/{household.id}"
    registered = out(household, response)
    await idempotency.remember(201, registered, response.headers)
    return registered


@router.get("", summary="My association's households (no personal data)")
async def list_households(
    principal: Reader,
    session: SessionDep,
    status: Annotated[HouseholdStatus | None, Query(description="Only this status")] = None,
) -> list[HouseholdOut]:
    statement = scoped(sa.select(Household), principal, org_column=Household.org_id, owner_column=Household.account_subject)
    if status is not None:
        statement = statement.where(Household.status == status.value)
    rows = await session.execute(statement.order_by(Household.registered_since, Household.id))
    return [out(household) for household in rows.scalars()]


@router.get("/{household_id}", summary="One household (no personal data)")
async def read_household(household_id: uuid.UUID, principal: Reader, session: SessionDep, response: Response) -> HouseholdOut:
    return out(await scoped_household(session, household_id, principal), response)


@router.put("/{household_id}", summary="Replace a household's record (If-Match)", responses={412: {"description": "Stale ETag"}})
async def edit_household(
    household_id: uuid.UUID,
    body: HouseholdIn,
    principal: SocialWorker,
    session: SessionDep,
    keys: Keys,
    response: Response,
    now: Now,
    if_match: IfMatch = None,
) -> HouseholdOut:
    household = await scoped_household(session, household_id, principal, for_update=True)
    refuse_future(now, registered_since=body.registered_since, identity__birth_date=body.identity.birth_date)
    if if_match is None:
        raise Problem(428, "send If-Match with the household's ETag, so that a stale edit is refused")
    if if_match.strip() != f'"{household.version}"':
        raise Problem(412, f'the household changed since you read it (now "{household.version}"): read it again')
    if household.erased_at is not None:
        raise Problem(409, "this household's personal data were erased: register it again if it comes back", title="Erased")
    personal = apply(household, body, now)
    await seal_personal(session, keys, household, personal)
    await flush(session)
    return out(household, response)


@router.get(
    "/{household_id}/personal-data",
    summary="Read a household's personal data (logged: who, when, why)",
    responses={410: {"description": "Erased"}},
)
async def personal_data(
    household_id: uuid.UUID,
    purpose: Annotated[AccessPurpose, Query(description="Why you read them (written to the access log)")],
    principal: Reader,
    session: SessionDep,
    keys: Keys,
) -> PersonalDataOut:
    household = await scoped_household(session, household_id, principal)
    if principal.has_role("household") and not principal.has_role("social_worker") and purpose != AccessPurpose.HOUSEHOLD_OWN_REQUEST:
        raise Problem(403, "a household reads its own data with purpose=household_own_request")
    try:
        opened = await read_personal(session, keys, household, principal, purpose.value)
    except Erased as exc:
        raise Problem(410, "this household's personal data were erased", title="Erased") from exc
    return PersonalDataOut(
        household_id=household.id,
        purpose=purpose,
        identity=Identity(**opened["identity"]),
        priority_situations=opened["priority_situations"],
    )


@router.get("/{household_id}/access-log", summary="Who read this household's personal data, when and why")
async def household_access_log(household_id: uuid.UUID, principal: Reader, session: SessionDep) -> list[AccessLogOut]:
    household = await scoped_household(session, household_id, principal)
    rows = await session.execute(sa.select(AccessLogEntry).where(AccessLogEntry.household_id == household.id).order_by(AccessLogEntry.seq))
    return [AccessLogOut.model_validate(entry) for entry in rows.scalars()]


@router.get("/{household_id}/consents", summary="The consents recorded for a household")
async def consents(household_id: uuid.UUID, principal: Reader, session: SessionDep) -> list[ConsentOut]:
    household = await scoped_household(session, household_id, principal)
    rows = await session.execute(sa.select(Consent).where(Consent.household_id == household.id).order_by(Consent.consented_at, Consent.id))
    return [ConsentOut.model_validate(consent) for consent in rows.scalars()]


@router.post("/{household_id}/consents", status_code=201, summary="Record a consent the household gave")
async def record_consent(
    household_id: uuid.UUID, body: ConsentIn, principal: SocialWorker, session: SessionDep, now: Now, idempotency: Idempotent
) -> ConsentOut:
    household = await scoped_household(session, household_id, principal, for_update=True)
    await idempotency.claim(body)
    refuse_future(now, consented_at=body.consented_at)
    consent = Consent(household_id=household.id, recorded_by=principal.subject, **body.model_dump())
    session.add(consent)
    await session.flush()
    recorded = ConsentOut.model_validate(consent)
    await idempotency.remember(201, recorded)
    return recorded


@router.post("/{household_id}/consents/{consent_id}/withdraw", summary="Record that the household withdrew a consent")
async def withdraw_consent(
    household_id: uuid.UUID, consent_id: uuid.UUID, principal: SocialWorker, session: SessionDep, now: Now
) -> ConsentOut:
    household = await scoped_household(session, household_id, principal, for_update=True)
    consent = await session.scalar(sa.select(Consent).where(Consent.id == consent_id, Consent.household_id == household.id))
    if consent is None:
        raise Problem(404, f"consent {consent_id} was not found")
    if consent.withdrawn_at is None:
        consent.withdrawn_at = now
    return ConsentOut.model_validate(consent)


@router.post("/{household_id}/erase", summary="Erase a household's personal data (its key is destroyed) and archive it")
async def erase(
    household_id: uuid.UUID, principal: SocialWorker, session: SessionDep, response: Response, now: Now, idempotency: Idempotent
) -> HouseholdOut:
    household = await scoped_household(session, household_id, principal, for_update=True)
    await idempotency.claim()
    await erase_personal(session, household, now)
    household.status = HouseholdStatus.ARCHIVED.value
    household.updated_at = now
    await flush(session)
    erased = out(household, response)
    await idempotency.remember(200, erased, response.headers)
    return erased
