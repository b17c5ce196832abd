"""Email over SMTP (aiosmtplib): one recipient per message, several messages per session (a sender's batch,
:class:`EmailSession`).

The message is ``multipart/alternative``: the plain text first, then the same text as HTML (the reader's
client shows the last part it can), both UTF-8, with ``Content-Language`` and, in the HTML, the text's
direction (``dir="rtl"`` for Arabic). Headers that are not ASCII (subject, sender name) are encoded as
RFC 2047 words by the ``email`` package.

- ``Message-ID`` is derived from the caller's ``message_id`` (the delivery key), so that a message sent
  again after a timeout keeps its id and mail clients show it once.
- ``Auto-Submitted: auto-generated`` (RFC 3834) asks servers and clients not to answer it
  automatically (no out-of-office replies to a no-reply address); ``X-Auto-Response-Suppress`` says the
  same to Exchange.

Failures (:class:`DeliveryFailed`), by where the session stopped:

- the server's answer to the message itself (``MAIL``, ``RCPT``, ``DATA``): by its reply code (RFC 5321
  §4.2.1): 5yz permanent, 4yz transient;
- before that (connection, greeting, ``EHLO``, ``STARTTLS``, ``AUTH``), whatever the code, and the
  replies about our credentials at any step (:data:`AUTH_REPLIES`): transient
  (:attr:`ErrorKind.CONNECTION`). Such a failure says nothing of this message and would fail every
  message alike (a refused password, a relay without STARTTLS): marking them all permanent would drop
  every message until ops fixes the configuration; retried with backoff, they leave once it is fixed;
- timeouts: transient (:attr:`ErrorKind.TIMEOUT`); an address the ``email`` package cannot parse:
  permanent (:attr:`ErrorKind.INVALID_ADDRESS`), without connecting.

A timeout after the data was sent may leave the message delivered and yet retried: SMTP cannot say; the
stable ``Message-ID`` is what lets the reader's client show it once.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import html
import re
import ssl
from collections.abc import Mapping
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Literal

from aiosmtplib import SMTP, SMTPException, SMTPHeloError, SMTPNotSupported, SMTPRecipientsRefused, SMTPResponseException
from aiosmtplib.email import parse_address
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from abri_notifications.channels import DeliveryFailed
from abri_notifications.domain.delivery import ErrorKind
from abri_notifications.domain.templates import Channel, Rendered

__all__ = ["EmailSession", "EmailSettings", "build_message", "message_id_header", "send_email"]

RESERVED_HEADERS = frozenset(
    h.lower()
    for h in (
        "From",
        "To",
        "Cc",
        "Bcc",
        "Sender",
        "Reply-To",
        "Subject",
        "Date",
        "Message-ID",
        "MIME-Version",
        "Content-Type",
        "Content-Transfer-Encoding",
        "Content-Language",
        "Auto-Submitted",
    )
)
"""Headers this module sets; ``headers`` given by a caller may add others (``List-Unsubscribe``...)."""
_ID_LEFT = re.compile(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*")
SERVICE_CLOSING = 421
"""RFC 5321 §3.8: the relay is closing the session (shutting down, or enough messages in this one)."""
AUTH_REPLIES = frozenset({530, 534, 535, 538})
"""Replies about our credentials (RFC 4954 §6: authentication required, mechanism too weak, credentials
invalid, encryption required), whatever the step: the relay's configuration, not this message."""
_ENHANCED_STATUS = re.compile(r"\s*([245]\.\d{1,3}\.\d{1,3})\b")


