"""SMS through an HTTP provider, behind one function: another provider is another function of the
same shape (``client, settings, to, text, *, idempotency_key``).

The provider contract this adapter expects (most providers offer it, or a thin proxy can):

- ``POST <url>`` with ``Content-Type: application/json`` and the body ``{"to": "+33612345678",
  "from": "<sender id>", "text": "..."}``: ``to`` in E.164, ``from`` an alphanumeric sender id or a
  number, ``text`` in Unicode (the provider chooses GSM-7 or UCS-2 and splits if it must);
- ``Authorization: Bearer <api key>``;
- ``Idempotency-Key: <key>`` (IETF draft "The Idempotency-Key HTTP Header Field"): the provider sends
  one SMS per key, however often the request is repeated, for at least a day (our retries span about
  14.5 hours, ``domain.delivery``). The key is the delivery key: a retry after a timeout, when the
  first request may have got through, does not send a second SMS;
- any 2xx: accepted (the body is not read); 4xx: refused for good (a bad number, a bad key), except
  408 and 429 (later); 5xx: later. ``Retry-After`` is not read: the delivery worker's backoff decides.

Redirects are not followed (a 3xx is a permanent failure: the configured URL is wrong). ``timeout_s``
bounds the whole request.
"""

from __future__ import annotations

import json
import re

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from abri_notifications.channels import DeliveryFailed, post_once
from abri_notifications.domain.delivery import ErrorKind
from abri_notifications.domain.templates import Channel

__all__ = ["E164", "SmsSettings", "send_sms"]

E164 = re.compile(r"\+[1-9]\d{6,14}")
"""A phone number as the provider takes it: ``+``, country code, number; 15 digits at most (ITU-T E.164)."""


class SmsSettings(BaseModel):
    """The provider's endpoint and key, and the sender id shown on the phone."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    url: str = Field(description="The provider's send endpoint (https)")
    api_key: SecretStr
    sender: str = "Abri"
    timeout_s: float = Field(default=10.0, gt=0)


async def send_sms(client: httpx.AsyncClient, settings: SmsSettings, to: str, text: str, *, idempotency_key: str) -> None:
    """Ask the provider to send ``text`` to ``to`` (E.164); returns once it accepted the message.

    Raises :class:`DeliveryFailed`: a malformed number is permanent without a request; otherwise as
    the provider answers (see the module docstring); timeouts and connection failures are transient."""
    if not E164.fullmatch(to):
        raise DeliveryFailed(Channel.SMS, ErrorKind.INVALID_ADDRESS, "the phone number is not in E.164 form")
    body = json.dumps({"to": to, "from": settings.sender, "text": text}, ensure_ascii=False).encode()
    headers = {
        "Content-Type": "application/json",
        "Authorization": f"Bearer {settings.api_key.get_secret_value()}",
        "Idempotency-Key": idempotency_key,
    }
    await post_once(client, Channel.SMS, settings.url, content=body, headers=headers, timeout_s=settings.timeout_s, far_end="SMS provider")
