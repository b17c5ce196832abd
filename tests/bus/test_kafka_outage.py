"""Kafka away while events are written: every write succeeds, and every event arrives once it is back."""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from abri_bus import metrics
from abri_bus.tables import outbox
from tests.bus.conftest import WidgetChangedBase, create_topics, new_contract
from tests.bus.helpers import change_widget, count, read_topic, relay, running
from tests.support import Broker, wait_until

pytestmark = pytest.mark.fault

EVENTS = 1000
KEYS = 20


async def test_thousand_events_written_while_kafka_is_down_all_arrive_in_order(db: AsyncEngine, own_broker: Broker) -> None:
    contract: type[WidgetChangedBase] = new_contract()
    await create_topics(own_broker.bootstrap, contract.topic())

    async with running(relay(db, own_broker.bootstrap)) as worker:
        await change_widget(db, contract, "warm-up", 0)
        await read_topic(own_broker.bootstrap, contract.topic(), expected=1)

        await asyncio.to_thread(own_broker.stop)
        for seq in range(1, EVENTS + 1):  # each in its own business transaction
            await change_widget(db, contract, f"w-{seq % KEYS}", seq)
        unsent = sa.select(sa.func.count()).select_from(outbox).where(outbox.c.sent_at.is_(None))
        assert await count(db, unsent) == EVENTS

        async def relay_failing() -> bool:  # what ops see meanwhile: the gauge is set after each failed round
            return bool(worker.failures >= 2 and metrics.OUTBOX_BACKLOG.labels("bustest")._value.get() == EVENTS)

        await wait_until(relay_failing, timeout=60, what="the relay to keep retrying and the backlog gauge to show every event")
        assert await count(db, unsent) == EVENTS

        await asyncio.to_thread(own_broker.start)
        records = await read_topic(own_broker.bootstrap, contract.topic(), expected=EVENTS + 1, timeout=120)

        async def backlog_gauge_empty() -> bool:
            return bool(metrics.OUTBOX_BACKLOG.labels("bustest")._value.get() == 0)

        await wait_until(backlog_gauge_empty, timeout=30, what="the backlog gauge to come back to 0")

    seen: dict[str, list[int]] = defaultdict(list)
    for record in records:
        data = json.loads(record.value)
        if data["seq"] not in seen[data["widget_id"]]:  # a retried batch may repeat; the inbox absorbs it
            seen[data["widget_id"]].append(data["seq"])
    assert sum(len(s) for s in seen.values()) == EVENTS + 1
    for widget_id, sequence in seen.items():
        assert sequence == sorted(sequence), f"{widget_id} out of order"
    assert await count(db, unsent) == 0
