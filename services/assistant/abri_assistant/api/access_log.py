"""Who other than me read my conversations (a social worker of my association, after I handed one over),
when and why."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from abri_assistant.usecases import access_log
from abri_kit.dependencies import Ctx, PageParams
from abri_kit.pagination import Page

router = APIRouter(prefix="/v1/me", tags=["access log"])


class AccessLogOut(BaseModel):
    id: str = Field(description="The entry's MAC in the access log's chain (it names the entry, and counts nothing).")
    at: datetime
    actor: str = Field(description="The reader's subject (an opaque id).")
    actor_role: str | None
    actor_org: str | None
    purpose: str = Field(description="Why, a code (`handover`).")


@router.get("/access-log", summary="Who other than me read my conversations, when and why (oldest first, in pages)")
async def my_access_log(ctx: Ctx, page: PageParams) -> Page[AccessLogOut]:
    rows, next_cursor = await access_log.my_access_log(ctx, page)
    items = [
        AccessLogOut(id=r.mac, at=r.at, actor=r.actor, actor_role=r.actor_role, actor_org=r.actor_org, purpose=r.purpose) for r in rows
    ]
    return Page[AccessLogOut](items=items, next_cursor=next_cursor)
