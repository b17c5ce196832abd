"""Who other than a person read their personal data held here (a household's export by its association),
when and why: for the person signed in (``/v1/me/access-log``, whatever its role) and for a household
or its association (``/v1/households/{id}/access-log``, scoped as the export is: anyone else 404)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from abri_auth.dependencies import require_roles
from abri_auth.principal import Principal
from abri_kit.dependencies import Ctx, PageParams
from abri_kit.pagination import Page
from abri_notifications.db.access_log import PersonAccessLogEntry
from abri_notifications.usecases import access_log

me = APIRouter(prefix="/v1/me", tags=["access log"])
households = APIRouter(prefix="/v1/households", tags=["access log"])
Reader = Annotated[Principal, Depends(require_roles("social_worker", "household"))]


class AccessLogOut(BaseModel):
    """One read of a person's personal data by someone else: who (subject, role, organisation), when, why."""

    id: str = Field(description="The entry's MAC in the access log's chain (it names the entry, and counts nothing).")
    at: datetime
    actor: str = Field(description="The reader's subject (an opaque id).")
    actor_role: str | None = Field(description="The role the reader read in (`social_worker`, `ops`...).")
    actor_org: str | None = Field(description="The reader's organisation, if any.")
    purpose: str = Field(description="Why, a code (`export`).")


def page_of(rows: list[PersonAccessLogEntry], next_cursor: str | None) -> Page[AccessLogOut]:
    items = [
        AccessLogOut(id=row.mac, at=row.at, actor=row.actor, actor_role=row.actor_role, actor_org=row.actor_org, purpose=row.purpose)
        for row in rows
    ]
    return Page[AccessLogOut](items=items, next_cursor=next_cursor)


@me.get("/access-log", summary="Who other than me read my personal data here, when and why (oldest first, in pages)")
async def my_access_log(ctx: Ctx, page: PageParams) -> Page[AccessLogOut]:
    return page_of(*await access_log.my_access_log(ctx, page))


@households.get(
    "/{household_id}/access-log",
    summary="Who other than the household read the data held under its account, when and why (the household or its association)",
)
async def household_access_log(household_id: uuid.UUID, _: Reader, ctx: Ctx, page: PageParams) -> Page[AccessLogOut]:
    return page_of(*await access_log.household_access_log(ctx, household_id, page))
