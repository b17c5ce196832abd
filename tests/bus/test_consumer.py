"""The consumer applies each event once, retries transient failures, and sets poison aside."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from typing import Any

import pytest
import sqlalchemy as sa
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from abri_bus.backoff import Backoff
from abri_bus.consumer import BatchHandler, EventConsumer, Handler, ReceivedEvent, ReplayFailed, ReplayOutcome
from abri_bus.dlq import list_dead_letters
from abri_bus.envelope import Envelope, encode
from abri_bus.tables import inbox
from tests.bus.conftest import WidgetChangedBase, effects
from tests.bus.helpers import change_widget, count, effect_count, record_effect, relay, running, topic_size
from tests.support import kafka, kafka_bootstrap, kafka_client, wait_until


def consumer_of(
    db: AsyncEngine, contract: type[WidgetChangedBase], handler: Handler | BatchHandler, group: str = "abri-test", **options: Any
) -> EventConsumer:
    options.setdefault("retry_backoff", Backoff(initial=0.05, maximum=0.5))
    return EventConsumer(
        group_id=f"{group}-{contract.topic()}",
        kafka=replace(kafka(), request_timeout_ms=5000),
        sessionmaker=async_sessionmaker(db, expire_on_commit=False),
        handlers={contract: handler},
        **options,
    )


async def produce_raw(topic: str, key: bytes, value: bytes, headers: list[tuple[str, bytes]]) -> None:
    producer = AIOKafkaProducer(**kafka_client(), enable_idempotence=True)
    await producer.start()
    try:
        await producer.send_and_wait(topic, value=value, key=key, headers=headers)
    finally:
        await producer.stop()


async def reset_group_to_beginning(group: str, topic: str) -> None:
    """What an operator does with ``kafka-consumer-groups --reset-offsets --to-earliest``."""
    consumer = AIOKafkaConsumer(topic, **kafka_client(), group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        await wait_until(lambda: _assigned(consumer), timeout=30, what="an assignment")
        await consumer.commit({tp: 0 for tp in consumer.assignment()})
    finally:
        await consumer.stop()


async def _assigned(consumer: AIOKafkaConsumer) -> bool:
    await consumer.getmany(timeout_ms=100)
    return bool(consumer.assignment())


async def test_event_delivered_twice_is_applied_once(db: AsyncEngine, contract: type[WidgetChangedBase]) -> None:
    for seq in range(20):
        await change_widget(db, contract, f"w-{seq % 4}", seq)
    worker = consumer_of(db, contract, record_effect("c1"))

    async with running(relay(db, kafka_bootstrap())):
        async with running(worker):
            await wait_until(lambda: _effects_are(db, 20), timeout=60, what="20 effects")
            await wait_until(lambda: _lag_is_zero(worker), timeout=30, what="the consumer lag gauge at 0")
        await reset_group_to_beginning(worker.group_id, contract.topic())
        again = consumer_of(db, contract, record_effect("c1"))
        async with running(again):
            # every event is read again: the inbox must absorb all 20
            await wait_until(lambda: _duplicates_seen(again, 20), timeout=60, what="the 20 redeliveries")

    assert await effect_count(db) == 20
    assert await count(db, sa.select(sa.func.count(sa.distinct(effects.c.event_id)))) == 20
    assert await count(db, sa.select(sa.func.count()).select_from(inbox)) == 20


async def test_poison_goes_to_dlq_and_the_partition_moves_on_then_replay(db: AsyncEngine, contract: type[WidgetChangedBase]) -> None:
    topic = contract.topic()
    good_before = Envelope.of(contract(widget_id="same-key", seq=1))
    good_after = Envelope.of(contract(widget_id="same-key", seq=2))
    bad_schema = Envelope.of(contract(widget_id="same-key", seq=3))
    key, value, headers = encode(good_before)
    await produce_raw(topic, key, value, headers)
    await produce_raw(topic, b"same-key", b"{not json", [("ce_id", b"x"), ("ce_type", contract.event_type.encode())])
    key, _, headers = encode(bad_schema)
    await produce_raw(topic, key, json.dumps({"widget_id": "same-key", "seq": -5}).encode(), headers)
    key, value, headers = encode(good_after)
    await produce_raw(topic, key, value, headers)

    async with running(consumer_of(db, contract, record_effect("c1"))):
        await wait_until(lambda: _effects_are(db, 2), timeout=60, what="the two good events after the poison")

    letters = await list_dead_letters(kafka(), topic + ".dlq")
    assert sorted(letter.reason for letter in letters) == ["schema_invalid", "undecodable"]
    for letter in letters:
        assert letter.origin_topic == topic
        assert letter.header("abri_dlq_consumer") == f"abri-test-{topic}"
        assert letter.header("abri_dlq_origin_offset") in {"1", "2"}
        assert letter.error
    invalid = next(letter for letter in letters if letter.reason == "schema_invalid")
    assert "seq" in invalid.error and invalid.event_id == bad_schema.id

    # a replay applies them again in this process: still invalid, so it stops there and says why
    with pytest.raises(ReplayFailed, match="schema_invalid") as failed:
        await consumer_of(db, contract, record_effect("c2")).replay([invalid])
    assert failed.value.letter == invalid
    assert await effect_count(db) == 2


async def test_handler_failing_twice_is_retried_with_backoff_and_applied_once(db: AsyncEngine, contract: type[WidgetChangedBase]) -> None:
    calls: list[float] = []
    inner = record_effect("flaky")

    async def flaky(session: AsyncSession, event: ReceivedEvent[WidgetChangedBase]) -> None:
        calls.append(asyncio.get_running_loop().time())
        if len(calls) <= 2:
            raise RuntimeError("downstream hiccup")
        await inner(session, event)

    await change_widget(db, contract, "w-flaky", 1)
    worker = consumer_of(db, contract, flaky, retry_backoff=Backoff(initial=0.2, maximum=1.0, jitter=False))
    async with running(relay(db, kafka_bootstrap())), running(worker):
        await wait_until(lambda: _effects_are(db, 1), timeout=60, what="the effect")

    assert len(calls) == 3
    assert calls[1] - calls[0] >= 0.19 and calls[2] - calls[1] >= 0.39  # 0.2 s then 0.4 s
    assert await effect_count(db) == 1
    assert await list_dead_letters(kafka(), contract.topic() + ".dlq") == []


async def test_handler_always_failing_goes_to_dlq_after_max_attempts(db: AsyncEngine, contract: type[WidgetChangedBase]) -> None:
    attempts = 0

    async def broken(session: AsyncSession, event: ReceivedEvent[WidgetChangedBase]) -> None:
        nonlocal attempts
        attempts += 1
        await session.execute(sa.insert(effects).values(consumer="x", event_id="x", widget_id="x", seq=0))
        raise ValueError("this handler cannot cope")

    await change_widget(db, contract, "w-broken", 1)
    async with running(relay(db, kafka_bootstrap())), running(consumer_of(db, contract, broken, max_attempts=3)):
        await wait_until(lambda: _dlq_size(contract.topic(), 1), timeout=60, what="the dead letter")

    [letter] = await list_dead_letters(kafka(), contract.topic() + ".dlq")
    assert letter.reason == "handler_failed" and "cannot cope" in letter.error
    assert letter.header("abri_dlq_attempts") == "3" and attempts == 3
    assert await effect_count(db) == 0  # each failed attempt rolled back
    assert await count(db, sa.select(sa.func.count()).select_from(inbox)) == 0


async def _effects_are(db: AsyncEngine, expected: int) -> bool:
    return await effect_count(db) >= expected


async def _duplicates_seen(worker: EventConsumer, expected: int) -> bool:
    from abri_bus import metrics

    value = metrics.CONSUMED.labels(worker.group_id, next(iter(worker.topics)), "duplicate")._value.get()
    return bool(value >= expected)


async def _dlq_size(topic: str, expected: int) -> bool:
    return len(await list_dead_letters(kafka(), topic + ".dlq")) >= expected


async def test_inbox_rows_older_than_the_retention_are_forgotten(db: AsyncEngine, contract: type[WidgetChangedBase]) -> None:
    worker = consumer_of(db, contract, record_effect("c1"))
    old, recent = "event-old", "event-recent"
    async with db.begin() as conn:
        for event_id, age in ((old, "46 days"), (recent, "44 days")):
            await conn.execute(
                sa.insert(inbox).values(
                    consumer=worker.group_id,
                    event_id=event_id,
                    event_type="t",
                    topic="t",
                    partition=0,
                    offset=0,
                    processed_at=sa.text(f"now() - interval '{age}'"),
                )
            )
    await change_widget(db, contract, "w-1", 1)
    async with running(relay(db, kafka_bootstrap())), running(worker):
        await wait_until(lambda: _effects_are(db, 1), timeout=60, what="one effect")

    kept = await count(db, sa.select(sa.func.count()).select_from(inbox).where(inbox.c.event_id.in_([old, recent])))
    assert kept == 1
    assert await count(db, sa.select(sa.func.count()).select_from(inbox).where(inbox.c.event_id == recent)) == 1


async def test_failure_inside_a_batch_applies_each_event_once_in_order(db: AsyncEngine, contract: type[WidgetChangedBase]) -> None:
    inner = record_effect("batch")
    failures = {5: 1, 8: 99}  # seq 5 fails once; seq 8 always fails

    async def sometimes(session: AsyncSession, event: ReceivedEvent[WidgetChangedBase]) -> None:
        if failures.get(event.data.seq, 0) > 0:
            failures[event.data.seq] -= 1
            raise RuntimeError(f"seq {event.data.seq} fails")
        await inner(session, event)

    for seq in range(12):  # all on one key, so one partition, so one batch
        await change_widget(db, contract, "same", seq)
    async with running(relay(db, kafka_bootstrap())):
        await wait_until(lambda: _topic_has(contract.topic(), 12), timeout=30, what="12 events on the topic")
    async with running(consumer_of(db, contract, sometimes, max_attempts=3)):
        await wait_until(lambda: _effects_are(db, 11), timeout=60, what="11 effects")
        await wait_until(lambda: _dlq_size(contract.topic(), 1), timeout=60, what="seq 8 dead-lettered")

    async with db.connect() as conn:
        applied = [row.seq for row in await conn.execute(sa.select(effects.c.seq).order_by(effects.c.id))]
    assert applied == [s for s in range(12) if s != 8]
    [letter] = await list_dead_letters(kafka(), contract.topic() + ".dlq")
    assert letter.reason == "handler_failed" and "seq 8 fails" in letter.error and letter.header("abri_dlq_attempts") == "3"


async def _topic_has(topic: str, expected: int) -> bool:
    from tests.bus.helpers import topic_size

    return await topic_size(kafka_bootstrap(), topic) >= expected


async def _lag_is_zero(worker: EventConsumer) -> bool:
    from abri_bus import metrics

    samples = [
        sample for metric in metrics.CONSUMER_LAG.collect() for sample in metric.samples if sample.labels["consumer"] == worker.group_id
    ]
    return bool(samples) and all(sample.value == 0 for sample in samples)


async def test_a_replayed_dead_letter_is_applied_once_by_its_group_after_the_fix(
    db: AsyncEngine, contract: type[WidgetChangedBase]
) -> None:
    fixed = False
    inner = record_effect("c1")

    async def needs_fix(session: AsyncSession, event: ReceivedEvent[WidgetChangedBase]) -> None:
        if not fixed:
            raise LookupError("a bug, fixed in the next release")
        await inner(session, event)

    await change_widget(db, contract, "w-bug", 1)
    worker = consumer_of(db, contract, needs_fix, max_attempts=2)
    async with running(relay(db, kafka_bootstrap())), running(worker):
        await wait_until(lambda: _dlq_size(contract.topic(), 1), timeout=60, what="the dead letter")
        assert await effect_count(db) == 0
        letters = await list_dead_letters(kafka(), contract.topic() + ".dlq")
        with pytest.raises(ReplayFailed, match="fixed in the next release"):  # replayed too early: said, nothing done
            await worker.replay(letters)
        fixed = True  # the release with the fix is deployed
        size = await topic_size(kafka_bootstrap(), contract.topic())
        assert await worker.replay(letters) == ReplayOutcome(applied=1)  # in this process, through the handler and the inbox
        assert await worker.replay(letters) == ReplayOutcome(duplicates=1)  # replayed twice by mistake
        other = consumer_of(db, contract, record_effect("c2"), group="abri-elsewhere")
        assert await other.replay(letters) == ReplayOutcome(skipped=1)  # another group's dead letter is not its own
        assert await topic_size(kafka_bootstrap(), contract.topic()) == size  # nothing written to the topic
    assert await effect_count(db) == 1


async def test_a_handlers_own_timeout_counts_as_a_failed_attempt_not_an_outage(db: AsyncEngine, contract: type[WidgetChangedBase]) -> None:
    calls = 0

    async def slow_partner(session: AsyncSession, event: ReceivedEvent[WidgetChangedBase]) -> None:
        nonlocal calls
        calls += 1
        raise TimeoutError("the partner API did not answer")  # the database is fine

    await change_widget(db, contract, "w-timeout", 1)
    await change_widget(db, contract, "w-timeout", 2)
    worker = consumer_of(db, contract, slow_partner, max_attempts=3)
    async with running(relay(db, kafka_bootstrap())), running(worker):
        await wait_until(lambda: _dlq_size(contract.topic(), 2), timeout=60, what="both events dead-lettered")
    letters = await list_dead_letters(kafka(), contract.topic() + ".dlq")
    assert [letter.header("abri_dlq_attempts") for letter in letters] == ["3", "3"]
    assert calls == 6  # the batch attempt counts as the first of each event's three


async def test_a_batch_handler_applies_runs_at_once_each_event_once_in_order(db: AsyncEngine, contract: type[WidgetChangedBase]) -> None:
    calls: list[list[int]] = []

    async def apply_all(session: AsyncSession, events: list[ReceivedEvent[WidgetChangedBase]]) -> None:
        calls.append([e.data.seq for e in events])
        if any(e.data.seq == 7 for e in events):
            raise RuntimeError("seq 7 cannot be applied")
        rows = [{"consumer": "batch", "event_id": e.envelope.id, "widget_id": e.data.widget_id, "seq": e.data.seq} for e in events]
        await session.execute(sa.insert(effects), rows)  # one executemany for the run

    for seq in range(20):
        await change_widget(db, contract, "same", seq)
    async with running(relay(db, kafka_bootstrap())):
        await wait_until(lambda: _topic_has(contract.topic(), 20), timeout=30, what="20 events on the topic")
    worker = consumer_of(db, contract, BatchHandler(apply_all), max_attempts=2)
    async with running(worker):
        await wait_until(lambda: _effects_are(db, 19), timeout=60, what="19 effects")
        await wait_until(lambda: _dlq_size(contract.topic(), 1), timeout=60, what="seq 7 dead-lettered")

    async with db.connect() as conn:
        applied = [row.seq for row in await conn.execute(sa.select(effects.c.seq).order_by(effects.c.id))]
    assert applied == [s for s in range(20) if s != 7]
    assert calls[0] == list(range(20))  # the whole run in one call first
    assert max(len(c) for c in calls[1:]) > 1  # after isolating seq 7, the rest goes in runs again
    [letter] = await list_dead_letters(kafka(), contract.topic() + ".dlq")
    assert letter.header("abri_dlq_attempts") == "2" and "seq 7" in letter.error
