"""A row Kafka refuses for good is set aside (parked) instead of blocking every later event of its service;
the later events of its key wait behind it, the others go out; ops list it and release it once the cause
is fixed, and it goes out then, before the rows of its key that waited."""

from __future__ import annotations

import json
from dataclasses import replace

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from abri_bus import metrics
from abri_bus.parking import parked_rows, release
from abri_bus.relay import OutboxRelay
from abri_bus.tables import outbox
from tests.bus.conftest import WidgetChangedBase
from tests.bus.helpers import change_widget, read_topic
from tests.support import kafka, kafka_bootstrap

SMALL_LIMIT = 4096
"""The producer's request size limit in this test: a note of 10,000 characters cannot go out under it."""


def relay_with_limit(db: AsyncEngine, max_request_size: int) -> OutboxRelay:
    settings = replace(kafka(), request_timeout_ms=5000)
    return OutboxRelay(db, lambda: settings.producer(max_request_size=max_request_size), service="bustest", listen=False, send_timeout=10)


async def states(db: AsyncEngine) -> dict[tuple[str, int], tuple[bool, bool, int, str | None]]:
    """(widget, seq) -> (sent, parked, attempts, last error's kind) of every outbox row."""
    columns = (outbox.c.data, outbox.c.sent_at, outbox.c.parked_at, outbox.c.attempts, outbox.c.last_error)
    async with db.connect() as conn:
        rows = (await conn.execute(sa.select(*columns))).all()
    found: dict[tuple[str, int], tuple[bool, bool, int, str | None]] = {}
    for row in rows:
        kind = (row.last_error or "").split(":")[0] or None
        found[(row.data["widget_id"], row.data["seq"])] = (row.sent_at is not None, row.parked_at is not None, row.attempts, kind)
    return found


async def test_a_row_kafka_refuses_is_parked_its_key_waits_and_the_rest_goes_out(
    db: AsyncEngine, contract: type[WidgetChangedBase]
) -> None:
    await change_widget(db, contract, "w-big", 1, note="x" * 10_000)  # larger than the producer takes
    await change_widget(db, contract, "w-big", 2)  # the same aggregate, after it: must not overtake it
    await change_widget(db, contract, "w-other", 1)

    relay = relay_with_limit(db, SMALL_LIMIT)
    try:
        assert await relay.drain_once() == 3
        assert await relay.drain_once() == 0  # nothing more to send: the parked row and its follower wait
    finally:
        await relay.stop()
        await relay._close()
    assert await states(db) == {
        ("w-big", 1): (False, True, 1, "MessageSizeTooLargeError"),
        ("w-big", 2): (False, False, 0, None),
        ("w-other", 1): (True, False, 0, None),
    }
    [other] = await read_topic(kafka_bootstrap(), contract.topic(), expected=1)
    assert json.loads(other.value)["widget_id"] == "w-other"
    await relay._update_backlog()
    assert metrics.OUTBOX_PARKED.labels("bustest")._value.get() == 1
    assert metrics.OUTBOX_BACKLOG.labels("bustest")._value.get() == 1  # the follower waits; the parked row has its own gauge

    async with db.connect() as conn:
        [parked] = await parked_rows(conn)
    assert parked.topic == contract.topic() and parked.message_key == "w-big" and parked.held == 1
    assert parked.last_error is not None and "MessageSizeTooLargeError" in parked.last_error

    # released before the cause is fixed: tried again, parked again, the attempt counted
    async with db.begin() as conn:
        assert await release(conn, parked.seq)
        assert not await release(conn, parked.seq + 1_000_000)  # no such parked row
    relay = relay_with_limit(db, SMALL_LIMIT)
    try:
        await relay.drain_once()
    finally:
        await relay._close()
    assert (await states(db))[("w-big", 1)] == (False, True, 2, "MessageSizeTooLargeError")

    # the cause fixed (a larger limit), released: it goes out, then the row that waited behind it
    async with db.begin() as conn:
        assert await release(conn, parked.seq)
    relay = relay_with_limit(db, 1024 * 1024)
    try:
        assert await relay.drain_once() == 2
    finally:
        await relay._close()
    assert all(sent and not parked_ for sent, parked_, _, _ in (await states(db)).values())
    records = await read_topic(kafka_bootstrap(), contract.topic(), expected=3)
    big = [json.loads(r.value)["seq"] for r in records if json.loads(r.value)["widget_id"] == "w-big"]
    assert big == [1, 2]  # in order within the key
