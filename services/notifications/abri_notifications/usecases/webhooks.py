"""An organisation's webhook endpoints: its members list them, add one (its secret is shown once, and kept
only wrapped by the service's key-encryption key) and stop one. Another organisation's endpoint is 404.

An endpoint is added only when its destination passes the rule (``domain/destinations.py``), its name
resolved now: a coded 422 (``destination_private``, ``destination_port``...) otherwise, nothing added. The
sender judges it again at each delivery and stops it when refused (``sending.py``)."""

from __future__ import annotations

import uuid

from abri_auth.scoping import NotFound
from abri_kit.envelope import KeyEncryption, WrappedKey
from abri_kit.errors import Conflict, NotAllowed, Refused
from abri_kit.pagination import PageRequest
from abri_kit.usecase import Context
from abri_notifications.channels.destinations import DestinationRefused, Destinations
from abri_notifications.channels.webhook import new_webhook_secret
from abri_notifications.db.directory import WebhookEndpoint
from abri_notifications.db.repositories.webhook_endpoints import WebhookEndpoints

MAX_ENDPOINTS = 10
"""Endpoints in use an organisation may have at once."""


def organisation_of(ctx: Context) -> str:
    """The caller's organisation; 403 without one (webhooks belong to an organisation)."""
    if not ctx.principal.org_id:
        raise NotAllowed("webhooks belong to an organisation: the token has no org_id")
    return ctx.principal.org_id


async def list_endpoints(ctx: Context, page: PageRequest) -> tuple[list[WebhookEndpoint], str | None]:
    """One page of the caller's organisation's endpoints, oldest first (stopped ones included)."""
    organisation_of(ctx)
    return await WebhookEndpoints.of(ctx).page_by_creation(page)


async def add_endpoint(ctx: Context, keyring: KeyEncryption, destinations: Destinations, url: str) -> tuple[WebhookEndpoint, str]:
    """A new endpoint of the caller's organisation at ``url``, and its secret (to show once); 409 when the
    organisation has :data:`MAX_ENDPOINTS` in use; 422 (coded) when ``destinations`` refuses ``url``."""
    org_id = organisation_of(ctx)
    endpoints = WebhookEndpoints.of(ctx)
    if await endpoints.active_count() >= MAX_ENDPOINTS:
        raise Conflict(f"an organisation has at most {MAX_ENDPOINTS} active endpoints", title="Too many endpoints")
    try:
        await destinations.check(url)
    except DestinationRefused as refused:
        raise Refused(f"{refused.message}; nothing was added", title="Webhook destination refused", errors=[refused.coded()]) from None
    endpoint_id, secret = uuid.uuid4(), new_webhook_secret()
    wrapped = await keyring.wrap(secret.encode(), str(endpoint_id))
    endpoint = endpoints.add(
        WebhookEndpoint(
            id=endpoint_id,
            org_id=org_id,
            url=url,
            kek_id=wrapped.kek_id,
            wrapped_secret=wrapped.blob,
            active=True,
            created_by=ctx.principal.subject,
            created_at=ctx.now,
        )
    )
    await ctx.uow.flush("the endpoint")
    return endpoint, secret


async def added_before(ctx: Context, keyring: KeyEncryption, endpoint_id: uuid.UUID) -> tuple[WebhookEndpoint, str]:
    """The endpoint a replayed request added, and its secret unwrapped again (the first answer was lost);
    409 if it was stopped since."""
    organisation_of(ctx)
    endpoint = await WebhookEndpoints.of(ctx).find(endpoint_id)
    if endpoint is None or not endpoint.active:
        raise Conflict("the endpoint this request created was removed since: use a new key", title="Removed")
    return endpoint, (await keyring.unwrap(WrappedKey(endpoint.kek_id, endpoint.wrapped_secret), str(endpoint.id))).decode()


async def stop_endpoint(ctx: Context, endpoint_id: uuid.UUID) -> None:
    """Never send to one of the organisation's endpoints again (it is kept for the deliveries that name
    it); 404 if it is another's, or stopped already."""
    organisation_of(ctx)
    endpoint = await WebhookEndpoints.of(ctx).get(endpoint_id, for_update=True)
    if not endpoint.active:
        raise NotFound(WebhookEndpoints.kind, endpoint_id)
    endpoint.active = False
