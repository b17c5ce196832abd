"""Due deliveries go out through real local servers (an SMTP sink, an SMS provider, a partner's webhook
receiver), once; failures are retried or recorded for ops."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.message import Message
from email.utils import format_datetime
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from fastapi import FastAPI, Request, Response

from abri_contracts.matching import PlacementAccepted
from abri_notifications.channels.email import message_id_header
from abri_notifications.channels.webhook import verify_webhook
from abri_notifications.sender import BATCH, send_due, sweep
from abri_notifications.usecases import sending
from tests.notifications.support import as_, execute, handle, local_webhooks, rows, serve, unique
from tests.notifications.test_dispatch import proposed
from tests.oidc_issuer import TestIssuer, serving
from tests.services.test_service_skeletons import migrated as migrated
from tests.support import free_port

pytestmark = pytest.mark.timeout(90)


class Sink:
    """An SMTP server that keeps what it receives."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], Message]] = []
        self.peers: list[Any] = []
        """The client's address of each message: one per SMTP session."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        self.peers.append(session.peer)
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Sink, int]]:
    sink, port = Sink(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()


class Receiver:
    """An SMS provider and a partner's webhook endpoint in one HTTP server, answering as told."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, str], bytes]] = []
        self.status = {"/sms": 202, "/hook": 204}
        self.port = free_port()

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/{path}")
        async def receive(path: str, request: Request) -> Response:
            self.calls.append((f"/{path}", dict(request.headers), await request.body()))
            return Response(status_code=self.status[f"/{path}"])

        return app


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    server = Receiver()
    async with serving(server.app(), server.port):
        yield server


async def test_email_sms_and_webhooks_go_out_once_and_failures_are_retried_or_recorded(
    issuer: TestIssuer, smtp: tuple[Sink, int], receiver: Receiver
) -> None:
    sink, port = smtp
    settings: dict[str, Any] = {
        "smtp_host": "127.0.0.1", "smtp_port": port, "smtp_security": "none", "mail_from": "no-reply@abri.test",
        "sms_url": f"http://127.0.0.1:{receiver.port}/sms", "sms_api_key": "test-key", "send_every_s": 3600,
        **local_webhooks(receiver.port),  # the partner's receiver is on this machine, over http
    }  # fmt: skip
    await execute("UPDATE deliveries SET status = 'failed' WHERE status = 'pending'")  # earlier tests' deliveries: not ours to send
    async with serve(issuer, **settings) as (app, client):
        owner, org = unique("owner-e"), unique("assoc-e")
        headers = as_(issuer, owner, "owner")
        prefs = {"language": "ar", "channels": ["email", "sms"], "email": "proprietaire@example.org", "phone": "+33612345678"}
        assert (await client.put("/v1/me/preferences", json=prefs, headers=headers)).status_code == 200
        worker = as_(issuer, unique("sw-e"), "social_worker", org)
        assert (await client.get("/v1/me/preferences", headers=worker)).status_code == 200
        hook = (await client.post("/v1/webhooks", json={"url": f"http://127.0.0.1:{receiver.port}/hook"}, headers=worker)).json()

        await handle(app, proposed(owner, org))
        accepted = PlacementAccepted(placement_id=uuid.uuid4(), unit_id=uuid.uuid4(), org_id=org, accepted_at=datetime.now(UTC))
        await handle(app, accepted)
        now = datetime.now(UTC)
        assert await send_due(app.state.sessionmaker, app.state.outbound, now) >= 3
        assert await send_due(app.state.sessionmaker, app.state.outbound, now) == 0  # nothing twice

        mine = [m for m in sink.messages if m[1] == ["proprietaire@example.org"]]
        assert len(mine) == 1
        _, _, email = mine[0]
        assert email["From"].endswith("<no-reply@abri.test>") and email["Date"] == format_datetime(now)  # the sweep's time
        parts = {part.get_content_type(): part for part in email.walk() if not part.is_multipart()}
        html = parts["text/html"].get_payload(decode=True)
        assert set(parts) == {"text/plain", "text/html"} and isinstance(html, bytes) and 'dir="rtl"' in html.decode()
        sms = [call for call in receiver.calls if call[0] == "/sms"]
        assert len(sms) == 1 and sms[0][1]["authorization"] == "Bearer test-key"
        hooks = [call for call in receiver.calls if call[0] == "/hook"]
        assert len(hooks) == 1 and hooks[0][1]["webhook-timestamp"] == str(int(now.timestamp()))
        received = verify_webhook(hook["secret"], hooks[0][1], hooks[0][2])
        assert received["type"] == "abri.matching.placement.accepted.v1"
        assert received["data"]["placement_id"] == str(accepted.placement_id)

        receiver.status["/sms"] = 503  # the provider is down: retried later
        await handle(app, proposed(owner, org))
        await send_due(app.state.sessionmaker, app.state.outbound, datetime.now(UTC))
        pending = await rows("SELECT status, attempts, next_attempt_at, last_error FROM deliveries WHERE recipient = :r AND channel = 'sms'"
                             " AND status <> 'sent'", r=owner)  # fmt: skip
        assert [(p.status, p.attempts) for p in pending] == [("pending", 1)] and pending[0].next_attempt_at > datetime.now(UTC)
        assert "+33612345678" not in (pending[0].last_error or "")

        receiver.status["/sms"] = 400  # refused for good: failed, shown to ops
        later = datetime.now(UTC) + timedelta(days=1)
        await send_due(app.state.sessionmaker, app.state.outbound, later)
        failed = await client.get("/v1/ops/deliveries", params={"status": "failed", "limit": 200}, headers=as_(issuer, "ops-e", "ops"))
        assert any(d["channel"] == "sms" and d["attempts"] == 2 for d in failed.json()["items"])


