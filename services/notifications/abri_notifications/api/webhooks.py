"""My organisation's webhook endpoints: where its partner system receives the events addressed to it,
signed (Standard Webhooks). The secret is shown once, at creation, and kept only wrapped by the
service's key-encryption key."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field

from abri_auth.dependencies import require_roles
from abri_auth.principal import Principal
from abri_kit.dependencies import Ctx, PageParams
from abri_kit.idempotency import REPLAYED_HEADER, Idempotent, Replayed
from abri_kit.input import Input
from abri_kit.pagination import Page
from abri_notifications.api.keys import Keys
from abri_notifications.channels.destinations import Destinations
from abri_notifications.db.models import WebhookEndpoint
from abri_notifications.usecases import webhooks

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])
Member = Annotated[Principal, Depends(require_roles("social_worker", "fund_agent", "partner"))]


class EndpointIn(Input):
    url: str = Field(
        max_length=2000,
        description=(
            "https:// to a public Internet address, port 443 (unless the deployment allows another): its name is resolved, "
            "and refused (422, coded) when any address is loopback, private, link-local, metadata or reserved, or the name is "
            "internal (single label, .svc, .cluster.local, .internal, .local...); judged again at each delivery"
        ),
    )


class EndpointOut(BaseModel):
    id: uuid.UUID
    url: str
    active: bool
    created_at: datetime
    refused_rule: str | None = Field(
        default=None,
        description="Set when the service stopped the endpoint: its destination was refused at a delivery (destination_private...)",
    )
    refused_at: datetime | None = Field(default=None, description="When the service stopped it")


class CreatedEndpoint(EndpointOut):
    secret: str = Field(description="whsec_...: shown once (and to a retry of the same request); verify each delivery's signature with it")


def destinations(request: Request) -> Destinations:
    """Where webhooks may go, with the app's resolver (``main.py``)."""
    held: Destinations = request.app.state.webhook_destinations
    return held


Where = Annotated[Destinations, Depends(destinations)]


def out(endpoint: WebhookEndpoint) -> EndpointOut:
    return EndpointOut.model_validate(endpoint, from_attributes=True)


def created(endpoint: WebhookEndpoint, secret: str) -> CreatedEndpoint:
    return CreatedEndpoint(id=endpoint.id, url=endpoint.url, active=True, created_at=endpoint.created_at, secret=secret)


@router.get("", summary="My organisation's webhook endpoints, oldest first (in pages)")
async def list_endpoints(_: Member, ctx: Ctx, page: PageParams) -> Page[EndpointOut]:
    rows, next_cursor = await webhooks.list_endpoints(ctx, page)
    return Page[EndpointOut](items=[out(endpoint) for endpoint in rows], next_cursor=next_cursor)


@router.post(
    "",
    status_code=201,
    summary="Add a webhook endpoint (its secret is shown once)",
    responses={422: {"description": "The destination is refused: `errors[].rule` says why (destination_private, destination_port...)"}},
)
async def create_endpoint(
    body: EndpointIn,
    _: Member,
    ctx: Ctx,
    keyring: Keys,
    where: Where,
    idempotency: Idempotent,
    response: Response,
) -> CreatedEndpoint:
    webhooks.organisation_of(ctx)
    try:
        await idempotency.claim(body)
    except Replayed as replay:  # the first answer was lost: give its secret again, unwrapped from the endpoint
        first = json.loads(bytes(replay.response.body))
        endpoint, secret = await webhooks.added_before(ctx, keyring, uuid.UUID(first["id"]))
        response.headers[REPLAYED_HEADER] = "true"
        return created(endpoint, secret)
    answer = created(*await webhooks.add_endpoint(ctx, keyring, where, body.url))
    await idempotency.remember(201, answer, secret_fields=("secret",))  # never stored: a replay unwraps it again
    return answer


@router.delete("/{endpoint_id}", status_code=204, summary="Stop sending to a webhook endpoint")
async def delete_endpoint(endpoint_id: uuid.UUID, _: Member, ctx: Ctx) -> Response:
    await webhooks.stop_endpoint(ctx, endpoint_id)
    return Response(status_code=204)