class EmailSettings(BaseModel):
    """How to reach the SMTP relay, and who the messages are from.

    ``security``: ``"starttls"`` (submission, port 587: the session must be upgraded to TLS, never
    continued in clear), ``"tls"`` (implicit TLS, port 465), ``"none"`` (a relay on a trusted network,
    and tests). Certificates are always verified, against the system's authorities or ``ca_file``.
    ``timeout_s`` bounds each step of a session: opening it (connection to ``AUTH``), each message,
    ``QUIT``. ``messages_per_session``: a new session after that many messages (relays bound it).
    ``local_hostname`` is the name given in ``EHLO`` (else the machine's FQDN, seldom meaningful in a
    container)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    host: str
    port: int = Field(default=587, ge=1, le=65535)
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str | None = None
    password: SecretStr | None = None
    sender_address: str = Field(description="The From address (and envelope sender), e.g. no-reply@abri.example")
    sender_name: str = "Abri"
    timeout_s: float = Field(default=30.0, gt=0)
    messages_per_session: int = Field(default=100, ge=1, description="Messages sent in one SMTP session before a new one is opened")
    ca_file: str | None = Field(default=None, description="PEM file of the authorities to trust instead of the system's")
    local_hostname: str | None = None

    @field_validator("sender_address")
    @classmethod
    def _an_address(cls, value: str) -> str:
        _address(value)
        return value

    @property
    def sender(self) -> Address:
        """The From address, parsed once per name and address (each message takes it as is)."""
        return _sender(self.sender_name, self.sender_address)

    @property
    def sender_domain(self) -> str:
        return self.sender.domain


async def send_email(
    settings: EmailSettings,
    to: str,
    rendered: Rendered,
    *,
    message_id: str,
    headers: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> None:
    """Send ``rendered`` to ``to`` through the relay, in a session of its own; returns once the relay
    accepted it. See :meth:`EmailSession.send`."""
    async with EmailSession(settings) as session:
        await session.send(to, rendered, message_id=message_id, headers=headers, now=now)


class EmailSession:
    """One SMTP session for the messages of a sender's batch: connected at the first message, kept for the
    next ones (``MAIL``, ``RCPT``, ``DATA`` each; no connection, greeting, ``EHLO``, TLS handshake and
    ``AUTH`` per message), closed with ``QUIT`` at the end of the block.

    - A message the relay refuses (its reply to ``MAIL``, ``RCPT`` or ``DATA``) fails alone: aiosmtplib
      resets the envelope (``RSET``) and the session goes on.
    - A session lost in the middle (the relay closed it, a timeout, a broken socket) is closed; the next
      message opens a new one.
    - A session that cannot be opened (relay away, refused credentials, no STARTTLS) fails the rest of the
      block at once with the same transient failure, without trying again: one timeout per batch, not one
      per message, and every message retried with backoff once the relay is back.
    - After ``settings.messages_per_session`` messages the session is closed and a new one opened (relays
      bound how many messages a session may carry).
    ``settings.timeout_s`` bounds each step: opening the session, each message."""

    def __init__(self, settings: EmailSettings) -> None:
        self.settings = settings
        self._client: SMTP | None = None
        self._tried_in_session = 0
        self._unreachable: DeliveryFailed | None = None
        self.sessions_opened = 0

    async def __aenter__(self) -> EmailSession:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def send(
        self,
        to: str,
        rendered: Rendered,
        *,
        message_id: str,
        headers: Mapping[str, str] | None = None,
        now: datetime | None = None,
    ) -> None:
        """Send ``rendered`` to ``to``; returns once the relay accepted it.

        ``message_id`` is the stable id of this delivery (the delivery key): the same id gives the same
        ``Message-ID``. ``headers`` are added as given (not those in :data:`RESERVED_HEADERS`). ``now`` is
        the message's ``Date`` (the sender's clock; the wall clock by default).
        Raises :class:`DeliveryFailed` (see the module docstring)."""
        try:
            recipient = _address(to)
        except ValueError:
            raise DeliveryFailed(Channel.EMAIL, ErrorKind.INVALID_ADDRESS, "the recipient address cannot be parsed") from None
        message = build_message(self.settings, recipient, rendered, message_id=message_id, headers=headers, now=now)
        for tries_left in (1, 0):
            client = await self._session()
            reused = self._tried_in_session > 0
            self._tried_in_session += 1
            try:
                async with asyncio.timeout(self.settings.timeout_s):
                    await client.send_message(message, sender=self.settings.sender_address, recipients=[to])
            except TimeoutError:  # aiosmtplib's own timeouts are TimeoutErrors too
                self._drop()  # where the session stands is unknown
                raise DeliveryFailed(Channel.EMAIL, ErrorKind.TIMEOUT, "SMTP timeout (send)") from None
            except SMTPHeloError as exc:  # EHLO is sent with the first message on a plain session: the relay, not it
                self._drop()
                self._unreachable = _failure(exc, "connect")
                raise self._unreachable from None
            except ValueError:  # an address aiosmtplib refuses mid-transaction: its envelope is left open
                self._drop()
                raise DeliveryFailed(Channel.EMAIL, ErrorKind.INVALID_ADDRESS, "the relay's client refuses the address") from None
            except (SMTPException, OSError) as exc:
                if client.is_connected and _refusal(exc):  # the relay refused this message; aiosmtplib has reset the envelope
                    raise _failure(exc, "send") from None
                self._drop()  # anything else leaves the session in an unknown state (a garbled reply, a broken socket)
                if reused and tries_left and _closed_by_relay(exc):
                    continue  # a session the relay closed after earlier messages: once more, on a new one
                raise _failure(exc, "send") from None
            except BaseException:  # cancelled mid-command: never QUIT into a half-sent transaction
                self._drop()
                raise
            break
        if self._tried_in_session >= self.settings.messages_per_session:
            await self.close()

    async def close(self) -> None:
        """A polite ``QUIT`` if a session is open; once the data is accepted, a failure here changes nothing."""
        client, self._client = self._client, None
        if client is None:
            return
        try:
            if client.is_connected:
                with contextlib.suppress(SMTPException, OSError, TimeoutError):
                    async with asyncio.timeout(self.settings.timeout_s):
                        await client.quit()
        finally:
            client.close()

    async def _session(self) -> SMTP:
        if self._client is not None and self._client.is_connected:
            return self._client
        self._drop()
        if self._unreachable is not None:
            raise DeliveryFailed(self._unreachable.channel, self._unreachable.failure, self._unreachable.detail)
        settings = self.settings
        password = settings.password.get_secret_value() if settings.password is not None else None
        client = SMTP(
            hostname=settings.host,
            port=settings.port,
            use_tls=settings.security == "tls",
            start_tls=settings.security == "starttls",  # True: required, no silent fallback to clear text
            validate_certs=True,
            cert_bundle=settings.ca_file,
            username=settings.username,
            password=password,
            local_hostname=settings.local_hostname,
            timeout=settings.timeout_s,
        )
        try:
            async with asyncio.timeout(settings.timeout_s):
                await client.connect()
        except TimeoutError:
            client.close()
            self._unreachable = DeliveryFailed(Channel.EMAIL, ErrorKind.TIMEOUT, "SMTP timeout (connect)")
            raise self._unreachable from None
        except (SMTPException, OSError) as exc:
            client.close()
            self._unreachable = _failure(exc, "connect")
            raise self._unreachable from None
        self._client, self._tried_in_session = client, 0
        self.sessions_opened += 1
        return client

    def _drop(self) -> None:
        """Forget a session that is no longer usable (closed by the relay, or in an unknown state)."""
        if self._client is not None:
            self._client.close()
            self._client = None


def build_message(
    settings: EmailSettings,
    to: str | Address,
    rendered: Rendered,
    *,
    message_id: str,
    headers: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> EmailMessage:
    """The MIME message :func:`send_email` sends (``now`` for its ``Date``, the clock by default); ``to`` as
    text, or already parsed (then not parsed again)."""
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = to
    message["Subject"] = rendered.subject
    message["Date"] = format_datetime(now or datetime.now(UTC))
    message["Message-ID"] = message_id_header(message_id, settings.sender_domain)
    message["Auto-Submitted"] = "auto-generated"
    message["X-Auto-Response-Suppress"] = "All"
    for name, value in (headers or {}).items():
        if name.lower() in RESERVED_HEADERS:
            raise ValueError(f"header {name!r} is set by the email channel")
        message[name] = value  # the email package refuses CR and LF in a value: no header injection
    message.set_content(rendered.text, charset="utf-8")
    message.add_alternative(_html_document(rendered), subtype="html", charset="utf-8")
    message["Content-Language"] = rendered.language  # after the parts: set_content() clears Content-* headers
    return message


def message_id_header(message_id: str, domain: str) -> str:
    """``<left@domain>``: the id itself when it is a valid left part (letters, digits, ``-``, ``_``,
    dots between), else its SHA-256; either way the same id gives the same header."""
    left = message_id if _ID_LEFT.fullmatch(message_id) else hashlib.sha256(message_id.encode()).hexdigest()
    return f"<{left}@{domain}>"


def _html_document(rendered: Rendered) -> str:
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{rendered.language}" dir="{rendered.direction}">\n'
        f'<head><meta charset="utf-8"><title>{html.escape(rendered.subject)}</title></head>\n'
        f'<body dir="{rendered.direction}">\n{rendered.html}\n</body>\n</html>\n'
    )


@functools.lru_cache(maxsize=16)
def _sender(name: str, address: str) -> Address:
    return Address(display_name=name, addr_spec=address)


def _address(value: str) -> Address:
    """The parsed address; ValueError if the ``email`` package cannot use it as an addr-spec, or if it holds
    a control character (aiosmtplib would refuse it on the command line, in the middle of a transaction)."""
    if any(ord(char) < 32 or ord(char) == 127 for char in value):
        raise ValueError("not an email address")
    try:
        address = Address(addr_spec=value)
        parse_address(value)
    except Exception as exc:  # the parsers raise several types, IndexError included
        raise ValueError("not an email address") from exc
    if not address.username or not address.domain:
        raise ValueError("not an email address")
    return address


def _closed_by_relay(exc: SMTPException | OSError) -> bool:
    """The session ended under the message (the connection lost, or ``421``: the relay closing it, as
    relays do after their number of messages per session), not the message refused."""
    if isinstance(exc, SMTPRecipientsRefused) and exc.recipients:
        exc = exc.recipients[0]
    return isinstance(exc, ConnectionError) or (isinstance(exc, SMTPResponseException) and exc.code == SERVICE_CLOSING)


def _refusal(exc: SMTPException | OSError) -> bool:
    """A well-formed refusal of this message (after which aiosmtplib resets the envelope and the session
    can go on), as opposed to a garbled reply or a broken transport, which leave it unusable."""
    if isinstance(exc, (SMTPRecipientsRefused, SMTPNotSupported)):
        return True
    return isinstance(exc, SMTPResponseException) and not isinstance(exc, SMTPHeloError) and 400 <= exc.code <= 599


def _failure(exc: SMTPException | OSError, step: str) -> DeliveryFailed:
    if isinstance(exc, SMTPRecipientsRefused) and exc.recipients:
        exc = exc.recipients[0]
    if isinstance(exc, SMTPResponseException) and 400 <= exc.code <= 599:
        reply = f"SMTP {exc.code}{_enhanced_status(exc.message)}"
        if step == "send" and exc.code not in AUTH_REPLIES:
            return DeliveryFailed(Channel.EMAIL, exc.code, f"{reply} ({type(exc).__name__})")
        return DeliveryFailed(Channel.EMAIL, ErrorKind.CONNECTION, f"{reply} before the message ({type(exc).__name__})")
    if isinstance(exc, SMTPNotSupported) and step == "send":
        # the only one raised once connected: a non-ASCII address and a relay without SMTPUTF8
        return DeliveryFailed(Channel.EMAIL, ErrorKind.INVALID_ADDRESS, "the relay does not take non-ASCII addresses (SMTPUTF8)")
    if isinstance(exc, ssl.SSLError):
        return DeliveryFailed(Channel.EMAIL, ErrorKind.CONNECTION, f"TLS failure ({step}, {type(exc).__name__})")
    return DeliveryFailed(Channel.EMAIL, ErrorKind.CONNECTION, f"SMTP {type(exc).__name__} ({step})")


def _enhanced_status(message: str) -> str:
    """The RFC 3463 enhanced status code at the start of a reply (``" 5.1.1"``), the only part of the
    server's text kept: the rest may quote the address."""
    found = _ENHANCED_STATUS.match(message or "")
    return f" {found.group(1)}" if found else ""
