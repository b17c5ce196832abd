"""Owner endpoints for shared homes (a home let room by room) and their rooms.

A room, once added, is a unit like any other for reading, publishing and withdrawing (``/v1/units/{id}``);
its facts change here, with its home's. Every query is scoped to the caller: another owner's home answers 404.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Response

from abri_auth.dependencies import require_roles
from abri_auth.principal import Principal
from abri_kit.dependencies import Ctx, PageParams
from abri_kit.idempotency import Idempotent
from abri_kit.pagination import Page
from abri_kit.versions import etag
from abri_listings.api.schemas import UnitOut
from abri_listings.api.shared_home_schemas import HomeDraft, HomeOut, RoomDraft
from abri_listings.api.units import out as unit_answer
from abri_listings.api.units import unit_out
from abri_listings.db.models import SharedHome
from abri_listings.usecases import shared_homes

router = APIRouter(prefix="/v1/shared-homes", tags=["shared homes"])
Owner = Annotated[Principal, Depends(require_roles("owner"))]
IfMatch = Annotated[str | None, Header(max_length=100, description="The home's (or room's) ETag, from a previous read")]


def home_out(home: SharedHome) -> HomeOut:
    return HomeOut.model_validate(
        {
            **home.facts,
            "id": home.id,
            "version": home.version,
            "created_at": home.created_at,
            "updated_at": home.updated_at,
            "room_units": [unit_out(room) for room in home.rooms],
        }
    )


def answer(home: SharedHome, response: Response) -> HomeOut:
    response.headers["ETag"] = etag(home.version)
    return home_out(home)


@router.post("", status_code=201, summary="Create a shared home (its rooms are added one by one)")
async def create_home(body: HomeDraft, _: Owner, ctx: Ctx, response: Response, idempotency: Idempotent) -> HomeOut:
    await idempotency.claim(body)
    home = await shared_homes.create_home(ctx, body.model_dump(mode="json"))
    response.headers["Location"] = f"/v1/shared-homes/{home.id}"
    created = answer(home, response)
    await idempotency.remember(201, created, response.headers)
    return created


@router.get("", summary="My shared homes, with their rooms (oldest first, in pages)")
async def list_homes(_: Owner, ctx: Ctx, page: PageParams) -> Page[HomeOut]:
    rows, next_cursor = await shared_homes.list_homes(ctx, page)
    return Page[HomeOut](items=[home_out(home) for home in rows], next_cursor=next_cursor)


@router.get("/{home_id}", summary="One of my shared homes, with its rooms (ops: any)")
async def read_home(home_id: uuid.UUID, ctx: Ctx, response: Response) -> HomeOut:
    return answer(await shared_homes.read_home(ctx, home_id), response)


@router.put(
    "/{home_id}",
    summary="Edit a shared home: its rooms take its new facts (refused while a room is reserved or let)",
    responses={422: {"description": "Invalid, or a published room would fail a rule"}, 409: {"description": "A room is held"}},
)
async def edit_home(home_id: uuid.UUID, body: HomeDraft, _: Owner, ctx: Ctx, response: Response, if_match: IfMatch = None) -> HomeOut:
    return answer(await shared_homes.edit_home(ctx, home_id, body.model_dump(mode="json"), if_match), response)


@router.post("/{home_id}/rooms", status_code=201, summary="Add a draft room to a shared home (published like any unit)")
async def add_room(home_id: uuid.UUID, body: RoomDraft, _: Owner, ctx: Ctx, response: Response, idempotency: Idempotent) -> UnitOut:
    await idempotency.claim(body)
    room = await shared_homes.add_room(ctx, home_id, body.model_dump())
    response.headers["Location"] = f"/v1/units/{room.id}"
    created = unit_answer(room, response)
    await idempotency.remember(201, created, response.headers)
    return created


@router.put(
    "/{home_id}/rooms/{unit_id}",
    summary="Edit a draft or published room of a shared home (a published one is checked against every rule again)",
    responses={422: {"description": "Invalid, or rules failed"}, 409: {"description": "Not editable"}, 412: {"description": "Stale ETag"}},
)
async def edit_room(
    home_id: uuid.UUID, unit_id: uuid.UUID, body: RoomDraft, _: Owner, ctx: Ctx, response: Response, if_match: IfMatch = None
) -> UnitOut:
    return unit_answer(await shared_homes.edit_room(ctx, home_id, unit_id, body.model_dump(), if_match), response)
