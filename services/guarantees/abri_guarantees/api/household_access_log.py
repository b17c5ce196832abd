"""Who read the personal data of a household's guarantee files: for the household itself (signed in with
its own account) and for its association, gathered over every file about it."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import Field

from abri_auth.dependencies import require_roles
from abri_auth.principal import Principal
from abri_guarantees.api.file_schemas import AccessLogOut
from abri_guarantees.usecases import access_log
from abri_kit.dependencies import Ctx, PageParams
from abri_kit.pagination import Page

router = APIRouter(prefix="/v1/households", tags=["access log"])
Reader = Annotated[Principal, Depends(require_roles("household", "social_worker"))]


class HouseholdReadOut(AccessLogOut):
    """One read of the personal data of one of the household's guarantee files."""

    file_id: uuid.UUID = Field(description="The guarantee file that was read.")


@router.get(
    "/{household_id}/access-log",
    summary="Who read the personal data of the household's guarantee files (role, organisation), when and why, oldest first, in pages",
)
async def household_access_log(household_id: uuid.UUID, _: Reader, ctx: Ctx, page: PageParams) -> Page[HouseholdReadOut]:
    rows, next_cursor = await access_log.household_access_log(ctx, household_id, page)
    items = [
        HouseholdReadOut(
            id=e.mac, file_id=e.file_id, at=e.at, actor=e.actor, actor_role=e.actor_role, actor_org=e.actor_org, purpose=e.purpose
        )
        for e in rows
    ]
    return Page[HouseholdReadOut](items=items, next_cursor=next_cursor)
