"""My organisation's webhook endpoints: where its partner system receives the events addressed to it,
signed (Standard Webhooks). The secret is shown once, at creation, and kept only wrapped by the
service's key-encryption key."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Annotated
from urllib.parse import urlsplit

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field, field_validator

from abri_auth.dependencies import require_roles
from abri_auth.principal import Principal
from abri_kit.clock import Now
from abri_kit.db import SessionDep
from abri_kit.envelope import Keyring, WrappedKey
from abri_kit.idempotency import REPLAYED_HEADER, Idempotent, Replayed
from abri_kit.input import Input
from abri_kit.problems import Problem
from abri_notifications.channels.webhook import new_webhook_secret
from abri_notifications.db.directory import WebhookEndpoint

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])
Member = Annotated[Principal, Depends(require_roles("social_worker", "fund_agent", "partner"))]
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
MAX_ENDPOINTS = 10


class EndpointIn(Input):
    url: str = Field(max_length=2000, description="https:// (http:// only to this machine, for development)")

    @field_validator("url")
    @classmethod
    def _https(cls, url: str) -> str:
        parts = urlsplit(url)
        if not parts.hostname or parts.username or parts.password:
            raise ValueError("a URL with a host and no credentials")
        if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in LOCAL_HOSTS):
            raise ValueError("webhooks go to https:// endpoints")
        return url


class EndpointOut(BaseModel):
    id: uuid.UUID
    url: str
    active: bool
    created_at: datetime


class CreatedEndpoint(EndpointOut):
    secret: str = Field(description="whsec_...: shown once (and to a retry of the same request); verify each delivery's signature with it")


def keyring_of(request: Request) -> Keyring:
    keyring: Keyring = request.app.state.keyring
    return keyring


def member_org(principal: Principal) -> str:
    if not principal.org_id:
        raise Problem(403, "webhooks belong to an organisation: the token has no org_id")
    return principal.org_id


@router.get("", summary="My organisation's webhook endpoints")
async def list_endpoints(principal: Member, session: SessionDep) -> list[EndpointOut]:
    rows = await session.execute(
        sa.select(WebhookEndpoint).where(WebhookEndpoint.org_id == member_org(principal)).order_by(WebhookEndpoint.created_at)
    )
    return [EndpointOut.model_validate(endpoint, from_attributes=True) for endpoint in rows.scalars()]


@router.post("", status_code=201, summary="Add a webhook endpoint (its secret is shown once)")
async def create_endpoint(
    body: EndpointIn,
    principal: Member,
    session: SessionDep,
    keyring: Annotated[Keyring, Depends(keyring_of)],
    now: Now,
    idempotency: Idempotent,
    response: Response,
) -> CreatedEndpoint:
    org_id = member_org(principal)
    try:
        await idempotency.claim(body)
    except Replayed as replay:  # the first answer was lost: give its secret again, unwrapped from the endpoint
        first = json.loads(bytes(replay.response.body))
        endpoint = await session.get(WebhookEndpoint, uuid.UUID(first["id"]))
        if endpoint is None or endpoint.org_id != org_id or not endpoint.active:
            raise Problem(409, "the endpoint this request created was removed since: use a new key", title="Removed") from None
        response.headers[REPLAYED_HEADER] = "true"
        secret = keyring.unwrap(WrappedKey(endpoint.kek_id, endpoint.wrapped_secret), str(endpoint.id)).decode()
        return CreatedEndpoint(id=endpoint.id, url=endpoint.url, active=True, created_at=endpoint.created_at, secret=secret)
    count = await session.scalar(sa.select(sa.func.count()).where(WebhookEndpoint.org_id == org_id, WebhookEndpoint.active))
    if (count or 0) >= MAX_ENDPOINTS:
        raise Problem(409, f"an organisation has at most {MAX_ENDPOINTS} active endpoints", title="Too many endpoints")
    endpoint_id, secret = uuid.uuid4(), new_webhook_secret()
    wrapped = keyring.wrap(secret.encode(), str(endpoint_id))
    endpoint = WebhookEndpoint(
        id=endpoint_id,
        org_id=org_id,
        url=body.url,
        kek_id=wrapped.kek_id,
        wrapped_secret=wrapped.blob,
        active=True,
        created_by=principal.subject,
        created_at=now,
    )
    session.add(endpoint)
    await session.flush()
    created = CreatedEndpoint(id=endpoint.id, url=endpoint.url, active=True, created_at=endpoint.created_at, secret=secret)
    await idempotency.remember(201, created, secret_fields=("secret",))  # never stored: a replay unwraps it again
    return created


@router.delete("/{endpoint_id}", status_code=204, summary="Stop sending to a webhook endpoint")
async def delete_endpoint(endpoint_id: uuid.UUID, principal: Member, session: SessionDep) -> Response:
    endpoint = await session.get(WebhookEndpoint, endpoint_id, with_for_update=True)
    if endpoint is None or endpoint.org_id != member_org(principal) or not endpoint.active:
        raise Problem(404, f"webhook endpoint {endpoint_id} not found")
    endpoint.active = False  # kept for the deliveries that name it; never sent to again
    return Response(status_code=204)
