"""Channel adapters: one small async module per way out of the service, no database here.

- ``email``: SMTP with aiosmtplib (STARTTLS, implicit TLS or plain, as configured);
- ``sms``: an HTTP SMS provider behind one function;
- ``webhook``: partner systems, signed per Standard Webhooks (HMAC-SHA256 over id, timestamp and body).

An adapter returns when the far end has taken the message and raises :class:`DeliveryFailed` when it has
not. The failure says whether retrying can help (``permanent``, classified by
:func:`abri_notifications.domain.delivery.is_permanent`) and carries a short ``detail`` for ops: a
status or reply code and the step that failed, never the recipient's address nor the message. The far
end's own words are left out too (an SMTP server answers "550 <bob@example.org>: no such user"), and the
library error that caused it is not chained (``raise ... from None``), so that a logged traceback holds
no personal data either.

The inbox is not here: it is a row in the service's own database, written when the event is handled
(``events/dispatch.py``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

import httpx

from abri_notifications.domain.delivery import ErrorKind, is_permanent
from abri_notifications.domain.templates import Channel

__all__ = ["DETAIL_MAX_CHARS", "DeliveryFailed", "post_once"]

DETAIL_MAX_CHARS = 200


class DeliveryFailed(Exception):
    """A send that did not reach the far end.

    ``failure`` is what went wrong: an SMTP reply code or HTTP status, or an :class:`ErrorKind` when
    there is none (timeout, connection, unusable address). ``permanent`` follows from it and the
    channel; a permanent failure is recorded for ops and never retried, a transient one is retried with
    backoff. ``detail`` is short and free of personal data (see the module docstring)."""

    channel: Channel
    failure: int | ErrorKind
    permanent: bool
    detail: str

    def __init__(self, channel: Channel | str, failure: int | ErrorKind, detail: str) -> None:
        self.channel = Channel(channel)
        self.failure = failure
        self.permanent = is_permanent(self.channel, failure)
        self.detail = detail[:DETAIL_MAX_CHARS]
        super().__init__(f"{self.channel} delivery failed ({'permanent' if self.permanent else 'transient'}): {self.detail}")


async def post_once(
    client: httpx.AsyncClient,
    channel: Channel,
    url: str | httpx.URL,
    *,
    content: bytes,
    headers: Mapping[str, str],
    timeout_s: float,
    far_end: str,
    extensions: Mapping[str, str] | None = None,
) -> None:
    """One ``POST`` for an HTTP channel (SMS provider, webhook): returns on a 2xx, else raises
    :class:`DeliveryFailed` naming ``far_end`` ("SMS provider", "webhook endpoint"), never the URL.

    Redirects are not followed, whatever the client's setting (a 3xx is a failure). The response body
    is not read: a far end cannot make us hold a large answer in memory. ``timeout_s`` bounds the whole
    exchange (httpx's own timeouts bound each step only: a server dripping a byte a second would
    never trip them). ``extensions`` are httpcore's (a webhook's ``sni_hostname``: it is sent to an address,
    its certificate checked against the name)."""
    try:
        async with asyncio.timeout(timeout_s):
            request = client.build_request(
                "POST", url, content=content, headers=headers, timeout=timeout_s, extensions=dict(extensions or {})
            )
            response = await client.send(request, follow_redirects=False, stream=True)
            await response.aclose()
    except (TimeoutError, httpx.TimeoutException):
        raise DeliveryFailed(channel, ErrorKind.TIMEOUT, f"{far_end} timeout") from None
    except httpx.InvalidURL:
        raise DeliveryFailed(channel, ErrorKind.INVALID_ADDRESS, f"{far_end} URL is not valid") from None
    except httpx.TransportError as exc:
        raise DeliveryFailed(channel, ErrorKind.CONNECTION, f"{far_end} unreachable ({type(exc).__name__})") from None
    status = response.status_code
    if 200 <= status <= 299:
        return
    if 300 <= status <= 599:
        raise DeliveryFailed(channel, status, f"{far_end} answered HTTP {status}")
    raise DeliveryFailed(channel, ErrorKind.CONNECTION, f"{far_end} answered an unexpected HTTP {status}")
