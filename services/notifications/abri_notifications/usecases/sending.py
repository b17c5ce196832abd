"""Sending the deliveries that are due: email, SMS, webhooks (the inbox needs no sending).

A sweep takes due deliveries with SKIP LOCKED (several replicas can send), reads the addresses it needs
from the directory at the batch's start (a person who removed their address or channel is no longer sent
to; one whose key is shredded while the batch goes may still get that batch's message), and sends
through the channel's adapter (``channels/``). A failure is retried with backoff (``domain/delivery.py``)
until it is permanent or attempts run out; then the delivery is ``failed``, visible to ops
(``usecases/deliveries.py``), with a detail that holds no personal data. The emails of a batch share one
SMTP session (``channels/email.py``, :class:`EmailSession`).

At least once: a send that succeeded but whose commit is lost is sent again; the same delivery key goes
as the email's Message-ID, the SMS provider's Idempotency-Key and the webhook's id, so that receivers
can drop the duplicate. ``ctx.now`` is the sweep's instant, on the service's clock: when each delivery
is tried, what its email's Date and its webhook's signed timestamp say.
"""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Sequence

from abri_kit.envelope import Unreadable, WrappedKey
from abri_kit.usecase import Context
from abri_notifications.channels import DeliveryFailed
from abri_notifications.channels.email import EmailSession
from abri_notifications.channels.outbound import Outbound
from abri_notifications.channels.sms import send_sms
from abri_notifications.channels.webhook import DestinationRefusedFailure, send_webhook
from abri_notifications.db.deliveries import Delivery
from abri_notifications.db.directory import Person
from abri_notifications.db.repositories.deliveries import Deliveries
from abri_notifications.db.repositories.people import People
from abri_notifications.db.repositories.webhook_endpoints import WebhookEndpoints
from abri_notifications.directory import NO_CONTACT, Contact, read_contact, read_contacts
from abri_notifications.domain.delivery import ErrorKind, retry_at
from abri_notifications.domain.templates import Channel, Rendered, direction_of

log = logging.getLogger(__name__)


BATCH = 50
"""Deliveries per batch: one transaction, one SMTP session."""


async def send_due(ctx: Context, outbound: Outbound, batch: int = BATCH) -> int:
    """Send up to ``batch`` deliveries due at ``ctx.now``; returns how many were tried."""
    deliveries = await Deliveries.for_system(ctx.uow).due(ctx.now, batch)
    async with Sending(outbound) as way:
        await way.read_directory(ctx, deliveries)
        for delivery in deliveries:
            await send_or_reschedule(ctx, way, delivery)
    return len(deliveries)


class Sending:
    """The ways out for one batch: the outbound channels, one SMTP session its emails share (opened at the
    first email, closed with the batch), and its recipients' entries and addresses, read for the whole
    batch at its start (two reads, not two per delivery)."""

    def __init__(self, outbound: Outbound) -> None:
        self.outbound = outbound
        self.mail = EmailSession(outbound.email) if outbound.email is not None else None
        self.directory: dict[str, tuple[Person, Contact]] | None = None

    async def read_directory(self, ctx: Context, deliveries: Sequence[Delivery]) -> None:
        """The entries and addresses of the batch's recipients (webhooks aside). If that fails (the key
        store, the transit engine), each delivery reads its own as it goes, and fails alone."""
        subjects = {delivery.recipient for delivery in deliveries if delivery.channel != Channel.WEBHOOK.value}
        if not subjects:
            return
        try:
            async with ctx.uow.session.begin_nested():  # a database error here leaves the batch's transaction usable
                people = await People.for_system(ctx.uow).find_many(subjects)
                contacts = await read_contacts(self.outbound.keyring, people)
        except Exception:
            log.warning("the batch's addresses could not be read at once; read one by one", exc_info=True)
            return
        self.directory = {person.subject: (person, contacts[person.subject]) for person in people}

    async def recipient(self, ctx: Context, subject: str) -> tuple[Person | None, Contact]:
        """The recipient's entry (None: gone) and addresses, as read at the batch's start if they were."""
        if self.directory is not None:
            return self.directory.get(subject, (None, NO_CONTACT))
        person = await People.for_system(ctx.uow).find(subject)
        return person, (await read_contact(self.outbound.keyring, person) if person is not None else NO_CONTACT)

    async def __aenter__(self) -> Sending:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self.mail is not None:
            await self.mail.close()