async def test_a_backlog_goes_out_in_one_sweep_one_smtp_session_per_batch(issuer: TestIssuer, smtp: tuple[Sink, int]) -> None:
    sink, port = smtp
    settings: dict[str, Any] = {"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_security": "none", "send_every_s": 3600}
    await execute("UPDATE deliveries SET status = 'failed' WHERE status = 'pending'")  # earlier tests' deliveries: not ours to send
    async with serve(issuer, **settings) as (app, client):
        owner, org = unique("owner-b"), unique("assoc-b")
        prefs = {"language": "fr", "channels": ["email"], "email": "backlog@example.org"}
        assert (await client.put("/v1/me/preferences", json=prefs, headers=as_(issuer, owner, "owner"))).status_code == 200
        for _ in range(BATCH + 10):
            await handle(app, proposed(owner, org))

        assert await sweep(app) == BATCH + 10  # a full batch, then the next one at once

    assert [m[1] for m in sink.messages] == [["backlog@example.org"]] * (BATCH + 10)
    assert [len(set(sink.peers[:BATCH])), len(set(sink.peers[BATCH:]))] == [1, 1]  # one session per batch
    assert sink.peers[0] != sink.peers[BATCH]
    assert await rows("SELECT 1 FROM deliveries WHERE recipient = :r AND status <> 'sent'", r=owner) == []


class SlowSink(Sink):
    """A relay taking its time over each message: a batch lasts about a second."""

    def __init__(self) -> None:
        super().__init__()
        self.first = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.first.set()
        await asyncio.sleep(0.02)
        return await super().handle_DATA(server, session, envelope)


async def test_a_replica_stopping_mid_batch_finishes_the_batch_and_records_it(issuer: TestIssuer) -> None:
    """A rolling deployment stops replicas while they send: the batch under way goes out whole and is recorded
    as sent (cut short, it would roll back and the next replica would send its emails again); no batch follows."""
    sink, port = SlowSink(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    await execute("UPDATE deliveries SET status = 'failed' WHERE status = 'pending'")  # earlier tests' deliveries: not ours to send
    try:
        settings: dict[str, Any] = {"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_security": "none"}
        owner, org = unique("owner-s"), unique("assoc-s")
        async with serve(issuer, **settings, send_every_s=3600) as (app, client):  # the deliveries queued first
            prefs = {"language": "fr", "channels": ["email"], "email": "stopping@example.org"}
            assert (await client.put("/v1/me/preferences", json=prefs, headers=as_(issuer, owner, "owner"))).status_code == 200
            for _ in range(BATCH + 10):
                await handle(app, proposed(owner, org))
        async with serve(issuer, **settings, send_every_s=0.1):
            assert await asyncio.to_thread(sink.first.wait, 30)
        # the app has stopped: its sender let the batch end
    finally:
        controller.stop()
    sent = await rows("SELECT key FROM deliveries WHERE recipient = :r AND status = 'sent'", r=owner)
    received = [message["Message-ID"] for _, _, message in sink.messages]
    assert len(received) == BATCH  # the whole batch, and no batch after the stop
    domain = received[0].rstrip(">").rsplit("@", 1)[1]
    assert sorted(message_id_header(key, domain) for (key,) in sent) == sorted(received)  # every email received is recorded as sent


async def test_when_the_batchs_addresses_cannot_be_read_at_once_each_delivery_reads_its_own(
    issuer: TestIssuer, smtp: tuple[Sink, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    sink, port = smtp
    settings: dict[str, Any] = {"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_security": "none", "send_every_s": 3600}
    await execute("UPDATE deliveries SET status = 'failed' WHERE status = 'pending'")  # earlier tests' deliveries: not ours to send

    async def broken(*_: object) -> dict[str, object]:
        raise ConnectionError("the key store is away a moment")

    monkeypatch.setattr(sending, "read_contacts", broken)
    async with serve(issuer, **settings) as (app, client):
        owner, org = unique("owner-d"), unique("assoc-d")
        prefs = {"language": "fr", "channels": ["email"], "email": "one-by-one@example.org"}
        assert (await client.put("/v1/me/preferences", json=prefs, headers=as_(issuer, owner, "owner"))).status_code == 200
        for _ in range(3):
            await handle(app, proposed(owner, org))
        assert await sweep(app) == 3
    assert [m[1] for m in sink.messages] == [["one-by-one@example.org"]] * 3
    assert await rows("SELECT 1 FROM deliveries WHERE recipient = :r AND status <> 'sent'", r=owner) == []
