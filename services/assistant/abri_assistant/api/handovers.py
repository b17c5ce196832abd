"""The conversations households handed to my association (social workers): the list, and one read, each
reading written to the access log the household sees."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from abri_assistant.api.schemas import ConversationOut
from abri_assistant.api.state import Keys
from abri_assistant.usecases import conversations
from abri_auth.dependencies import require_roles
from abri_auth.principal import Principal
from abri_kit.dependencies import Ctx, PageParams
from abri_kit.pagination import Page

router = APIRouter(prefix="/v1/handovers", tags=["hand-overs"])
SocialWorker = Annotated[Principal, Depends(require_roles("social_worker"))]


@router.get("", summary="Conversations handed to my association, the oldest hand-over first, in pages (without their messages)")
async def handed(_: SocialWorker, ctx: Ctx, page: PageParams) -> Page[ConversationOut]:
    found, next_cursor = await conversations.handed(ctx, page)
    return Page[ConversationOut](items=[ConversationOut.of(c) for c in found], next_cursor=next_cursor)


@router.get(
    "/{conversation_id}",
    summary="Read a conversation handed to my association (logged in the household's access log)",
    responses={404: {"description": "No such conversation handed to my association"}},
)
async def read_handed(conversation_id: uuid.UUID, _: SocialWorker, ctx: Ctx, keys: Keys) -> ConversationOut:
    return ConversationOut.of(*await conversations.read_handed(ctx, keys, conversation_id))
