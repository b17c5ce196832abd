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
but 408 and 429, 5xx and timeouts transient. Only ``https`` URLs are called, except on the loopback
(``localhost``, ``127.0.0.1``, ``::1``) for tests and local development; an endpoint's URL is checked
when it is registered as well, this check is the last line.
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
from abri_notifications.domain.delivery import ErrorKind
from abri_notifications.domain.templates import Channel

__all__ = [
    "LOOPBACK_HOSTS",
    "TIMEOUT_S",
    "TOLERANCE",
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
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
SECRET_PREFIX = "whsec_"  # noqa: S105 (a prefix, not a secret)


def new_webhook_secret() -> str:
    """A new endpoint secret: ``whsec_`` and the base64 of 24 random bytes (192 bits)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def webhook_body(event_type: str, payload: Mapping[str, Any], occurred_at: datetime) -> bytes:
    """The JSON body of a webhook (UTF-8; UUIDs, dates, decimals written as JSON strings)."""
    document = {"type": event_type, "timestamp": _iso(occurred_at), "data": payload}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"), default=to_jsonable_python).encode()


async def send_webhook(
    client: httpx.AsyncClient,
    url: str,
    secret: str,
    *,
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
    not given). Raises :class:`DeliveryFailed` (see the module docstring)."""
    target = _checked_url(url)
    _aware(timestamp)
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
    }
    await post_once(client, Channel.WEBHOOK, str(target), content=body, headers=headers, timeout_s=timeout_s, far_end="webhook endpoint")


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


def _checked_url(url: str) -> httpx.URL:
    try:
        target = httpx.URL(url)
    except httpx.InvalidURL:
        raise DeliveryFailed(Channel.WEBHOOK, ErrorKind.INVALID_ADDRESS, "the endpoint URL is not valid") from None
    if target.scheme == "https" and target.host:
        return target
    if target.scheme == "http" and target.host in LOOPBACK_HOSTS:
        return target
    raise DeliveryFailed(Channel.WEBHOOK, ErrorKind.INVALID_ADDRESS, "the endpoint URL is not https")


def _iso(moment: datetime) -> str:
    _aware(moment)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("webhook times carry their time zone")
