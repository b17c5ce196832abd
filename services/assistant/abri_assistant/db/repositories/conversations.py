"""The conversations as their readers may see them: a person their own (``subject``), a social worker those
handed to its association (``handover_org_id``, and only once handed over)."""

from __future__ import annotations

import sqlalchemy as sa

from abri_assistant.db.models import Conversation
from abri_auth.scoping import ORG_WIDE_ROLES
from abri_kit.pagination import PageRequest
from abri_kit.repository import ScopedRepository


class MyConversations(ScopedRepository[Conversation]):
    """The caller's own conversations (whatever its role)."""

    model = Conversation
    owner_column = "subject"
    kind = "conversation"

    async def page_of_mine(self, request: PageRequest) -> tuple[list[Conversation], str | None]:
        rows, next_cursor = await self.page(request, (Conversation.started_at, Conversation.id))
        return list(rows), next_cursor


class HandedConversations(ScopedRepository[Conversation]):
    """The conversations handed to the caller's association (its social workers'); nothing for anyone else."""

    model = Conversation
    org_column = "handover_org_id"
    org_roles = frozenset({"social_worker"}) & ORG_WIDE_ROLES
    kind = "conversation"

    def _filter(self, *, writing: bool) -> sa.ColumnElement[bool]:
        return sa.and_(super()._filter(writing=writing), Conversation.handover_requested_at.is_not(None))

    async def page_of_handed(self, request: PageRequest) -> tuple[list[Conversation], str | None]:
        rows, next_cursor = await self.page(request, (Conversation.handover_requested_at, Conversation.id))
        return list(rows), next_cursor
