"""Owner endpoints: create, read, list, edit, publish and withdraw units.

Every query is scoped to the caller (``owner_id`` = the token's subject; ops may read all); another
owner's unit answers 404. State changes take ``If-Match`` with the unit's ETag (its version): a stale
one answers 412, a missing one 428.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Header, Response
from sqlalchemy.orm.exc import StaleDataError

from abri_auth.dependencies import CurrentPrincipal, require_roles
from abri_auth.principal import Principal
from abri_auth.scoping import get_scoped, scoped
from abri_bus.outbox import publish as publish_event
from abri_contracts.listings import UnitPublished, UnitUpdated
from abri_kit.clock import Now, day_in_france
from abri_kit.db import SessionDep
from abri_kit.idempotency import Idempotent
from abri_kit.problems import Problem
from abri_listings.api.schemas import RuleFailureOut, UnitDraft, UnitOut
from abri_listings.db.models import Unit
from abri_listings.domain.lifecycle import InvalidTransition, Transition, UnitStatus, next_status
from abri_listings.events.snapshot import unit_event, withdrawn_event
from abri_listings.publishing import failed_rules

router = APIRouter(prefix="/v1/units", tags=["units"])
Owner = Annotated[Principal, Depends(require_roles("owner"))]
IfMatch = Annotated[str | None, Header(max_length=100, description="The unit's ETag, from a previous read")]


def etag(unit: Unit) -> str:
    """The unit's ETag: its version."""
    return f'"{unit.version}"'


def out(unit: Unit, response: Response) -> UnitOut:
    response.headers["ETag"] = etag(unit)
    return UnitOut.model_validate(unit)


async def owned(session: SessionDep, unit_id: uuid.UUID, principal: Principal, *, for_update: bool = False) -> Unit:
    return await get_scoped(session, Unit, unit_id, principal, owner_attr="owner_id", ops_reads_all=not for_update, for_update=for_update)


def check_version(unit: Unit, if_match: str | None) -> None:
    if if_match is None:
        raise Problem(428, "send If-Match with the unit's ETag, so that a stale edit is refused")
    if if_match.strip() != etag(unit):
        raise Problem(412, f"the unit changed since you read it (now {etag(unit)}): read it again")


@router.post("", status_code=201, summary="Create a draft unit")
async def create_unit(
    body: UnitDraft, principal: Owner, session: SessionDep, response: Response, now: Now, idempotency: Idempotent
) -> UnitOut:
    await idempotency.claim(body)
    unit = Unit(
        id=uuid.uuid4(), owner_id=principal.subject, status=UnitStatus.DRAFT.value, created_at=now, updated_at=now, **body.model_dump()
    )
    session.add(unit)
    await session.flush()
    response.headers["Location"] = f"/v1/units/{unit.id}"
    created = out(unit, response)
    await idempotency.remember(201, created, response.headers)
    return created


@router.get("", summary="My units, with their status")
async def list_units(principal: Owner, session: SessionDep) -> list[UnitOut]:
    rows = await session.execute(scoped(sa.select(Unit), principal, owner_column=Unit.owner_id).order_by(Unit.created_at, Unit.id))
    return [UnitOut.model_validate(unit) for unit in rows.scalars()]


@router.get("/{unit_id}", summary="One of my units (ops: any unit)")
async def read_unit(unit_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep, response: Response) -> UnitOut:
    return out(await owned(session, unit_id, principal), response)


@router.put(
    "/{unit_id}",
    summary="Edit a draft or published unit (a published one is checked against every rule again)",
    responses={422: {"description": "Invalid, or rules failed"}, 409: {"description": "Not editable"}, 412: {"description": "Stale ETag"}},
)
async def edit_unit(
    unit_id: uuid.UUID, body: UnitDraft, principal: Owner, session: SessionDep, response: Response, now: Now, if_match: IfMatch = None
) -> UnitOut:
    unit = await owned(session, unit_id, principal, for_update=True)
    check_version(unit, if_match)
    if unit.status not in (UnitStatus.DRAFT.value, UnitStatus.PUBLISHED.value):
        raise Problem(409, f"a {unit.status} unit cannot be edited", title="Not allowed in this state")
    for name, value in body.model_dump().items():
        setattr(unit, name, value)
    if unit.status == UnitStatus.PUBLISHED.value:
        refuse_if_not_publishable(unit, now)
    await flush(session, unit, now)
    if unit.status == UnitStatus.PUBLISHED.value:
        await publish_event(session, unit_event(UnitUpdated, unit))
    return out(unit, response)


def refuse_if_not_publishable(unit: Unit, now: datetime) -> None:
    """422 naming every failed rule on today's date in France (the caller's transaction rolls back: nothing changes)."""
    failures = failed_rules(unit, day_in_france(now))
    if failures:
        raise Problem(
            422,
            f"{len(failures)} publishing rule(s) failed; nothing was changed",
            title="Not publishable",
            errors=[RuleFailureOut(rule=f.rule, fields=list(f.fields), message=f.message).model_dump() for f in failures],
        )


@router.post(
    "/{unit_id}/publish",
    summary="Publish a draft: every rule is checked; a refusal names each failed rule and keeps the draft",
    responses={422: {"description": "Rules failed"}, 409: {"description": "Not a draft"}, 412: {"description": "Stale ETag"}},
)
async def publish_unit(
    unit_id: uuid.UUID, principal: Owner, session: SessionDep, response: Response, now: Now, if_match: IfMatch = None
) -> UnitOut:
    unit = await owned(session, unit_id, principal, for_update=True)
    check_version(unit, if_match)
    status = transition(unit, Transition.PUBLISH)
    refuse_if_not_publishable(unit, now)
    unit.status = status.value
    unit.published_at = now
    await flush(session, unit, now)
    await publish_event(session, unit_event(UnitPublished, unit))
    return out(unit, response)


@router.post("/{unit_id}/withdraw", summary="Withdraw a draft or published unit", responses={409: {"description": "Not withdrawable"}})
async def withdraw_unit(
    unit_id: uuid.UUID, principal: Owner, session: SessionDep, response: Response, now: Now, if_match: IfMatch = None
) -> UnitOut:
    unit = await owned(session, unit_id, principal, for_update=True)
    check_version(unit, if_match)
    was_published = unit.status == UnitStatus.PUBLISHED.value
    unit.status = transition(unit, Transition.WITHDRAW).value
    await flush(session, unit, now)
    if was_published:
        await publish_event(session, withdrawn_event(unit, now))
    return out(unit, response)


def transition(unit: Unit, move: Transition) -> UnitStatus:
    try:
        return next_status(UnitStatus(unit.status), move)
    except InvalidTransition as exc:
        raise Problem(409, str(exc), title="Not allowed in this state") from exc


async def flush(session: SessionDep, unit: Unit, now: datetime) -> None:
    """Write the change (the version column bumps); 412 if another request changed the unit meanwhile."""
    unit.updated_at = now
    try:
        await session.flush()
    except StaleDataError as exc:
        raise Problem(412, "the unit changed meanwhile: read it again") from exc
