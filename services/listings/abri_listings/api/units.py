"""Owner endpoints: create, read, list, edit, publish and withdraw units.

Every query is scoped to the caller (``owner_id`` = the token's subject; ops may read all); another
owner's unit answers 404. State changes take ``If-Match`` with the unit's ETag (its version): a stale
one answers 412, a missing one 428.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Response

from abri_auth.dependencies import require_roles
from abri_auth.principal import Principal
from abri_kit.dependencies import Ctx, PageParams
from abri_kit.idempotency import Idempotent
from abri_kit.pagination import Page
from abri_kit.versions import etag
from abri_listings.api.schemas import UnitDraft, UnitLocation, UnitOut, Withdrawal
from abri_listings.db.models import Unit
from abri_listings.usecases import units
from abri_listings.usecases.publishing import derived_facts

router = APIRouter(prefix="/v1/units", tags=["units"])
Owner = Annotated[Principal, Depends(require_roles("owner"))]
IfMatch = Annotated[str | None, Header(max_length=100, description="The unit's ETag, from a previous read")]


def out(unit: Unit, response: Response) -> UnitOut:
    response.headers["ETag"] = etag(unit.version)
    return unit_out(unit)


def unit_out(unit: Unit) -> UnitOut:
    """The unit with what follows from its facts (overseas, ban date, DPE validity) and its last withdrawal."""
    withdrawal = (
        Withdrawal.model_validate({"reason": unit.withdrawal_reason, "rules": list(unit.withdrawal_rules or []), "at": unit.withdrawn_at})
        if unit.withdrawal_reason is not None and unit.withdrawn_at is not None
        else None
    )
    return UnitOut.model_validate(
        {
            **{name: getattr(unit, name) for name in UnitOut.model_fields if hasattr(unit, name)},
            **derived_facts(unit),
            "withdrawal": withdrawal,
        }
    )


def facts_of(body: UnitDraft) -> dict[str, Any]:
    """The draft's fields as the unit's columns (the host's declaration as JSON, its day a string)."""
    facts = body.model_dump()
    facts["host"] = body.host.model_dump(mode="json") if body.host is not None else None
    return facts


@router.post("", status_code=201, summary="Create a draft unit")
async def create_unit(body: UnitDraft, _: Owner, ctx: Ctx, response: Response, idempotency: Idempotent) -> UnitOut:
    await idempotency.claim(body)
    unit = await units.create_unit(ctx, facts_of(body))
    response.headers["Location"] = f"/v1/units/{unit.id}"
    created = out(unit, response)
    await idempotency.remember(201, created, response.headers)
    return created


@router.get("", summary="My units, with their status (oldest first, in pages)")
async def list_units(_: Owner, ctx: Ctx, page: PageParams) -> Page[UnitOut]:
    rows, next_cursor = await units.list_units(ctx, page)
    return Page[UnitOut](items=[unit_out(unit) for unit in rows], next_cursor=next_cursor)


@router.get("/{unit_id}", summary="One of my units (ops: any unit)")
async def read_unit(unit_id: uuid.UUID, ctx: Ctx, response: Response) -> UnitOut:
    return out(await units.read_unit(ctx, unit_id), response)


@router.get(
    "/{unit_id}/location",
    summary="A unit's exact location: its owner's, or the association's of the placement the owner accepted",
    responses={404: {"description": "Not found, or not yours to locate"}},
)
async def read_location(unit_id: uuid.UUID, ctx: Ctx) -> UnitLocation:
    return UnitLocation.model_validate(await units.read_location(ctx, unit_id))


@router.put(
    "/{unit_id}",
    summary="Edit a draft or published unit (a published one is checked against every rule again)",
    responses={422: {"description": "Invalid, or rules failed"}, 409: {"description": "Not editable"}, 412: {"description": "Stale ETag"}},
)
async def edit_unit(unit_id: uuid.UUID, body: UnitDraft, _: Owner, ctx: Ctx, response: Response, if_match: IfMatch = None) -> UnitOut:
    return out(await units.edit_unit(ctx, unit_id, facts_of(body), if_match), response)


@router.post(
    "/{unit_id}/publish",
    summary="Publish a draft: every rule is checked; a refusal names each failed rule and keeps the draft",
    responses={422: {"description": "Rules failed"}, 409: {"description": "Not a draft"}, 412: {"description": "Stale ETag"}},
)
async def publish_unit(unit_id: uuid.UUID, _: Owner, ctx: Ctx, response: Response, if_match: IfMatch = None) -> UnitOut:
    return out(await units.publish_unit(ctx, unit_id, if_match), response)


@router.post("/{unit_id}/withdraw", summary="Withdraw a draft or published unit", responses={409: {"description": "Not withdrawable"}})
async def withdraw_unit(unit_id: uuid.UUID, _: Owner, ctx: Ctx, response: Response, if_match: IfMatch = None) -> UnitOut:
    return out(await units.withdraw_unit(ctx, unit_id, if_match), response)
