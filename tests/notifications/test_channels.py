"""The channel adapters against real local servers: SMTP (aiosmtpd, plain, STARTTLS, implicit TLS, AUTH),
an HTTP SMS provider and a partner's webhook endpoint (Starlette on uvicorn), and raw TCP servers that
accept and never answer (timeouts). Every failure is checked for its classification and for what its
detail would put in a log: no address, no message text."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import email
import email.policy
import ipaddress
import ssl
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import httpx
import pytest
import uvicorn
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPServer
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pydantic import SecretStr
from standardwebhooks import Webhook
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from abri_notifications.channels import DeliveryFailed
from abri_notifications.channels.destinations import Destinations, Resolver
from abri_notifications.channels.email import EmailSession, EmailSettings, send_email
from abri_notifications.channels.sms import SmsSettings, send_sms
from abri_notifications.channels.webhook import (
    TOLERANCE,
    WebhookVerificationError,
    new_webhook_secret,
    send_webhook,
    verify_webhook,
)
from abri_notifications.domain.delivery import ErrorKind
from abri_notifications.domain.policy import WebhookDestinationPolicy
from abri_notifications.domain.templates import Channel, Rendered, render
from tests.notifications.support import PUBLIC_ADDRESS, FakeDns
from tests.oidc_issuer import serving
from tests.support import free_port

TO = "camille.martin@example.org"
PHONE = "+33612345678"
SENDER = "no-reply@abri.test"
UNIT_PUBLISHED = {"postal_code": "75011", "available_from": date(2026, 9, 1)}
SMTP_USER, SMTP_PASSWORD = "abri", "s3cret-relay-password"
SMS_KEY = "sk_test_0123456789"


def assert_no_personal_data(failure: DeliveryFailed, *private: str) -> None:
    """Neither the detail, nor the message, nor a logged traceback (no chained cause) shows ``private``."""
    shown = (failure.detail, str(failure), repr(failure.args))
    for value in private:
        for text in shown:
            assert value not in text, f"{value!r} leaks into {text!r}"
    assert failure.__cause__ is None
    assert failure.__context__ is None or failure.__suppress_context__


# --- SMTP -----------------------------------------------------------------------------------------------


@dataclass
class Received:
    envelope: Envelope
    tls: bool
    authenticated: bool
    peer: Any = None
    """The client's address and port: one per SMTP session."""

    @property
    def message(self) -> EmailMessage:
        assert isinstance(self.envelope.content, bytes)
        parsed = email.message_from_bytes(self.envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class SmtpSink:
    """An aiosmtpd handler that keeps what arrives, or answers ``RCPT`` / ``DATA`` with a given reply
    (``{address}`` in it is replaced by the recipient, as real servers quote it)."""

    rcpt_reply: str | None = None
    data_reply: str | None = None
    refused: frozenset[str] = frozenset()
    """Recipients answered ``550`` (the others are taken)."""
    closes_after: int | None = None
    """Messages a session may carry; the next ``MAIL`` is answered ``421`` (as relays bound sessions)."""
    garbles: int = 0
    """How many ``MAIL`` commands are answered with a line that is no SMTP reply."""
    drops_after: int | None = None
    """Messages a session may carry; at the next ``MAIL`` the connection is dropped without a word."""
    stalls: frozenset[int] = frozenset()
    """Which messages (counted from 0 over every session) the relay sits on for 1.5 s before answering ``DATA``."""
    received: list[Received] = field(default_factory=list)
    data_commands: int = 0

    async def handle_MAIL(self, server: SMTPServer, session: Session, envelope: Envelope, address: str, mail_options: list[str]) -> str:
        if self.drops_after is not None and sum(r.peer == session.peer for r in self.received) >= self.drops_after:
            assert isinstance(server.transport, asyncio.Transport)
            server.transport.abort()  # gone, no 421
            return "421 unheard"
        if self.garbles:
            self.garbles -= 1
            return "this is no reply at all"
        if self.closes_after is not None and sum(r.peer == session.peer for r in self.received) >= self.closes_after:
            return "421 4.7.0 Too many messages in this session, closing"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server: SMTPServer, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]) -> str:
        if self.rcpt_reply is not None:
            return self.rcpt_reply.format(address=address)
        if address in self.refused:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTPServer, session: Session, envelope: Envelope) -> str:
        self.data_commands += 1
        if self.data_commands - 1 in self.stalls:
            await asyncio.sleep(1.5)
            return "451 4.3.0 Too late"
        if self.data_reply is not None:
            return self.data_reply
        tls = server.transport is not None and server.transport.get_extra_info("ssl_object") is not None
        self.received.append(Received(envelope, tls=tls, authenticated=bool(session.authenticated), peer=session.peer))
        return "250 2.0.0 Message accepted for delivery"


class RefusingGreetingSink(SmtpSink):
    """``EHLO`` and ``HELO`` answered ``554``: a relay that will not talk to us."""

    async def handle_EHLO(self, server: SMTPServer, session: Session, envelope: Envelope, hostname: str, responses: list[str]) -> list[str]:
        return ["554 5.7.1 Not talking to you"]

    async def handle_HELO(self, server: SMTPServer, session: Session, envelope: Envelope, hostname: str) -> str:
        return "554 5.7.1 Not talking to you"


