"""Notifications benchmark: deliveries per second to an SMTP sink, against raw aiosmtplib sends of the
same messages in the same run, and the p99 latency from an event published on the broker to its email
arriving at the sink.

Throughput. ``DELIVERIES`` email deliveries are written for one owner who takes email (rendered
messages, as the dispatcher leaves them), then the service's sender (``sender.send_due``, batches of 50,
one transaction and one SMTP session each, SKIP LOCKED) sends them all to an aiosmtpd sink on 127.0.0.1.
Raw: the same number of messages, built the same way (``channels.email.build_message``), sent with
aiosmtplib on one session, in the same run (and, for comparison, one connection per message). Ratio:
service / raw on one session.

Latency. The service runs in-process with its consumer and sender (``send_every_s`` 0.05); events
(``PlacementProposed`` for the owner) are produced to Kafka one at a time at a steady pace; each
event's latency is from its produce call to its email's arrival at the sink (matched by the event id
in the Message-ID's key). p50/p99 over ``EVENTS`` events.

Usage: ``python -m bench.notifications`` (part of ``make bench``), with PostgreSQL and Kafka up.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from typing import Any

import aiosmtplib
import httpx
import sqlalchemy as sa
from aiokafka import AIOKafkaProducer
from aiosmtpd.controller import Controller
from asgi_lifespan import LifespanManager

from abri_bus.envelope import Envelope, encode
from abri_contracts.matching import PlacementProposed
from abri_kit.envelope import Keyring
from abri_notifications.channels.email import EmailSettings, build_message
from abri_notifications.db.deliveries import Delivery
from abri_notifications.db.directory import Person
from abri_notifications.directory import Contact, write_contact
from abri_notifications.domain.delivery import delivery_key
from abri_notifications.domain.templates import Channel, render
from abri_notifications.main import create_app
from abri_notifications.sender import Outbound, send_due
from abri_notifications.settings import NotificationsSettings
from tests.oidc_issuer import TestIssuer, serving
from tests.support import credentials, free_port, kafka_bootstrap, kafka_client

DELIVERIES = 2000
EVENTS = 200
OWNER = "bench-notifications-owner"
ADDRESS = "bench-owner@example.org"


class Sink:
    """An SMTP server that notes when each message arrived, by its Message-ID."""

    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content)
        self.arrived["".join(str(message["Message-ID"]).split())] = time.perf_counter()  # a long id is folded
        return "250 OK"


def message_id(key: str) -> str:
    """The Message-ID the email adapter gives a delivery (``channels/email.py``: the key at the sender's domain)."""
    return f"<{key}@abri.bench>"


def values() -> dict[str, Any]:
    now = datetime.now(UTC)
    return {"household_size": 3, "resources_band": "1,200 to 1,800 €", "guarantee_required": True, "answer_by": now + timedelta(days=7)}


async def seed(sessionmaker: Any, keyring: Keyring, count: int) -> None:
    rendered = render("owner.placement_proposed", "fr", values(), Channel.EMAIL)
    now = datetime.now(UTC)
    async with sessionmaker() as session, session.begin():
        await session.execute(sa.delete(Delivery).where(Delivery.recipient == OWNER))
        person = await session.merge(
            Person(subject=OWNER, roles=["owner"], language="fr", channels=["email"], zone="Europe/Paris", daily_digest=False)
        )
        await write_contact(keyring, person, Contact(ADDRESS, None))
        rows = [
            {
                "id": uuid.uuid4(), "key": delivery_key(f"bench-{n}-{uuid.uuid4()}", OWNER, Channel.EMAIL), "event_id": f"bench-{n}",
                "event_type": PlacementProposed.event_type, "template": "owner.placement_proposed", "recipient": OWNER,
                "channel": "email", "language": "fr", "subject": rendered.subject, "text": rendered.text, "html": rendered.html,
                "payload": {}, "status": "pending", "attempts": 0, "next_attempt_at": now, "created_at": now,
            }
            for n in range(count)
        ]  # fmt: skip
        await session.execute(sa.insert(Delivery), rows)


async def service_throughput(sessionmaker: Any, keyring: Keyring, email: EmailSettings, sink: Sink, count: int) -> float:
    await seed(sessionmaker, keyring, count)
    before = len(sink.arrived)
    async with httpx.AsyncClient() as http:
        outbound = Outbound(email, None, keyring, http)
        started = time.perf_counter()
        while await send_due(sessionmaker, outbound, datetime.now(UTC)):
            pass
        elapsed = time.perf_counter() - started
    sent = len(sink.arrived) - before
    assert sent == count, f"{sent} of {count} arrived"
    return count / elapsed


async def raw_throughput(email: EmailSettings, count: int, *, one_session: bool) -> float:
    """aiosmtplib alone, the same messages: on one session (as the sender's batches), or one connection each."""
    rendered = render("owner.placement_proposed", "fr", values(), Channel.EMAIL)
    started = time.perf_counter()
    client = aiosmtplib.SMTP(hostname=email.host, port=email.port, use_tls=False, start_tls=False, timeout=30)
    if one_session:
        await client.connect()
    for n in range(count):
        message = build_message(email, ADDRESS, rendered, message_id=f"raw-{n}-{uuid.uuid4().hex}")
        if one_session:
            await client.send_message(message)
        else:
            await aiosmtplib.send(message, hostname=email.host, port=email.port, use_tls=False, start_tls=False, timeout=30)
    if one_session:
        await client.quit()
    return count / (time.perf_counter() - started)


async def latency(settings: NotificationsSettings, sink: Sink, count: int) -> dict[str, float]:
    app = create_app(settings)
    produced: dict[str, float] = {}
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=60):
        async with app.state.sessionmaker() as session, session.begin():
            await session.execute(sa.delete(Delivery).where(Delivery.recipient == OWNER))
        await asyncio.sleep(3)  # the consumer joins its group
        producer = AIOKafkaProducer(**kafka_client(), enable_idempotence=True)
        await producer.start()
        try:
            for _ in range(count):
                now = datetime.now(UTC)
                event = PlacementProposed(
                    placement_id=uuid.uuid4(), unit_id=uuid.uuid4(), org_id="bench-assoc", owner_id=OWNER, household_size=3,
                    resources_band="1,200 to 1,800 €", guarantee_required=False, proposed_at=now, answer_by=now + timedelta(days=7),
                )  # fmt: skip
                envelope = Envelope.of(event)
                key, value, headers = encode(envelope)
                produced[delivery_key(envelope.id, OWNER, Channel.EMAIL)] = time.perf_counter()
                await producer.send_and_wait(PlacementProposed.topic(), value=value, key=key, headers=headers)
                await asyncio.sleep(0.05)
        finally:
            await producer.stop()
        deadline = time.perf_counter() + 120
        while time.perf_counter() < deadline and not all(message_id(key) in sink.arrived for key in produced):
            await asyncio.sleep(0.2)
    arrivals = {key: sink.arrived.get(message_id(key)) for key in produced}
    latencies = sorted(at - produced[key] for key, at in arrivals.items() if at is not None)
    return {
        "events": count,
        "arrived": len(latencies),
        "p50_ms": latencies[len(latencies) // 2] * 1000,
        "p99_ms": latencies[min(len(latencies) - 1, len(latencies) * 99 // 100)] * 1000,
        "mean_ms": statistics.fmean(latencies) * 1000,
    }


async def main(deliveries: int, events: int) -> dict[str, Any]:
    sink, port = Sink(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    issuer = TestIssuer()
    try:
        async with serving(issuer.app(), issuer.port):
            settings = NotificationsSettings(
                database_url=credentials()["ABRI_NOTIFICATIONS_DATABASE_URL"], kafka_bootstrap_servers=kafka_bootstrap(),
                oidc_issuer=issuer.issuer, smtp_host="127.0.0.1", smtp_port=port, smtp_security="none",
                mail_from="no-reply@abri.bench", send_every_s=0.05, keks="bench:" + "A" * 43 + "=",
            )  # fmt: skip
            email = settings.email()
            assert email is not None
            app = create_app(settings.model_copy(update={"consumer_enabled": False, "send_every_s": 3600}))
            async with LifespanManager(app, startup_timeout=60, shutdown_timeout=60):
                raw = await raw_throughput(email, deliveries, one_session=True)
                raw_per_message = await raw_throughput(email, deliveries, one_session=False)
                service = await service_throughput(app.state.sessionmaker, app.state.keyring, email, sink, deliveries)
            lag = await latency(settings, sink, events)
    finally:
        controller.stop()
    return {
        "deliveries": deliveries,
        "raw_aiosmtplib_one_session_per_s": raw,
        "raw_aiosmtplib_one_connection_per_message_per_s": raw_per_message,
        "service_sender_per_s": service,
        "ratio": service / raw,
        "event_to_delivery": lag,
        "python": sys.version.split()[0],
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--deliveries", type=int, default=DELIVERIES)
    parser.add_argument("--events", type=int, default=EVENTS)
    arguments = parser.parse_args()
    print(json.dumps(asyncio.run(main(arguments.deliveries, arguments.events)), indent=2))
