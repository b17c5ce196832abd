"""Sending the deliveries that are due: email, SMS, webhooks (the inbox needs no sending).

A sweep takes due deliveries with SKIP LOCKED (several replicas can send), reads the address it needs
from the directory at that moment (a person who removed their address or channel is no longer sent
to), and sends through the channel's adapter. A failure is retried with backoff (``domain/delivery.py``)
until it is permanent or attempts run out; then the delivery is ``failed``, visible to ops
(``api/ops.py``), with a detail that holds no personal data.

At least once: a send that succeeded but whose commit is lost is sent again; the same delivery key goes
as the email's Message-ID, the SMS provider's Idempotency-Key and the webhook's id, so that receivers
can drop the duplicate.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime

import httpx
import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from abri_kit.envelope import Keyring, Unreadable, WrappedKey
from abri_kit.periodic import periodic
from abri_notifications.channels import DeliveryFailed
from abri_notifications.channels.email import EmailSettings, send_email
from abri_notifications.channels.sms import SmsSettings, send_sms
from abri_notifications.channels.webhook import send_webhook
from abri_notifications.db.deliveries import Delivery
from abri_notifications.db.directory import Person, WebhookEndpoint
from abri_notifications.directory import Contact, read_contact
from abri_notifications.domain.delivery import ErrorKind, retry_at
from abri_notifications.domain.templates import Channel, Rendered, direction_of

log = logging.getLogger(__name__)


class Outbound:
    """What sending needs: the channels' settings (a channel without settings is not configured), an
    HTTP client for SMS and webhooks, the keyring of webhook secrets."""

    def __init__(self, email: EmailSettings | None, sms: SmsSettings | None, keyring: Keyring, http: httpx.AsyncClient) -> None:
        self.email, self.sms, self.keyring, self.http = email, sms, keyring, http


async def send_due(sessionmaker: async_sessionmaker[AsyncSession], outbound: Outbound, now: datetime, batch: int = 50) -> int:
    """Send the deliveries due at ``now``; returns how many were tried."""
    async with sessionmaker() as session, session.begin():
        due = await session.execute(
            sa.select(Delivery)
            .where(Delivery.status == "pending", Delivery.next_attempt_at <= now)
            .order_by(Delivery.next_attempt_at)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
        deliveries = list(due.scalars())
        for delivery in deliveries:
            try:
                await attempt(session, outbound, delivery)
            except DeliveryFailed as failure:
                delivery.attempts += 1
                delivery.last_error = failure.detail
                later = retry_at(delivery.attempts, now, random.random(), failure.permanent)
                if later is None:
                    delivery.status = "failed"
                    log.warning("delivery %s failed for good: %s", delivery.id, failure.detail)
                else:
                    delivery.next_attempt_at = later
            else:
                delivery.status, delivery.sent_at, delivery.attempts = "sent", now, delivery.attempts + 1
    return len(deliveries)


async def attempt(session: AsyncSession, outbound: Outbound, delivery: Delivery) -> None:
    """One send; anything unexpected is a transient failure of this delivery, never of the sweep."""
    try:
        await send_one(session, outbound, delivery)
    except DeliveryFailed:
        raise
    except Unreadable:
        raise DeliveryFailed(
            delivery.channel, ErrorKind.INVALID_ADDRESS, "the endpoint's secret does not open (key-encryption key?)"
        ) from None
    except Exception as exc:
        log.exception("delivery %s: unexpected failure", delivery.id)
        raise DeliveryFailed(delivery.channel, ErrorKind.CONNECTION, f"unexpected {type(exc).__name__}") from None


async def send_one(session: AsyncSession, outbound: Outbound, delivery: Delivery) -> None:
    channel = Channel(delivery.channel)
    if channel is Channel.WEBHOOK:
        endpoint = await session.get(WebhookEndpoint, delivery.recipient)
        if endpoint is None or not endpoint.active:
            raise DeliveryFailed(channel, ErrorKind.INVALID_ADDRESS, "the endpoint was removed")
        secret = outbound.keyring.unwrap(WrappedKey(endpoint.kek_id, endpoint.wrapped_secret), str(endpoint.id)).decode()
        await send_webhook(
            outbound.http,
            endpoint.url,
            secret,
            message_id=delivery.key,
            event_type=delivery.event_type,
            payload=delivery.payload,
            timestamp=datetime.now(UTC),
            occurred_at=delivery.created_at,  # the body stays the same on a retry; the signed header is the attempt's
        )
        return
    person = await session.get(Person, delivery.recipient)
    contact = read_contact(outbound.keyring, person) if person is not None else Contact(None, None)
    if channel is Channel.EMAIL:
        if outbound.email is None:
            raise DeliveryFailed(channel, ErrorKind.CONNECTION, "email is not configured")
        if person is None or contact.email is None or "email" not in person.channels:
            raise DeliveryFailed(channel, ErrorKind.NO_ADDRESS, "the person no longer takes email")
        rendered = Rendered(
            subject=delivery.subject,
            text=delivery.text,
            html=delivery.html,
            sms=None,
            direction=direction_of(delivery.language),
            language=delivery.language,
        )
        await send_email(outbound.email, contact.email, rendered, message_id=delivery.key)
        return
    if outbound.sms is None:
        raise DeliveryFailed(channel, ErrorKind.CONNECTION, "SMS is not configured")
    if person is None or contact.phone is None or "sms" not in person.channels:
        raise DeliveryFailed(channel, ErrorKind.NO_ADDRESS, "the person no longer takes SMS")
    await send_sms(outbound.http, outbound.sms, contact.phone, delivery.text, idempotency_key=delivery.key)


def sender(every_s: float) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    async def sweep(app: FastAPI) -> int:
        return await send_due(app.state.sessionmaker, app.state.outbound, app.state.clock())

    return periodic("notifications-sender", every_s, sweep, "%d deliveries tried")
