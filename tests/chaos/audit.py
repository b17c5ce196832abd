"""What a run checks once the faults have stopped and the system has settled, from the sources of truth:

- events: every outbox row the run's services wrote is sent and on its topic (outbox rows against the
  topic's records since the run began), and every consumer the contract names applied it once (against
  its inbox rows); records sent twice by a relay killed mid-batch are counted (at least once), never
  applied twice (the inbox's key);
- effects: each journey made one unit, one household, one placement, one guarantee file (the retries
  with their idempotency keys made nothing twice), and ended in its final state;
- notifications: each party's inbox and email hold every expected message once per event and channel,
  the SMTP server received each email delivery (by its Message-ID) and the webhook endpoint each webhook
  (by its webhook-id); an id received again is counted apart (the receiver drops it);
- consumer lag: back to 0 for every group, and how long that took.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiokafka import TopicPartition
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from abri_bus.envelope import decode
from abri_contracts import registry
from abri_contracts.services import SERVICES
from abri_kit.bus_status import consumed_topics, consumer_group, consumer_lag, partitions_of
from tests.chaos.journeys import EXPECTED, WEBHOOK_TYPES, Journey, JourneyFailed
from tests.chaos.witnesses import MailSink, WebhookReceiver
from tests.support import kafka

TOPICS = sorted({contract.topic() for contract in registry.values()})


@dataclass
class Findings:
    """Every broken promise, by kind (empty lists: none), and the run's figures."""

    problems: dict[str, list[str]] = field(default_factory=dict)
    figures: dict[str, Any] = field(default_factory=dict)

    def add(self, kind: str, problem: str) -> None:
        self.problems.setdefault(kind, []).append(problem)

    @property
    def ok(self) -> bool:
        return not any(self.problems.values())


async def topic_ends() -> dict[TopicPartition, int]:
    """The next offset of every partition of Abri's topics (where the run's records will begin)."""
    consumer = kafka().consumer()
    await consumer.start()
    try:
        partitions = await partitions_of(consumer, TOPICS)
        return dict(await consumer.end_offsets(partitions))
    finally:
        await consumer.stop()


async def records_since(start: dict[TopicPartition, int]) -> tuple[Counter[str], dict[str, str]]:
    """Event id -> how many records carry it, and its type, on every partition from ``start`` to its end."""
    seen: Counter[str] = Counter()
    types: dict[str, str] = {}
    consumer = kafka().consumer()
    await consumer.start()
    try:
        ends = await consumer.end_offsets(list(start))
        todo = {tp for tp, end in ends.items() if end > start[tp]}
        consumer.assign(list(todo))
        for tp in todo:
            consumer.seek(tp, start[tp])
        deadline = time.monotonic() + 120
        while todo and time.monotonic() < deadline:
            for tp, records in (await consumer.getmany(timeout_ms=1000, max_records=5000)).items():
                for record in records:
                    envelope = decode(record.key, record.value, record.headers)
                    seen[envelope.id] += 1
                    types[envelope.id] = envelope.type
                    if record.offset + 1 >= ends[tp]:
                        todo.discard(tp)
        if todo:
            raise AssertionError(f"could not read {sorted(map(str, todo))} to their end")
    finally:
        await consumer.stop()
    return seen, types


async def check_events(findings: Findings, engines: dict[str, AsyncEngine], since: datetime, start: dict[TopicPartition, int]) -> None:
    written: dict[str, tuple[str, str]] = {}  # event id -> (producing service, type)
    for service, engine in engines.items():
        async with engine.connect() as conn:
            rows = (await conn.execute(text(OUTBOX_SINCE), {"since": since})).all()
        for event_id, event_type, sent, parked in rows:
            written[event_id] = (service, event_type)
            if not sent or parked:
                findings.add("events not sent", f"{service} {event_type} {event_id} ({'parked' if parked else 'unsent'})")
    on_topics, types = await records_since(start)
    for event_id, (service, event_type) in written.items():
        if on_topics[event_id] == 0:
            findings.add("events lost", f"{service} {event_type} {event_id}: in the outbox, not on its topic")
    findings.figures["events written"] = len(written)
    findings.figures["records sent again by a relay"] = sum(on_topics[e] - 1 for e in written if on_topics[e] > 1)
    applied = 0
    published = {event_id: kind for event_id, kind in types.items()}  # a restored producer forgot what it sent since its backup
    published.update({event_id: kind for event_id, (_, kind) in written.items()})
    for service, engine in engines.items():
        expected = [e for e, kind in published.items() if kind in registry and service in registry[kind].consumers]
        async with engine.connect() as conn:
            found = set((await conn.execute(text(INBOX_OF), {"consumer": consumer_group(service), "ids": expected})).scalars())
        applied += len(found)
        for event_id in sorted(set(expected) - found):
            findings.add("events not applied", f"{service} never applied {published[event_id]} {event_id}")
    findings.figures["events applied (consumer, event)"] = applied


