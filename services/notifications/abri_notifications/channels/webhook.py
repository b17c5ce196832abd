"""Webhooks to partner systems, per Standard Webhooks (https://www.standardwebhooks.com).

A webhook is a ``POST`` of ``{"type": <event type>, "timestamp": <ISO 8601, UTC>, "data": {...}}`` with:

- ``webhook-id``: the message id, the same on every attempt of one delivery (the partner's
  deduplication key: a retried webhook is the same message);
- ``webhook-timestamp``: the attempt's time, in Unix seconds;
- ``webhook-signature``: ``v1,<base64 HMAC-SHA256 of "id.timestamp.body">`` with the endpoint's secret
  (``whsec_<base64>``), computed by the ``standardwebhooks`` library.

The signature covers id, timestamp and body: a receiver that checks it and refuses timestamps more than
:data:`TOLERANCE` away from its clock (:func:`verify_webhook` does both) cannot be fed an old message
again (replay protection) nor a changed one. Retries reuse the id and sign a new timestamp, so a
webhook retried hours later still verifies.

Classification as the SMS provider's (:func:`abri_notifications.channels.post_once`): 2xx delivered,
3xx (redirects are never followed: a moved endpoint is for its organisation to fix) and 4xx permanent
but 408 and 429, 5xx and timeouts transient.

Where it goes: the endpoint's URL is judged again at each attempt, its name resolved again
(``channels/destinations.py``, the rule in ``domain/destinations.py``): https only, an allowed port, every
address public. A refused destination is a permanent failure (:class:`DestinationRefusedFailure`, error
kind ``destination_refused``, naming the rule); a name that does not resolve is transient (the partner's
DNS may be back). The webhook then goes to the address judged, never to the name resolved again.
"""

from __future__ import annotations

import base64
import hmac
import json
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from pydantic_core import to_jsonable_python
from standardwebhooks import Webhook
from standardwebhooks.webhooks import EmptyWebhookSecretError, WebhookVerificationError

from abri_notifications.channels import DeliveryFailed, post_once
from abri_notifications.channels.destinations import DestinationRefused, Destinations
from abri_notifications.domain.delivery import ErrorKind
from abri_notifications.domain.templates import Channel

__all__ = [
    "TIMEOUT_S",
    "TOLERANCE",
    "DestinationRefusedFailure",
    "WebhookVerificationError",
    "new_webhook_secret",
    "send_webhook",
    "verify_webhook",
    "webhook_body",
]

TIMEOUT_S = 10.0
"""A partner has this long to answer; a slow endpoint is retried later rather than waited for."""
TOLERANCE = timedelta(minutes=5)
"""How far a webhook's timestamp may be from the receiver's clock (the ``standardwebhooks`` library's)."""
SECRET_PREFIX = "whsec_"  # noqa: S105 (a prefix, not a secret)