def authenticator(server: SMTPServer, session: Session, envelope: Envelope, mechanism: str, auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (SMTP_USER.encode(), SMTP_PASSWORD.encode())
    return AuthResult(success=ok, handled=False)  # not handled: the server answers 235 or 535 itself


@contextmanager
def smtp_server(sink: SmtpSink, **smtp_parameters: Any) -> Iterator[int]:
    """An SMTP server on 127.0.0.1 (its own thread and loop) for the block; yields its port."""
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port, server_hostname="smtp.test", ready_timeout=5.0, **smtp_parameters)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


@dataclass(frozen=True)
class Certificate:
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        return context


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    """A self-signed certificate for 127.0.0.1 and localhost, made for this run."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Abri test relay")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    directory = tmp_path_factory.mktemp("smtp-tls")
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return Certificate(cert_path, key_path)


def email_settings(port: int, **overrides: Any) -> EmailSettings:
    values: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": port,
        "security": "none",
        "sender_address": SENDER,
        "sender_name": "Abri – Équipe",
        "timeout_s": 5.0,
        "local_hostname": "notifications.abri.test",
    }
    values.update(overrides)
    return EmailSettings(**values)


def french() -> Rendered:
    return render("owner.unit_published", "fr", UNIT_PUBLISHED, Channel.EMAIL)


def arabic() -> Rendered:
    return render("owner.unit_published", "ar", UNIT_PUBLISHED, Channel.EMAIL)


def parts(message: EmailMessage) -> dict[str, str]:
    found: dict[str, str] = {}
    for part in message.iter_parts():
        assert isinstance(part, EmailMessage)
        assert part.get_content_charset() == "utf-8"
        found[part.get_content_type()] = part.get_content().replace("\r\n", "\n")  # as read off the wire
    return found


async def test_email_arrives_with_both_parts_in_french() -> None:
    sink = SmtpSink()
    rendered = french()
    with smtp_server(sink) as port:
        await send_email(
            email_settings(port), TO, rendered, message_id="d41d8cd98f00b204", headers={"List-Id": "Abri <notifications.abri.test>"}
        )

    assert len(sink.received) == 1
    received = sink.received[0]
    assert received.envelope.mail_from == SENDER
    assert received.envelope.rcpt_tos == [TO]
    assert received.envelope.original_content is not None
    head = received.envelope.original_content.split(b"\r\n\r\n", 1)[0]
    assert head.isascii()  # non-ASCII subject and name travel as RFC 2047 words
    assert b"=?utf-8?" in head
    message = received.message
    assert message["From"].addresses[0].addr_spec == SENDER
    assert message["From"].addresses[0].display_name == "Abri – Équipe"
    assert message["To"].addresses[0].addr_spec == TO
    assert str(message["Subject"]) == rendered.subject == "Votre logement est en ligne"
    assert message.get_content_type() == "multipart/alternative"
    assert message["Content-Language"] == "fr"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Message-ID"] == "<d41d8cd98f00b204@abri.test>"
    assert message["List-Id"] == "Abri <notifications.abri.test>"
    assert message["Date"].datetime.tzinfo is not None
    found = parts(message)
    assert list(found) == ["text/plain", "text/html"]  # the richer part last: clients show the last they can
    assert found["text/plain"].rstrip("\n") == rendered.text
    assert "1 septembre 2026" in found["text/plain"]
    assert rendered.html in found["text/html"]
    assert 'dir="ltr"' in found["text/html"] and 'lang="fr"' in found["text/html"]


async def test_arabic_email_is_right_to_left() -> None:
    sink = SmtpSink()
    rendered = arabic()
    with smtp_server(sink) as port:
        await send_email(email_settings(port), TO, rendered, message_id="delivery-ar")

    message = sink.received[0].message
    assert str(message["Subject"]) == rendered.subject == "مسكنك منشور الآن"
    assert message["Content-Language"] == "ar"
    found = parts(message)
    assert found["text/plain"].rstrip("\n") == rendered.text
    assert '<html lang="ar" dir="rtl">' in found["text/html"]
    assert '<p dir="rtl" lang="ar">' in found["text/html"]


async def test_message_id_is_stable_across_sends_of_one_delivery() -> None:
    sink = SmtpSink()
    key = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    with smtp_server(sink) as port:
        settings = email_settings(port)
        await send_email(settings, TO, french(), message_id=key)
        await send_email(settings, TO, french(), message_id=key)  # a retry after a lost answer
        await send_email(settings, TO, french(), message_id="another-delivery")
        await send_email(settings, TO, french(), message_id="user:42 <odd>")  # not a valid left part: hashed
        await send_email(settings, TO, french(), message_id="user:42 <odd>")

    ids = [received.message["Message-ID"].strip() for received in sink.received]  # a long id is folded: a leading space
    assert ids[0] == ids[1] == f"<{key}@abri.test>"
    assert ids[2] == "<another-delivery@abri.test>"
    assert ids[3] == ids[4] != ids[2]
    assert " " not in ids[3] and ids[3].startswith("<") and ids[3].endswith("@abri.test>")


@pytest.mark.parametrize(
    ("sink", "code", "permanent"),
    [
        (SmtpSink(rcpt_reply="550 5.1.1 <{address}>: Recipient address rejected: User unknown"), 550, True),
        (SmtpSink(rcpt_reply="451 4.3.0 <{address}>: Temporary lookup failure"), 451, False),
        (SmtpSink(data_reply="552 5.3.4 Message size exceeds fixed limit"), 552, True),
        (SmtpSink(data_reply="451 4.7.1 Greylisted, please try again later"), 451, False),
    ],
    ids=["rcpt-550", "rcpt-451", "data-552", "data-451"],
)
async def test_smtp_replies_classify_the_failure(sink: SmtpSink, code: int, permanent: bool) -> None:
    rendered = french()
    with smtp_server(sink) as port, pytest.raises(DeliveryFailed) as failed:
        await send_email(email_settings(port), TO, rendered, message_id="m1")

    failure = failed.value
    assert failure.channel is Channel.EMAIL
    assert failure.failure == code
    assert failure.permanent is permanent
    assert f"SMTP {code}" in failure.detail
    assert_no_personal_data(failure, TO, "camille", rendered.text, rendered.subject)
    assert sink.received == []


async def test_nobody_listening_is_transient() -> None:
    rendered = french()
    with pytest.raises(DeliveryFailed) as failed:
        await send_email(email_settings(free_port()), TO, rendered, message_id="m1")

    assert failed.value.failure is ErrorKind.CONNECTION
    assert not failed.value.permanent
    assert_no_personal_data(failed.value, TO, rendered.text)


@asynccontextmanager
async def silent_server() -> AsyncIterator[int]:
    """Accepts connections and never says a word (no SMTP greeting, no HTTP answer)."""

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while await asyncio.wait_for(reader.read(4096), 10):
                pass
        except (TimeoutError, ConnectionError):
            pass
        finally:
            writer.close()

    port = free_port()
    server = await asyncio.start_server(hold, "127.0.0.1", port)
    try:
        yield port
    finally:
        server.close()
        await asyncio.wait_for(server.wait_closed(), 5)


async def test_a_server_that_never_answers_is_a_transient_timeout() -> None:
    loop = asyncio.get_running_loop()
    async with silent_server() as port:
        started = loop.time()
        with pytest.raises(DeliveryFailed) as failed:
            await send_email(email_settings(port, timeout_s=0.5), TO, french(), message_id="m1")
        elapsed = loop.time() - started

    assert failed.value.failure is ErrorKind.TIMEOUT
    assert not failed.value.permanent
    assert elapsed < 3
    assert_no_personal_data(failed.value, TO)


# --- one SMTP session for a batch -------------------------------------------------------------------


def sessions(sink: SmtpSink) -> int:
    return len({received.peer for received in sink.received})


async def test_a_batch_of_emails_shares_one_session() -> None:
    sink = SmtpSink()
    with smtp_server(sink) as port:
        async with EmailSession(email_settings(port)) as session:
            for n in range(5):
                await session.send(f"person{n}@example.org", french(), message_id=f"d{n}")

    assert [r.envelope.rcpt_tos for r in sink.received] == [[f"person{n}@example.org"] for n in range(5)]
    assert sessions(sink) == 1
    assert session.sessions_opened == 1


async def test_a_refused_message_fails_alone_and_the_session_goes_on() -> None:
    sink = SmtpSink(refused=frozenset({"gone@example.org"}))
    with smtp_server(sink) as port:
        async with EmailSession(email_settings(port)) as session:
            await session.send("first@example.org", french(), message_id="d1")
            with pytest.raises(DeliveryFailed) as failed:
                await session.send("gone@example.org", french(), message_id="d2")
            await session.send("third@example.org", french(), message_id="d3")

    assert failed.value.failure == 550 and failed.value.permanent
    assert_no_personal_data(failed.value, "gone@example.org")
    assert [r.envelope.rcpt_tos for r in sink.received] == [["first@example.org"], ["third@example.org"]]  # the envelope was reset
    assert sessions(sink) == 1


@pytest.mark.parametrize("ending", ["closes_after", "drops_after"])
async def test_a_session_the_relay_ends_after_its_limit_costs_no_message(ending: str) -> None:
    """The relay ends a reused session with a ``421`` (``closes_after``) or without a word (``drops_after``):
    the message goes on a new session either way."""
    sink = SmtpSink(closes_after=2) if ending == "closes_after" else SmtpSink(drops_after=2)
    with smtp_server(sink) as port:
        async with EmailSession(email_settings(port)) as session:
            for n in range(5):
                await session.send(TO, french(), message_id=f"d{n}")

    assert [r.message["Message-ID"] for r in sink.received] == [f"<d{n}@abri.test>" for n in range(5)]
    assert sessions(sink) == session.sessions_opened == 3


async def test_a_message_the_relay_sits_on_times_out_alone_and_the_next_goes_on_a_new_session() -> None:
    sink = SmtpSink(stalls=frozenset({1}))
    with smtp_server(sink) as port:
        async with EmailSession(email_settings(port, timeout_s=0.5)) as session:
            await session.send(TO, french(), message_id="d0")
            with pytest.raises(DeliveryFailed) as failed:
                await session.send(TO, french(), message_id="d1")
            await session.send(TO, french(), message_id="d2")

    assert failed.value.failure is ErrorKind.TIMEOUT and not failed.value.permanent  # tried again later by the sender
    assert [r.message["Message-ID"] for r in sink.received] == ["<d0@abri.test>", "<d2@abri.test>"]
    assert sessions(sink) == session.sessions_opened == 2  # where the first session stood was unknown: dropped


async def test_a_new_session_after_messages_per_session() -> None:
    sink = SmtpSink()
    with smtp_server(sink) as port:
        async with EmailSession(email_settings(port, messages_per_session=2)) as session:
            for n in range(5):
                await session.send(TO, french(), message_id=f"d{n}")

    assert len(sink.received) == 5
    assert sessions(sink) == session.sessions_opened == 3


async def test_a_relay_that_cannot_be_reached_fails_the_batch_with_one_wait() -> None:
    accepted: list[int] = []

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(1)
        with contextlib.suppress(TimeoutError, ConnectionError):
            await asyncio.wait_for(reader.read(4096), 5)
        writer.close()

    port = free_port()
    server = await asyncio.start_server(silent, "127.0.0.1", port)
    failures = []
    try:
        async with EmailSession(email_settings(port, timeout_s=0.5)) as session:
            for n in range(4):
                with pytest.raises(DeliveryFailed) as failed:
                    await session.send(TO, french(), message_id=f"d{n}")
                failures.append(failed.value)
    finally:
        server.close()
        await asyncio.wait_for(server.wait_closed(), 5)

    assert accepted == [1]  # one connection, one timeout, not one per message
    assert {f.failure for f in failures} == {ErrorKind.TIMEOUT}
    assert not any(f.permanent for f in failures)


async def test_a_garbled_reply_costs_its_message_only_and_the_next_goes_on_a_new_session() -> None:
    sink = SmtpSink(garbles=1)
    with smtp_server(sink) as port:
        async with EmailSession(email_settings(port)) as session:
            with pytest.raises(DeliveryFailed) as failed:
                await session.send("first@example.org", french(), message_id="d1")
            await session.send("second@example.org", french(), message_id="d2")
            await session.send("third@example.org", french(), message_id="d3")

    assert not failed.value.permanent
    assert [r.envelope.rcpt_tos for r in sink.received] == [["second@example.org"], ["third@example.org"]]
    assert session.sessions_opened == 2


async def test_an_address_with_a_control_character_fails_alone_before_the_relay_hears_it() -> None:
    sink = SmtpSink()
    with smtp_server(sink) as port:
        async with EmailSession(email_settings(port)) as session:
            await session.send("first@example.org", french(), message_id="d1")
            for bad in ('"a\tb"@example.org', "a@example.org \x0b", "a@exam\x7fple.org"):
                with pytest.raises(DeliveryFailed) as failed:
                    await session.send(bad, french(), message_id="d-bad")
                assert failed.value.failure is ErrorKind.INVALID_ADDRESS and failed.value.permanent
                assert_no_personal_data(failed.value, bad)
            await session.send("next@example.org", french(), message_id="d2")

    assert [r.envelope.rcpt_tos for r in sink.received] == [["first@example.org"], ["next@example.org"]]
    assert session.sessions_opened == 1


async def test_a_relay_refusing_the_greeting_fails_the_batch_transiently() -> None:
    sink = RefusingGreetingSink()
    with smtp_server(sink) as port:
        async with EmailSession(email_settings(port)) as session:
            failures = []
            for n in range(3):
                with pytest.raises(DeliveryFailed) as failed:
                    await session.send(TO, french(), message_id=f"d{n}")
                failures.append(failed.value)

    assert {f.failure for f in failures} == {ErrorKind.CONNECTION} and not any(f.permanent for f in failures)
    assert session.sessions_opened == 1  # not one greeting per message
    assert sink.received == []


@pytest.mark.unit
async def test_an_unusable_address_is_permanent_without_connecting() -> None:
    for address in ("camille", "camille@", "camille martin@example.org", "<camille>@example.org", "a@example.org\r\nBcc: b@example.org"):
        # nobody listens on the port: a connection attempt would be a transient failure
        with pytest.raises(DeliveryFailed) as failed:
            await send_email(email_settings(free_port()), address, french(), message_id="m1")
        assert failed.value.failure is ErrorKind.INVALID_ADDRESS
        assert failed.value.permanent
        assert_no_personal_data(failed.value, address)


@pytest.mark.unit
async def test_the_email_channel_keeps_its_own_headers() -> None:
    with pytest.raises(ValueError, match="set by the email channel"):
        await send_email(email_settings(free_port()), TO, french(), message_id="m1", headers={"message-id": "<forged@example.org>"})
    with pytest.raises(ValueError, match="linefeed"):
        await send_email(email_settings(free_port()), TO, french(), message_id="m1", headers={"X-Tag": "a\r\nBcc: b@example.org"})


async def test_starttls_with_authentication(certificate: Certificate) -> None:
    sink = SmtpSink()
    tls = certificate.server_context()
    with smtp_server(sink, tls_context=tls, require_starttls=True, authenticator=authenticator, auth_required=True) as port:
        settings = email_settings(port, security="starttls", ca_file=str(certificate.cert), username=SMTP_USER, password=SMTP_PASSWORD)
        await send_email(settings, TO, arabic(), message_id="m-tls")

        wrong = settings.model_copy(update={"password": SecretStr("not-the-password")})
        with pytest.raises(DeliveryFailed) as failed:
            await send_email(wrong, TO, arabic(), message_id="m-tls-2")
        anonymous = settings.model_copy(update={"username": None, "password": None})
        with pytest.raises(DeliveryFailed) as refused:
            await send_email(anonymous, TO, arabic(), message_id="m-tls-3")  # "530 Authentication required" to MAIL

    assert len(sink.received) == 1
    assert sink.received[0].tls and sink.received[0].authenticated
    # a refused login fails every message alike: retried (until ops fixes it), not dropped
    assert failed.value.failure is ErrorKind.CONNECTION
    assert not failed.value.permanent
    assert "SMTP 535" in failed.value.detail
    assert_no_personal_data(failed.value, TO, SMTP_PASSWORD, "not-the-password")
    assert refused.value.failure is ErrorKind.CONNECTION and not refused.value.permanent
    assert "SMTP 530" in refused.value.detail


async def test_starttls_is_required_never_skipped(certificate: Certificate) -> None:
    sink = SmtpSink()
    with smtp_server(sink) as port:  # a relay that does not offer STARTTLS
        with pytest.raises(DeliveryFailed) as failed:
            await send_email(email_settings(port, security="starttls", ca_file=str(certificate.cert)), TO, french(), message_id="m1")

    assert sink.received == []  # nothing sent in clear
    assert failed.value.failure is ErrorKind.CONNECTION
    assert not failed.value.permanent


async def test_an_untrusted_certificate_is_refused(certificate: Certificate) -> None:
    sink = SmtpSink()
    with smtp_server(sink, tls_context=certificate.server_context(), require_starttls=True) as port:
        with pytest.raises(DeliveryFailed) as failed:
            await send_email(email_settings(port, security="starttls"), TO, french(), message_id="m1")  # system authorities only

    assert sink.received == []
    assert failed.value.failure is ErrorKind.CONNECTION
    assert not failed.value.permanent
    assert "TLS" in failed.value.detail or "SSL" in failed.value.detail


async def test_implicit_tls(certificate: Certificate) -> None:
    sink = SmtpSink()
    with smtp_server(sink, ssl_context=certificate.server_context()) as port:
        await send_email(email_settings(port, security="tls", ca_file=str(certificate.cert)), TO, french(), message_id="m-smtps")

    assert len(sink.received) == 1 and sink.received[0].tls


# --- HTTP: the SMS provider and the partners' webhook endpoints --------------------------------------------


@dataclass
class Call:
    path: str
    headers: dict[str, str]
    body: bytes


class HttpRecorder:
    """A real HTTP server that records every request.

    ``/status/{code}`` answers ``code``; ``/redirect`` sends to ``/status/200``; ``/verified`` answers
    204 to a webhook that :func:`verify_webhook` accepts with :attr:`secret`, else 400."""

    def __init__(self) -> None:
        self.port = free_port()
        self.secret = new_webhook_secret()
        self.calls: list[Call] = []
        self.verified: list[Any] = []

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def paths(self) -> list[str]:
        return [call.path for call in self.calls]

    async def _record(self, request: Request) -> bytes:
        body = await request.body()
        self.calls.append(Call(request.url.path, dict(request.headers), body))
        return body

    def app(self) -> Starlette:
        async def status(request: Request) -> Response:
            await self._record(request)
            return Response(status_code=int(request.path_params["code"]))

        async def redirect(request: Request) -> Response:
            await self._record(request)
            return RedirectResponse("/status/200", status_code=307)

        async def verified(request: Request) -> Response:
            body = await self._record(request)
            try:
                self.verified.append(verify_webhook(self.secret, request.headers, body))
            except WebhookVerificationError:
                return Response(status_code=400)
            return Response(status_code=204)

        return Starlette(
            routes=[
                Route("/status/{code:int}", status, methods=["POST", "GET"]),
                Route("/redirect", redirect, methods=["POST"]),
                Route("/verified", verified, methods=["POST"]),
            ]
        )


@pytest.fixture(scope="module")
async def http() -> AsyncIterator[HttpRecorder]:
    recorder = HttpRecorder()
    async with serving(recorder.app(), recorder.port):
        yield recorder


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as session:
        yield session


def sms_settings(url: str, timeout_s: float = 5.0) -> SmsSettings:
    return SmsSettings(url=url, api_key=SMS_KEY, sender="Abri", timeout_s=timeout_s)


SMS_VALUES = {"answer_by": date(2026, 9, 30)}


async def test_sms_reaches_the_provider(http: HttpRecorder, client: httpx.AsyncClient) -> None:
    text = render("owner.placement_proposed", "ar", SMS_VALUES, Channel.SMS).text
    await send_sms(client, sms_settings(http.url("/status/202")), PHONE, text, idempotency_key="key-1")

    call = http.calls[-1]
    assert call.path == "/status/202"
    assert call.headers["authorization"] == f"Bearer {SMS_KEY}"
    assert call.headers["idempotency-key"] == "key-1"
    assert call.headers["content-type"] == "application/json"
    assert httpx.Response(200, content=call.body).json() == {"to": PHONE, "from": "Abri", "text": text}


@pytest.mark.parametrize(("code", "permanent"), [(400, True), (401, True), (408, False), (429, False), (500, False), (503, False)])
async def test_sms_provider_answers_classify_the_failure(http: HttpRecorder, client: httpx.AsyncClient, code: int, permanent: bool) -> None:
    text = render("owner.placement_proposed", "fr", SMS_VALUES, Channel.SMS).text
    with pytest.raises(DeliveryFailed) as failed:
        await send_sms(client, sms_settings(http.url(f"/status/{code}")), PHONE, text, idempotency_key="key-2")

    assert http.calls[-1].path == f"/status/{code}"
    assert failed.value.channel is Channel.SMS
    assert failed.value.failure == code
    assert failed.value.permanent is permanent
    assert_no_personal_data(failed.value, PHONE, text, SMS_KEY)


async def test_sms_redirect_is_not_followed(http: HttpRecorder) -> None:
    async with httpx.AsyncClient(follow_redirects=True) as following:  # whatever the client's default
        with pytest.raises(DeliveryFailed) as failed:
            await send_sms(following, sms_settings(http.url("/redirect")), PHONE, "Bonjour", idempotency_key="key-3")

    assert http.paths()[-1] == "/redirect"
    assert failed.value.failure == 307 and failed.value.permanent


@pytest.mark.unit
async def test_sms_to_a_malformed_number_is_permanent_without_a_call(http: HttpRecorder, client: httpx.AsyncClient) -> None:
    before = len(http.calls)
    for number in ("0612345678", "+33 6 12 34 56 78", "+0612345678", "+336123456789012345"):
        with pytest.raises(DeliveryFailed) as failed:
            await send_sms(client, sms_settings(http.url("/status/202")), number, "Bonjour", idempotency_key="key-4")
        assert failed.value.failure is ErrorKind.INVALID_ADDRESS and failed.value.permanent
        assert_no_personal_data(failed.value, number)
    assert len(http.calls) == before


async def test_sms_provider_down_or_silent_is_transient(client: httpx.AsyncClient) -> None:
    with pytest.raises(DeliveryFailed) as refused:
        await send_sms(client, sms_settings(f"http://127.0.0.1:{free_port()}/sms"), PHONE, "Bonjour", idempotency_key="key-5")
    async with silent_server() as port:
        with pytest.raises(DeliveryFailed) as silent:
            await send_sms(client, sms_settings(f"http://127.0.0.1:{port}/sms", timeout_s=0.5), PHONE, "Bonjour", idempotency_key="key-5")

    assert refused.value.failure is ErrorKind.CONNECTION and not refused.value.permanent
    assert silent.value.failure is ErrorKind.TIMEOUT and not silent.value.permanent
    for failure in (refused.value, silent.value):
        assert_no_personal_data(failure, PHONE, "Bonjour", SMS_KEY)


PAYLOAD = {"placement_id": UUID("6f1c2b7e-0c1f-4a8e-9b7e-1d2c3b4a5f60"), "answer_by": date(2026, 9, 30), "status": "proposed"}


def local(port: int, resolver: Resolver | None = None) -> Destinations:
    """Webhooks to this machine's servers: the development setting on, the test server's port allowed."""
    policy = WebhookDestinationPolicy(ports=(443, port), allow_local_http=True)
    return Destinations(policy, resolver or FakeDns())


async def hook(
    client: httpx.AsyncClient,
    url: str,
    secret: str,
    *,
    message_id: str = "m",
    timestamp: datetime | None = None,
    destinations: Destinations | None = None,
    **options: Any,
) -> None:
    """:func:`send_webhook` with short defaults: event type ``t``, an empty payload, sent now, to this machine
    (the development setting on, the URL's port allowed)."""
    options.setdefault("event_type", "t")
    options.setdefault("payload", {})
    where = destinations or local(httpx.URL(url).port or 443)
    await send_webhook(client, url, secret, destinations=where, message_id=message_id, timestamp=timestamp or datetime.now(UTC), **options)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


async def test_webhook_is_signed_and_verified_by_the_partner(http: HttpRecorder, client: httpx.AsyncClient) -> None:
    now = datetime.now(UTC)
    occurred = now - timedelta(hours=3)
    await send_webhook(
        client,
        http.url("/verified"),
        http.secret,
        destinations=local(http.port),
        message_id="msg_1",
        event_type="placement.proposed",
        payload=PAYLOAD,
        timestamp=now,
        occurred_at=occurred,
    )

    call = http.calls[-1]
    assert call.path == "/verified"
    assert http.verified[-1] == {
        "type": "placement.proposed",
        "timestamp": occurred.isoformat().replace("+00:00", "Z"),
        "data": {"placement_id": "6f1c2b7e-0c1f-4a8e-9b7e-1d2c3b4a5f60", "answer_by": "2026-09-30", "status": "proposed"},
    }
    assert call.headers["webhook-id"] == "msg_1"
    assert call.headers["webhook-timestamp"] == str(int(now.timestamp()))
    assert call.headers["webhook-signature"].startswith("v1,")
    assert call.headers["content-type"] == "application/json"
    # a partner using the reference library verifies it too
    assert Webhook(http.secret).verify(call.body, call.headers)["type"] == "placement.proposed"


async def test_a_tampered_or_foreign_or_replayed_webhook_is_refused(http: HttpRecorder, client: httpx.AsyncClient) -> None:
    now = datetime.now(UTC)
    await hook(client, http.url("/status/204"), http.secret, message_id="msg_2", payload={"a": 1}, timestamp=now)
    call = http.calls[-1]
    assert verify_webhook(http.secret, call.headers, call.body, now) == {"type": "t", "timestamp": _iso(now), "data": {"a": 1}}

    with pytest.raises(WebhookVerificationError, match="signature"):
        verify_webhook(http.secret, call.headers, call.body.replace(b'"a":1', b'"a":2'), now)
    with pytest.raises(WebhookVerificationError, match="signature"):
        verify_webhook(new_webhook_secret(), call.headers, call.body, now)
    with pytest.raises(WebhookVerificationError, match="signature"):  # an id or a time moved to another message
        verify_webhook(http.secret, {**call.headers, "webhook-id": "msg_3"}, call.body, now)
    with pytest.raises(WebhookVerificationError, match="too old"):  # replayed later
        verify_webhook(http.secret, call.headers, call.body, now + TOLERANCE + timedelta(seconds=2))
    with pytest.raises(WebhookVerificationError, match="too new"):
        verify_webhook(http.secret, call.headers, call.body, now - TOLERANCE - timedelta(seconds=2))
    with pytest.raises(WebhookVerificationError, match="Missing"):
        verify_webhook(http.secret, {"webhook-id": "msg_2"}, call.body, now)
    with pytest.raises(WebhookVerificationError):
        verify_webhook(http.secret, {**call.headers, "webhook-timestamp": "yesterday"}, call.body, now)


async def test_an_old_timestamp_is_refused_by_the_receiving_server(http: HttpRecorder, client: httpx.AsyncClient) -> None:
    old = datetime.now(UTC) - TOLERANCE - timedelta(minutes=1)
    with pytest.raises(DeliveryFailed) as failed:
        await hook(client, http.url("/verified"), http.secret, message_id="msg_4", timestamp=old)

    assert http.paths()[-1] == "/verified"
    assert failed.value.failure == 400 and failed.value.permanent


async def test_a_retry_keeps_the_id_and_signs_a_new_time(http: HttpRecorder, client: httpx.AsyncClient) -> None:
    """Hours later, in the sender's own zone: the retry still verifies (the library is handed UTC)."""
    first = datetime.now(UTC) - timedelta(hours=6)
    retry = datetime.now(ZoneInfo("Europe/Paris"))
    for moment in (first, retry):
        await hook(client, http.url("/status/204"), http.secret, message_id="msg_5", timestamp=moment, occurred_at=first)
    before, after = http.calls[-2], http.calls[-1]
    assert before.headers["webhook-id"] == after.headers["webhook-id"] == "msg_5"
    assert before.body == after.body  # the event's time, not the attempt's
    assert int(after.headers["webhook-timestamp"]) == int(retry.timestamp())
    assert verify_webhook(http.secret, after.headers, after.body)["data"] == {}
    Webhook(http.secret).verify(after.body, after.headers)
    with pytest.raises(WebhookVerificationError, match="too old"):
        verify_webhook(http.secret, before.headers, before.body)


@pytest.mark.parametrize(("code", "permanent"), [(400, True), (404, True), (410, True), (429, False), (500, False), (503, False)])
async def test_webhook_answers_classify_the_failure(http: HttpRecorder, client: httpx.AsyncClient, code: int, permanent: bool) -> None:
    url = http.url(f"/status/{code}")
    with pytest.raises(DeliveryFailed) as failed:
        await hook(client, url, http.secret, message_id="msg_6", payload={"k": "secret value"})

    assert failed.value.channel is Channel.WEBHOOK
    assert failed.value.failure == code and failed.value.permanent is permanent
    assert_no_personal_data(failed.value, url, "127.0.0.1", "secret value", http.secret)


async def test_a_webhook_redirect_is_not_followed(http: HttpRecorder) -> None:
    async with httpx.AsyncClient(follow_redirects=True) as following:
        with pytest.raises(DeliveryFailed) as failed:
            await hook(following, http.url("/redirect"), http.secret)

    assert http.paths()[-1] == "/redirect"  # /status/200 was never called
    assert failed.value.failure == 307 and failed.value.permanent


@pytest.mark.unit
async def test_only_https_to_public_addresses_leaves_the_machine(client: httpx.AsyncClient) -> None:
    strict = Destinations(WebhookDestinationPolicy(), FakeDns({"partner.example.org": ["10.0.0.8"]}))  # production's rule
    urls = (
        "http://partner.invalid/hooks", "ftp://partner.invalid/hooks", "https:///no-host", "not a url", "http://10.0.0.8/hooks",
        "https://partner.invalid/hooks", "https://10.0.0.8/hooks", "https://partner.example.org/hooks",
    )  # fmt: skip
    for url in urls:
        with pytest.raises(DeliveryFailed) as failed:
            await hook(client, url, new_webhook_secret(), destinations=strict)
        assert failed.value.failure is ErrorKind.DESTINATION_REFUSED and failed.value.permanent, url
        assert_no_personal_data(failed.value, url, "partner")


@pytest.fixture(scope="module")
def partner_certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    """A self-signed certificate for hooks.example.org only (not for its address)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hooks.example.org")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("hooks.example.org")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    directory = tmp_path_factory.mktemp("webhook-tls")
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return Certificate(cert_path, key_path)


@asynccontextmanager
async def serving_tls(app: Starlette, port: int, certificate: Certificate) -> AsyncIterator[None]:
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", ssl_certfile=str(certificate.cert), ssl_keyfile=str(certificate.key)
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.05)
        yield
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 15)


async def test_a_webhook_goes_to_the_address_judged_and_tls_checks_the_name(partner_certificate: Certificate) -> None:
    """The client is handed the address the rule judged (it resolves nothing: the system knows no such
    name), with the registered name as Host and as TLS server name, so the certificate is checked against
    the name; a name the certificate does not cover fails as TLS would."""
    recorder = HttpRecorder()
    dns = FakeDns({"hooks.example.org": ["127.0.0.1"], "elsewhere.example.org": ["127.0.0.1"]})
    trusted = ssl.create_default_context(cafile=str(partner_certificate.cert))
    async with serving_tls(recorder.app(), recorder.port, partner_certificate), httpx.AsyncClient(verify=trusted) as tls:
        await hook(
            tls, f"https://hooks.example.org:{recorder.port}/status/204?x=1", recorder.secret, destinations=local(recorder.port, dns)
        )
        with pytest.raises(DeliveryFailed) as mismatch:
            await hook(
                tls, f"https://elsewhere.example.org:{recorder.port}/status/204", recorder.secret, destinations=local(recorder.port, dns)
            )

    [call] = recorder.calls
    assert call.path == "/status/204" and call.headers["host"] == f"hooks.example.org:{recorder.port}"
    assert dns.asked == ["hooks.example.org", "elsewhere.example.org"]  # once each, by the rule; never by the client
    assert mismatch.value.failure is ErrorKind.CONNECTION and not mismatch.value.permanent


async def test_a_name_that_turns_private_after_registration_is_refused_before_any_connection(
    http: HttpRecorder, client: httpx.AsyncClient
) -> None:
    """DNS rebinding: the name answered a public address when it was registered; at the attempt it answers
    the loopback, the cluster or the metadata service: nothing is sent, the failure is permanent and names the
    rule and the address (for ops)."""
    dns = FakeDns({"rebind.example.org": [PUBLIC_ADDRESS]})
    strict = Destinations(WebhookDestinationPolicy(ports=(443, http.port)), dns)
    before = len(http.calls)
    for inside in ("127.0.0.1", "10.0.0.1", "169.254.169.254", "::1", "::ffff:127.0.0.1", "64:ff9b::7f00:1", "fd00::1"):
        dns.answers["rebind.example.org"] = [PUBLIC_ADDRESS, inside]  # one inside among public ones is enough
        with pytest.raises(DeliveryFailed) as failed:
            await hook(client, f"https://rebind.example.org:{http.port}/status/204", http.secret, destinations=strict)
        assert failed.value.failure is ErrorKind.DESTINATION_REFUSED and failed.value.permanent
        assert "destination_private" in failed.value.detail and str(ipaddress.ip_address(inside)) in failed.value.detail
    dns.answers.pop("rebind.example.org")  # no longer resolves: the partner's DNS may be back, retried
    with pytest.raises(DeliveryFailed) as gone:
        await hook(client, f"https://rebind.example.org:{http.port}/status/204", http.secret, destinations=strict)
    assert gone.value.failure is ErrorKind.CONNECTION and not gone.value.permanent
    assert len(http.calls) == before


async def test_webhook_endpoint_down_or_silent_is_transient(client: httpx.AsyncClient) -> None:
    secret = new_webhook_secret()
    with pytest.raises(DeliveryFailed) as refused:
        await hook(client, f"http://127.0.0.1:{free_port()}/h", secret)
    async with silent_server() as port:
        with pytest.raises(DeliveryFailed) as silent:
            await hook(client, f"http://localhost:{port}/h", secret, timeout_s=0.5)

    assert refused.value.failure is ErrorKind.CONNECTION and not refused.value.permanent
    assert silent.value.failure is ErrorKind.TIMEOUT and not silent.value.permanent


@pytest.mark.unit
async def test_a_broken_endpoint_secret_is_permanent(client: httpx.AsyncClient, http: HttpRecorder) -> None:
    for secret in ("whsec_", "whsec_%%%not-base64%%%"):
        with pytest.raises(DeliveryFailed) as failed:
            await hook(client, http.url("/status/204"), secret)
        assert failed.value.failure is ErrorKind.INVALID_ADDRESS and failed.value.permanent
        assert_no_personal_data(failed.value, secret)


@pytest.mark.unit
def test_new_webhook_secrets() -> None:
    secrets = {new_webhook_secret() for _ in range(100)}
    assert len(secrets) == 100
    for secret in secrets:
        assert secret.startswith("whsec_")
        assert len(base64.b64decode(secret.removeprefix("whsec_"), validate=True)) == 24


@pytest.mark.unit
async def test_webhook_times_carry_their_zone(client: httpx.AsyncClient) -> None:
    naive = datetime(2026, 9, 30, 12, 0)
    with pytest.raises(ValueError, match="time zone"):
        await hook(client, "https://partner.invalid/h", new_webhook_secret(), timestamp=naive)
