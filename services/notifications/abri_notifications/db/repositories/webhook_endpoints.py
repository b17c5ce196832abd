"""Organisations' webhook endpoints: an association's, a fund's or a partner's members reach only their
organisation's (``org_id`` = their token's); the dispatcher and the sender reach them for the service."""

from __future__ import annotations

import sqlalchemy as sa

from abri_kit.pagination import PageRequest
from abri_kit.repository import ScopedRepository
from abri_notifications.db.directory import WebhookEndpoint


class WebhookEndpoints(ScopedRepository[WebhookEndpoint]):
    model = WebhookEndpoint
    org_column = "org_id"
    kind = "webhook endpoint"

    async def page_by_creation(self, request: PageRequest) -> tuple[list[WebhookEndpoint], str | None]:
        """The caller's organisation's endpoints, removed ones included (``active`` false), oldest first."""
        return await self.page(request, (WebhookEndpoint.created_at, WebhookEndpoint.id))

    async def active_count(self) -> int:
        """How many endpoints the caller's organisation has in use."""
        active = sa.select(sa.func.count()).select_from(WebhookEndpoint).where(WebhookEndpoint.active)
        return int(await self.session.scalar(self.where_visible(active)) or 0)

    async def active_of(self, org_id: str) -> list[WebhookEndpoint]:
        """The endpoints in use of organisation ``org_id``, oldest first."""
        endpoints = self.select().where(WebhookEndpoint.org_id == org_id, WebhookEndpoint.active)
        return list((await self.session.scalars(endpoints.order_by(WebhookEndpoint.created_at, WebhookEndpoint.id))).all())