def new_webhook_secret() -> str:
    """A new endpoint secret: ``whsec_`` and the base64 of 24 random bytes (192 bits)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def webhook_body(event_type: str, payload: Mapping[str, Any], occurred_at: datetime) -> bytes:
    """The JSON body of a webhook (UTF-8; UUIDs, dates, decimals written as JSON strings)."""
    document = {"type": event_type, "timestamp": _iso(occurred_at), "data": payload}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"), default=to_jsonable_python).encode()


class DestinationRefusedFailure(DeliveryFailed):
    """A webhook the destination rule refused at this attempt (``rule``: ``destination_private``...):
    permanent; the endpoint is stopped (``usecases/sending.py``)."""

    def __init__(self, refused: DestinationRefused) -> None:
        self.rule = refused.rule
        super().__init__(Channel.WEBHOOK, ErrorKind.DESTINATION_REFUSED, f"webhook destination refused ({refused.rule}): {refused.detail}")


async def send_webhook(
    client: httpx.AsyncClient,
    url: str,
    secret: str,
    *,
    destinations: Destinations,
    message_id: str,
    event_type: str,
    payload: Mapping[str, Any],
    timestamp: datetime,
    occurred_at: datetime | None = None,
    timeout_s: float = TIMEOUT_S,
) -> None:
    """Sign and post one webhook; returns once the endpoint answered 2xx.

    ``message_id`` is stable across the attempts of one delivery; ``timestamp`` is this attempt's time
    (aware), signed; ``occurred_at`` is the event's time, the body's ``timestamp`` (``timestamp`` when
    not given). ``destinations`` judges ``url`` now, with its resolver. Raises :class:`DeliveryFailed` (see
    the module docstring)."""
    _aware(timestamp)
    try:
        destination = await destinations.check(url)
    except DestinationRefused as refused:
        if refused.rule == "destination_unresolvable":
            raise DeliveryFailed(Channel.WEBHOOK, ErrorKind.CONNECTION, f"webhook endpoint unreachable ({refused.detail})") from None
        raise DestinationRefusedFailure(refused) from None
    body = webhook_body(event_type, payload, occurred_at or timestamp)
    moment = timestamp.astimezone(UTC)  # the library reads the wall clock as UTC: give it UTC
    try:
        signer = Webhook(secret)
    except (ValueError, EmptyWebhookSecretError):  # not base64, or empty: the endpoint's record is broken
        raise DeliveryFailed(Channel.WEBHOOK, ErrorKind.INVALID_ADDRESS, "the endpoint secret is not valid") from None
    signature = signer.sign(message_id, moment, body.decode())
    headers = {
        "Content-Type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": signature,
        **destination.headers(),
    }
    await post_once(
        client,
        Channel.WEBHOOK,
        destination.request_url(),
        content=body,
        headers=headers,
        timeout_s=timeout_s,
        far_end="webhook endpoint",
        extensions=destination.extensions(),
    )


def verify_webhook(secret: str, headers: Mapping[str, str], body: bytes | str, now: datetime | None = None) -> Any:
    """Check a received webhook as a partner would, and return its parsed body.

    Refuses (:class:`WebhookVerificationError`) a message without the three headers, with a timestamp
    more than :data:`TOLERANCE` from ``now`` (the clock by default) in either direction, or without a
    ``v1`` signature that the secret gives for its id, timestamp and body. ``headers`` may be any
    mapping (names in any case).

    The ``standardwebhooks`` library computes the signature; its ``verify`` is not called because it
    reads the clock itself, and ``now`` lets a test (or a partner replaying its own log) say when."""
    lowered = {name.lower(): value for name, value in headers.items()}
    message_id, stamp, signatures = (lowered.get(name) for name in ("webhook-id", "webhook-timestamp", "webhook-signature"))
    if not (message_id and stamp and signatures):
        raise WebhookVerificationError("Missing required headers")
    try:
        sent_at = datetime.fromtimestamp(int(stamp), tz=UTC)
    except (ValueError, OverflowError, OSError):
        raise WebhookVerificationError("Invalid timestamp header") from None
    reference = now or datetime.now(UTC)
    _aware(reference)
    if sent_at < reference - TOLERANCE:
        raise WebhookVerificationError("Message timestamp too old")
    if sent_at > reference + TOLERANCE:
        raise WebhookVerificationError("Message timestamp too new")
    text = body if isinstance(body, str) else body.decode()
    expected = base64.b64decode(Webhook(secret).sign(message_id, sent_at, text).split(",", 1)[1])
    for candidate in signatures.split(" "):
        version, _, value = candidate.partition(",")
        if version != "v1":
            continue
        try:
            given = base64.b64decode(value, validate=True)
        except ValueError:
            continue
        if hmac.compare_digest(expected, given):
            return json.loads(text)
    raise WebhookVerificationError("No matching signature found")


def _iso(moment: datetime) -> str:
    _aware(moment)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("webhook times carry their time zone")
