"""Business row and event in one transaction: what commits is published, what rolls back is not."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from abri_bus.envelope import decode
from abri_bus.outbox import publish
from abri_bus.tables import outbox
from tests.bus.conftest import WidgetChangedBase, widgets
from tests.bus.helpers import change_widget, count, read_topic, relay, running, topic_size
from tests.support import kafka_bootstrap, wait_until


async def test_committed_event_arrives_with_envelope_key_and_headers(db: AsyncEngine, contract: type[WidgetChangedBase]) -> None:
    await change_widget(db, contract, "w-1", 7, note="hello")

    async with running(relay(db, kafka_bootstrap())):
        [record] = await read_topic(kafka_bootstrap(), contract.topic(), expected=1)

    assert record.key == b"w-1"
    headers = dict(record.headers)
    assert headers["ce_specversion"] == b"1.0"
    assert headers["ce_type"] == contract.event_type.encode()
    assert headers["ce_source"] == contract.source().encode()
    assert headers["ce_subject"] == b"w-1"
    assert headers["content-type"] == b"application/json"
    assert headers["ce_dataschema"] == contract.dataschema().encode()
    uuid.UUID(headers["ce_id"].decode())
    assert json.loads(record.value) == {"widget_id": "w-1", "seq": 7, "note": "hello"}
    envelope = decode(record.key, record.value, record.headers)
    assert envelope.type == contract.event_type and envelope.subject == "w-1"
    assert contract.model_validate(envelope.data).seq == 7
    assert await count(db, sa.select(sa.func.count()).select_from(outbox).where(outbox.c.sent_at.is_(None))) == 0


async def test_rolled_back_transaction_publishes_nothing(db: AsyncEngine, contract: type[WidgetChangedBase]) -> None:
    class Boom(Exception):
        pass

    with pytest.raises(Boom):  # noqa: PT012  (the transaction block is what raises)
        async with db.begin() as conn:
            await conn.execute(sa.insert(widgets).values(widget_id="w-2", seq=1))
            await publish(conn, contract(widget_id="w-2", seq=1))
            raise Boom

    await change_widget(db, contract, "w-3", 1)  # a committed one, to know when the relay is done
    async with running(relay(db, kafka_bootstrap())):
        records = await read_topic(kafka_bootstrap(), contract.topic(), expected=1)
        await wait_until(lambda: _unsent_is(db, 0), timeout=10, what="the relay to mark the committed event sent")
    assert [r.key for r in records] == [b"w-3"]
    assert await topic_size(kafka_bootstrap(), contract.topic()) == 1
    assert await count(db, sa.select(sa.func.count()).select_from(outbox)) == 1
    assert await count(db, sa.select(sa.func.count()).select_from(widgets)) == 1


async def _unsent_is(db: AsyncEngine, expected: int) -> bool:
    return await count(db, sa.select(sa.func.count()).select_from(outbox).where(outbox.c.sent_at.is_(None))) == expected


async def test_a_commit_wakes_the_relay_without_waiting_for_its_poll(db: AsyncEngine, contract: type[WidgetChangedBase]) -> None:
    loop = asyncio.get_running_loop()
    async with running(relay(db, kafka_bootstrap(), poll_interval=60.0)) as worker:
        await wait_until(lambda: _listening(worker), timeout=10, what="the relay to LISTEN")
        await asyncio.wait_for(worker.idle.wait(), 10)  # the relay is idle, waiting for a notification or 60 s
        written = loop.time()
        await change_widget(db, contract, "w-wake", 1)
        await read_topic(kafka_bootstrap(), contract.topic(), expected=1, timeout=20)
    assert loop.time() - written < 10  # far below the 60 s poll: NOTIFY woke it


async def _listening(worker: object) -> bool:
    return getattr(worker, "_listener", None) is not None


async def test_an_event_too_large_for_kafka_is_refused_in_the_business_transaction(
    db: AsyncEngine, contract: type[WidgetChangedBase]
) -> None:
    from abri_bus.outbox import EventTooLarge

    with pytest.raises(EventTooLarge):  # noqa: PT012  (the transaction block is what raises)
        async with db.begin() as conn:
            await conn.execute(sa.insert(widgets).values(widget_id="w-huge", seq=1))
            await publish(conn, contract(widget_id="w-huge", seq=1, note="x" * 1_000_000))
    assert await count(db, sa.select(sa.func.count()).select_from(outbox)) == 0
    assert await count(db, sa.select(sa.func.count()).select_from(widgets)) == 0