OUTBOX_SINCE = "SELECT event_id::text, event_type, sent_at IS NOT NULL, parked_at IS NOT NULL FROM event_outbox WHERE created_at >= :since"
INBOX_OF = "SELECT event_id FROM event_inbox WHERE consumer = :consumer AND event_id = ANY(:ids)"


async def check_journeys(findings: Findings, journeys: list[Journey]) -> None:
    for j in journeys:
        if j.error is not None:
            findings.add("journeys failed", f"{j.index}: {j.error}")
            continue
        try:
            await _final_state(findings, j)
        except JourneyFailed as exc:  # what it made is gone (a restore to a backup taken before it)
            findings.add("journeys not in their final state", f"{j.index}: {exc}")


async def _final_state(findings: Findings, j: Journey) -> None:
    """The journey's unit let, placement lease signed and file approved; one of each thing it made."""
    finals = {
        f"/listings/v1/units/{j.ids['unit']}": ("owner", "let"),
        f"/matching/v1/placements/{j.ids['placement']}": ("worker", "lease_signed"),
        f"/guarantees/v1/files/{j.ids['file']}": ("worker", "approved"),
    }
    for path, (who, status) in finals.items():
        found = (await j.read(path, who))["status"]
        if found != status:
            findings.add("journeys not in their final state", f"{j.index}: {path} is {found}, not {status}")
    lists = {
        "/listings/v1/units": "owner",
        "/matching/v1/households": "worker",
        "/matching/v1/placements": "worker",
        "/guarantees/v1/files": "worker",
    }
    for path, who in lists.items():
        count = len((await j.read(f"{path}?limit=10", who))["items"])
        if count != 1:
            findings.add("effects duplicated", f"{j.index}: {count} items at {path}, not 1")


def check_answers(findings: Findings, journeys: list[Journey]) -> None:
    """A fault may cost a client a 502, 503 or 504 (tried again), never a 500: that is a bug."""
    for j in journeys:
        errors = sum(n for cause, n in j.retries.items() if cause.endswith(" 500"))
        if errors:
            findings.add("server errors", f"{j.index}: {errors} answer(s) 500")


async def check_notifications(
    findings: Findings, journeys: list[Journey], notifications: AsyncEngine, sink: MailSink, hooks: WebhookReceiver
) -> None:
    repeats = delivered = 0
    done = [j for j in journeys if j.error is None]
    async with notifications.connect() as conn:
        for j in done:
            for who, expected in EXPECTED.items():
                subject = j.subjects[who]
                inbox = Counter((await conn.execute(text(INBOX_TEMPLATES), {"recipient": subject})).scalars())
                rows = (await conn.execute(text(DELIVERIES), {"recipient": subject})).all()
                emails = Counter(template for template, channel, _ in rows if channel == "email")
                for channel, told in (("inbox", inbox), ("email", emails)):
                    if told != Counter(expected):
                        findings.add("notifications not once each", f"{j.index} {who} {channel}: {dict(told)} != {expected}")
                unsent = [template for template, channel, status in rows if status != "sent"]
                if unsent:
                    findings.add("notifications not delivered", f"{j.index} {who}: {unsent} not sent")
                arrived = sink.to(j.emails[who])
                if len(arrived) != sum(emails.values()):
                    findings.add(
                        "emails not received once", f"{j.index} {who}: {len(arrived)} distinct emails, {sum(emails.values())} deliveries"
                    )
                delivered += len(arrived)
                repeats += sum(n - 1 for n in arrived.values())
            webhook_rows = (await conn.execute(text(DELIVERIES), {"recipient": j.ids["webhook"]})).all()
            received = hooks.of(str(j.index))
            kinds = Counter(kind for _, kind in received)
            if len(received) != len(webhook_rows) or any(kinds[kind] != n for kind, n in WEBHOOK_TYPES.items()):
                findings.add("webhooks not received once", f"{j.index}: {dict(kinds)} for {len(webhook_rows)} deliveries")
            delivered += len(received)
            repeats += sum(n - 1 for n in received.values())
    findings.figures["deliveries received (email, webhook)"] = delivered
    findings.figures["deliveries received again (dropped by their id)"] = repeats


INBOX_TEMPLATES = "SELECT template FROM inbox_messages WHERE recipient = :recipient"
DELIVERIES = "SELECT template, channel, status FROM deliveries WHERE recipient = :recipient"


async def lag_drained(timeout: float) -> float:
    """Seconds until every consumer group's lag is 0; raises after ``timeout``."""
    started = time.monotonic()
    groups = [(consumer_group(service), consumed_topics(service)) for service in SERVICES]
    while True:
        lags = [await consumer_lag(kafka(), group, topics) for group, topics in groups if topics]
        behind = sum(partition.lag for lag in lags for partition in lag)
        if behind == 0:
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            raise AssertionError(f"consumer lag still {behind} after {timeout}s")
        await asyncio.sleep(1)