async def send_or_reschedule(ctx: Context, way: Sending, delivery: Delivery) -> None:
    """One attempt at ``delivery``: sent, or scheduled again with backoff, or failed for good."""
    try:
        await attempt(ctx, way, delivery)
    except DeliveryFailed as failure:
        delivery.attempts += 1
        delivery.last_error = failure.detail
        later = retry_at(delivery.attempts, ctx.now, random.random(), failure.permanent)
        if later is None:
            delivery.status = "failed"
            log.warning("delivery %s failed for good: %s", delivery.id, failure.detail)
        else:
            delivery.next_attempt_at = later
    else:
        delivery.status, delivery.sent_at, delivery.attempts = "sent", ctx.now, delivery.attempts + 1


async def attempt(ctx: Context, way: Sending, delivery: Delivery) -> None:
    """One send; anything unexpected is a transient failure of this delivery, never of the sweep."""
    try:
        await send_one(ctx, way, delivery)
    except DeliveryFailed:
        raise
    except Unreadable:
        raise DeliveryFailed(
            delivery.channel, ErrorKind.INVALID_ADDRESS, "the endpoint's secret does not open (key-encryption key?)"
        ) from None
    except Exception as exc:
        log.exception("delivery %s: unexpected failure", delivery.id)
        raise DeliveryFailed(delivery.channel, ErrorKind.CONNECTION, f"unexpected {type(exc).__name__}") from None


async def send_one(ctx: Context, way: Sending, delivery: Delivery) -> None:
    outbound = way.outbound
    channel = Channel(delivery.channel)
    if channel is Channel.WEBHOOK:
        await send_to_endpoint(ctx, outbound, delivery)
        return
    person, contact = await way.recipient(ctx, delivery.recipient)
    if channel is Channel.EMAIL:
        if way.mail is None:
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
        await way.mail.send(contact.email, rendered, message_id=delivery.key, now=ctx.now)
        return
    if outbound.sms is None:
        raise DeliveryFailed(channel, ErrorKind.CONNECTION, "SMS is not configured")
    if person is None or contact.phone is None or "sms" not in person.channels:
        raise DeliveryFailed(channel, ErrorKind.NO_ADDRESS, "the person no longer takes SMS")
    await send_sms(outbound.http, outbound.sms, contact.phone, delivery.text, idempotency_key=delivery.key)


async def send_to_endpoint(ctx: Context, outbound: Outbound, delivery: Delivery) -> None:
    """A signed webhook to the endpoint in use the delivery names, at an address judged now.

    A destination the rule refuses at this attempt (stored before the rule, or its name now resolving
    inside: DNS rebinding) fails the delivery for good and stops the endpoint, with the rule's id and the
    time, which its organisation reads in its list of endpoints and ops in the delivery's error."""
    endpoint = await WebhookEndpoints.for_system(ctx.uow).find(uuid.UUID(delivery.recipient))
    if endpoint is None or not endpoint.active:
        stopped = f"destination refused: {endpoint.refused_rule}" if endpoint is not None and endpoint.refused_rule else "removed"
        raise DeliveryFailed(Channel.WEBHOOK, ErrorKind.INVALID_ADDRESS, f"the endpoint was stopped ({stopped})")
    secret = (await outbound.keyring.unwrap(WrappedKey(endpoint.kek_id, endpoint.wrapped_secret), str(endpoint.id))).decode()
    try:
        await send_webhook(
            outbound.webhooks,
            endpoint.url,
            secret,
            destinations=outbound.destinations,
            message_id=delivery.key,
            event_type=delivery.event_type,
            payload=delivery.payload,
            timestamp=ctx.now,
            occurred_at=delivery.created_at,  # the event's time: the body stays the same on a retry; the signed header is the attempt's
        )
    except DestinationRefusedFailure as refused:
        endpoint.active, endpoint.refused_rule, endpoint.refused_at = False, refused.rule, ctx.now
        log.warning("webhook endpoint %s of %s stopped: %s", endpoint.id, endpoint.org_id, refused.detail)
        raise
