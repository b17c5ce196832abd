"""Event-bus benchmark: the outbox relay and the consumer against their raw baselines, in one run.

(a) raw aiokafka produce, idempotent (acks=all);      (b) the relay draining N outbox rows;
(c) end to end: outbox -> relay -> Kafka -> consumer -> inbox + effect committed;
(d) raw aiokafka produce + consume;                    (e) the database's own rate for the consumer's
transaction (raw asyncpg: BEGIN; inbox insert; effect insert; COMMIT).
Goals: (b) >= 50 % of (a); (c) >= 50 % of min((d), (e)). Then p50/p99 commit-to-applied latency with
events written at half of (c)'s rate (1,000/s at most: ``LATENCY_RATE_CAP``).

Usage: ``make bench`` (or ``python -m bench.event_bus --events 50000``), with Kafka and PostgreSQL up.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import platform
import random
import signal
import statistics
import string
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg
import sqlalchemy as sa
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from abri_bus.consumer import BatchHandler, EventConsumer, ReceivedEvent
from abri_bus.envelope import encode_raw
from abri_bus.relay import OutboxRelay
from abri_bus.tables import bus_metadata, outbox
from abri_contracts import EventContract
from tests.support import credentials, kafka, kafka_bootstrap

metadata = sa.MetaData()
effects = sa.Table(
    "bench_effects",
    metadata,
    sa.Column("event_id", sa.String(100), primary_key=True),
    sa.Column("written_at", sa.Float, nullable=False),
    sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("clock_timestamp()")),
)
PAYLOAD = "x" * 200
LATENCY_RATE_CAP = 1000.0
"""The latency is measured at half of (c)'s rate, 1,000 events/s at most: the bench writes each event in its own
transaction from the same process as the relay and the consumer, and at 2,200 a second (half of (c) since the
consumers decode faster) the writer alone took most of a core and the backlog, not the pipeline, made p99."""


class BenchEventBase(EventContract):
    aggregate_id_field = "item_id"
    item_id: str
    seq: int
    written_at: float
    note: str


def new_contract() -> type[BenchEventBase]:
    tag = "".join(random.choices(string.ascii_lowercase, k=8))
    return type("BenchEvent", (BenchEventBase,), {"event_type": f"abri.b{tag}.item.changed.v1"})


def connection(bootstrap: str) -> dict[str, Any]:
    """An aiokafka client's options for ``bootstrap``, with the tests' credential (SASL_SSL as admin)."""
    return {**kafka().connection(), "bootstrap_servers": bootstrap}


async def create_topic(bootstrap: str, name: str) -> None:
    admin = AIOKafkaAdminClient(**connection(bootstrap))
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, 3, 1), NewTopic(name + ".dlq", 3, 1)])
    finally:
        await admin.close()


def message(i: int) -> tuple[bytes, bytes, list[tuple[str, bytes]]]:
    """The same message as the relay sends: key, JSON value, CloudEvents and trace headers."""
    data = json.dumps({"item_id": f"item-{i % 100}", "seq": i, "written_at": 0.0, "note": PAYLOAD})
    key, value, headers = encode_raw(
        event_id=str(uuid.uuid4()),
        source="/abri/bench",
        event_type="abri.bench.item.changed.v1",
        subject=f"item-{i % 100}",
        time=datetime.now(UTC),
        dataschema="urn:abri:schema:abri.bench.item.changed.v1",
        data_json=data,
    )
    headers.append(("traceparent", b"00-" + b"1" * 32 + b"-" + b"2" * 16 + b"-01"))
    return key, value, headers


async def raw_produce(bootstrap: str, n: int) -> float:
    topic = f"bench-raw-{uuid.uuid4().hex[:8]}"
    await create_topic(bootstrap, topic)
    producer = AIOKafkaProducer(**connection(bootstrap), enable_idempotence=True, acks="all", linger_ms=5)
    await producer.start()
    try:
        messages = [message(i) for i in range(n)]
        started = time.perf_counter()
        futures = [await producer.send(topic, value=v, key=k, headers=h) for k, v, h in messages]
        await asyncio.gather(*futures)
        return n / (time.perf_counter() - started)
    finally:
        await producer.stop()


async def raw_produce_consume(bootstrap: str, n: int) -> float:
    topic = f"bench-rawpc-{uuid.uuid4().hex[:8]}"
    await create_topic(bootstrap, topic)
    producer = AIOKafkaProducer(**connection(bootstrap), enable_idempotence=True, acks="all", linger_ms=5)
    consumer = AIOKafkaConsumer(
        topic, **connection(bootstrap), group_id=f"bench-{topic}", auto_offset_reset="earliest", enable_auto_commit=False
    )
    await producer.start()
    await consumer.start()
    try:
        messages = [message(i) for i in range(n)]

        async def produce() -> None:
            futures = [await producer.send(topic, value=v, key=k, headers=h) for k, v, h in messages]
            await asyncio.gather(*futures)

        async def consume() -> None:
            seen = 0
            while seen < n:
                batch = await consumer.getmany(timeout_ms=500, max_records=500)
                seen += sum(len(m) for m in batch.values())
                if batch:
                    await consumer.commit()

        started = time.perf_counter()
        await asyncio.wait_for(asyncio.gather(produce(), consume()), 600)
        return n / (time.perf_counter() - started)
    finally:
        await producer.stop()
        await consumer.stop()


async def database_rate(url: str, n: int) -> float:
    """The consumer's transaction, on raw asyncpg, one after another (as one partition is applied)."""
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        started = time.perf_counter()
        for i in range(n):
            event_id = str(uuid.uuid4())
            async with connection.transaction():
                inserted = await connection.fetchval(
                    'INSERT INTO event_inbox (consumer, event_id, event_type, topic, partition, "offset") '
                    "VALUES ('bench-raw', $1, 't', 't', 0, $2) ON CONFLICT DO NOTHING RETURNING event_id",
                    event_id,
                    i,
                )
                if inserted:
                    await connection.execute("INSERT INTO bench_effects (event_id, written_at) VALUES ($1, 0)", event_id)
        return n / (time.perf_counter() - started)
    finally:
        await connection.close()


async def database_rate_batched(url: str, n: int, batch: int = 100) -> float:
    """The same work in the consumer's batched shape: one inbox insert for the batch, then one effect
    insert per event, one commit per batch (raw asyncpg)."""
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        started = time.perf_counter()
        for start in range(0, n, batch):
            ids = [str(uuid.uuid4()) for _ in range(min(batch, n - start))]
            async with connection.transaction():
                fresh = await connection.fetch(
                    'INSERT INTO event_inbox (consumer, event_id, event_type, topic, partition, "offset") '
                    "SELECT 'bench-raw', t.id, 't', 't', 0, t.o FROM unnest($1::text[], $2::bigint[]) AS t(id, o) "
                    "ON CONFLICT DO NOTHING RETURNING event_id",
                    ids,
                    list(range(start, start + len(ids))),
                )
                for row in fresh:
                    await connection.execute("INSERT INTO bench_effects (event_id, written_at) VALUES ($1, 0)", row["event_id"])
        return n / (time.perf_counter() - started)
    finally:
        await connection.close()


async def fill_outbox(engine: AsyncEngine, contract: type[BenchEventBase], n: int) -> None:
    now = datetime.now(UTC)
    rows = [
        {
            "event_id": uuid.uuid4(),
            "topic": contract.topic(),
            "message_key": f"item-{i % 100}",
            "event_type": contract.event_type,
            "source": contract.source(),
            "dataschema": contract.dataschema(),
            "occurred_at": now,
            "data": {"item_id": f"item-{i % 100}", "seq": i, "written_at": time.time(), "note": PAYLOAD},
            "trace_context": {},
        }
        for i in range(n)
    ]
    async with engine.begin() as conn:
        for start in range(0, n, 5000):
            await conn.execute(sa.insert(outbox), rows[start : start + 5000])


def relay_for(engine: AsyncEngine, bootstrap: str, batch_size: int) -> OutboxRelay:
    settings = dataclasses.replace(kafka(), bootstrap_servers=bootstrap)
    return OutboxRelay(engine, settings.producer, service="bench", batch_size=batch_size, poll_interval=0.05)


async def relay_drain(engine: AsyncEngine, bootstrap: str, n: int, batch_size: int) -> float:
    contract = new_contract()
    await create_topic(bootstrap, contract.topic())
    await fill_outbox(engine, contract, n)
    relay = relay_for(engine, bootstrap, batch_size)
    try:
        await relay.drain_once()  # warm the producer up (one batch), then time the rest
        remaining = n - batch_size
        started = time.perf_counter()
        sent = 0
        while sent < remaining:
            sent += await relay.drain_once()
        return sent / (time.perf_counter() - started)
    finally:
        await relay._close()


INSERT_EFFECT = sa.insert(effects)


async def record_effect(session: AsyncSession, event: ReceivedEvent[BenchEventBase]) -> None:
    """The benchmark's handler: one row per event, with a statement built once (as a hot handler should)."""
    await session.execute(INSERT_EFFECT, {"event_id": event.envelope.id, "written_at": event.data.written_at})


async def record_effects(session: AsyncSession, events: list[ReceivedEvent[BenchEventBase]]) -> None:
    """The benchmark's batch handler: the same rows, one executemany per run of events."""
    await session.execute(INSERT_EFFECT, [{"event_id": e.envelope.id, "written_at": e.data.written_at} for e in events])


async def effects_count(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(sa.select(sa.func.count()).select_from(effects))).scalar_one())


async def end_to_end(
    engine: AsyncEngine, bootstrap: str, n: int, batch_size: int, handler: Any = record_effect, *, relay_apart: bool = False
) -> float:
    """(c): the consumer in this process, the relay in it too (as a service runs both by default) or, with
    ``relay_apart``, in a process of its own (as the chart's separate worker Deployment, or a service with
    ``ABRI_<SVC>_CONSUMER_ENABLED=false`` beside one with ``_RELAY_ENABLED=false``). Both are running and the
    consumer has joined its group before the N rows are committed; timed from that commit to the last effect."""
    contract = new_contract()
    await create_topic(bootstrap, contract.topic())
    await truncate(engine)
    consumer = EventConsumer(
        group_id=f"bench-{contract.topic()}",
        kafka=dataclasses.replace(kafka(), bootstrap_servers=bootstrap),
        sessionmaker=async_sessionmaker(engine, expire_on_commit=False),
        handlers={contract: handler},
    )
    relay = None if relay_apart else relay_for(engine, bootstrap, batch_size)
    child = await start_relay_apart(batch_size) if relay_apart else None
    tasks = [asyncio.create_task(consumer.run()), *([asyncio.create_task(relay.run())] if relay else [])]
    try:
        await asyncio.wait_for(consumer.started.wait(), timeout=60)
        await until_assigned(consumer)
        await fill_outbox(engine, contract, n)
        started = time.perf_counter()
        while await effects_count(engine) < n:
            await asyncio.sleep(0.1)
        return n / (time.perf_counter() - started)
    finally:
        if relay is not None:
            await relay.stop()
        if child is not None:
            await stop_relay_apart(child)
        await consumer.stop()
        await asyncio.wait(tasks, timeout=30)


async def until_assigned(consumer: EventConsumer, timeout_s: float = 60.0) -> None:
    """Until the consumer's group gave it its partitions (``started`` is set once it subscribed, before the join)."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not (consumer._consumer is not None and consumer._consumer.assignment()):
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("the bench's consumer got no partition")
        await asyncio.sleep(0.05)


RELAY_APART = "--relay-apart"
"""``python -m bench.event_bus --relay-apart``: only the relay, on the bench's database, until SIGTERM."""


async def start_relay_apart(batch_size: int) -> asyncio.subprocess.Process:
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.event_bus", RELAY_APART, "--batch-size", str(batch_size), stdout=asyncio.subprocess.PIPE
    )
    assert child.stdout is not None
    line = await asyncio.wait_for(child.stdout.readline(), timeout=60)
    if line.strip() != b"ready":
        child.kill()
        raise RuntimeError(f"the relay apart did not start: {line!r}")
    return child


async def stop_relay_apart(child: asyncio.subprocess.Process) -> None:
    if child.returncode is None:
        child.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(child.wait(), timeout=30)
    except TimeoutError:
        child.kill()
        await child.wait()


async def relay_alone(batch_size: int) -> None:
    """The child of ``start_relay_apart``: says ``ready`` once its producer is up, relays until SIGTERM."""
    engine = create_async_engine(credentials()["ABRI_BUSTEST_DATABASE_URL"], pool_size=2)
    relay = relay_for(engine, kafka_bootstrap(), batch_size)
    stopping = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stopping.set)
    await relay.drain_once()  # the producer started (the outbox is empty yet)
    task = asyncio.create_task(relay.run())
    try:
        print("ready", flush=True)
        await stopping.wait()
    finally:
        await relay.stop()
        await asyncio.wait([task], timeout=30)
        await engine.dispose()


async def latency_at(engine: AsyncEngine, bootstrap: str, rate: float, seconds: float) -> tuple[float, float, int]:
    """Write events one per transaction at ``rate``/s; p50 and p99 of commit -> effect committed, in ms."""
    from abri_bus.outbox import publish

    contract = new_contract()
    await create_topic(bootstrap, contract.topic())
    await truncate(engine)
    relay = relay_for(engine, bootstrap, 500)
    consumer = EventConsumer(
        group_id=f"bench-{contract.topic()}",
        kafka=dataclasses.replace(kafka(), bootstrap_servers=bootstrap),
        sessionmaker=async_sessionmaker(engine, expire_on_commit=False),
        handlers={contract: record_effect},
    )
    tasks = [asyncio.create_task(relay.run()), asyncio.create_task(consumer.run())]
    await consumer.started.wait()
    await asyncio.sleep(3)  # let the group settle before measuring
    total = int(rate * seconds)
    committed: dict[str, float] = {}
    try:
        started = time.perf_counter()
        for i in range(total):
            target = started + i / rate
            delay = target - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            async with engine.begin() as conn:
                await publish(conn, contract(item_id=f"item-{i % 100}", seq=i, written_at=0.0, note=PAYLOAD))
            committed[str(i)] = time.time()
        while await effects_count(engine) < total:
            await asyncio.sleep(0.2)
        async with engine.connect() as conn:
            rows = (
                await conn.execute(
                    sa.text("SELECT e.applied_at, o.data->>'seq' FROM bench_effects e JOIN event_outbox o ON o.event_id::text = e.event_id")
                )
            ).all()
        latencies = sorted((applied.timestamp() - committed[seq]) * 1000 for applied, seq in rows)
        p50 = statistics.median(latencies)
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
        return p50, p99, len(latencies)
    finally:
        await relay.stop()
        await consumer.stop()
        await asyncio.wait(tasks, timeout=30)


async def truncate(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(sa.text("TRUNCATE event_outbox, event_inbox, bench_effects"))


async def main(events: int, batch_size: int) -> dict[str, Any]:
    bootstrap = kafka_bootstrap()
    url = credentials()["ABRI_BUSTEST_DATABASE_URL"]
    engine = create_async_engine(url, pool_size=10)
    async with engine.begin() as conn:
        await conn.run_sync(bus_metadata.create_all)
        await conn.run_sync(metadata.create_all)
    await truncate(engine)
    try:
        results: dict[str, Any] = {}
        results["a_raw_produce_per_s"] = await raw_produce(bootstrap, events)
        results["b_relay_drain_per_s"] = await relay_drain(engine, bootstrap, events, batch_size)
        await truncate(engine)
        e2e_events = max(2000, events // 5)
        results["d_raw_produce_consume_per_s"] = await raw_produce_consume(bootstrap, events)
        results["e_database_txn_per_s"] = await database_rate(url, e2e_events)
        await truncate(engine)
        results["e_batched_database_txn_per_s"] = await database_rate_batched(url, e2e_events)
        await truncate(engine)
        results["c_end_to_end_per_s"] = await end_to_end(engine, bootstrap, e2e_events, batch_size)
        await truncate(engine)
        results["c_batch_handler_end_to_end_per_s"] = await end_to_end(
            engine, bootstrap, e2e_events, batch_size, BatchHandler(record_effects)
        )
        await truncate(engine)
        results["c_relay_apart_end_to_end_per_s"] = await end_to_end(engine, bootstrap, e2e_events, batch_size, relay_apart=True)
        await truncate(engine)
        results["c_batch_handler_relay_apart_end_to_end_per_s"] = await end_to_end(
            engine, bootstrap, e2e_events, batch_size, BatchHandler(record_effects), relay_apart=True
        )
        results["b_over_a"] = results["b_relay_drain_per_s"] / results["a_raw_produce_per_s"]
        floor = min(results["d_raw_produce_consume_per_s"], results["e_database_txn_per_s"])
        results["c_over_min_d_e"] = results["c_end_to_end_per_s"] / floor
        batched_floor = min(results["d_raw_produce_consume_per_s"], results["e_batched_database_txn_per_s"])
        results["c_over_min_d_e_batched"] = results["c_end_to_end_per_s"] / batched_floor
        results["c_batch_handler_over_min_d_e_batched"] = results["c_batch_handler_end_to_end_per_s"] / batched_floor
        results["c_relay_apart_over_min_d_e_batched"] = results["c_relay_apart_end_to_end_per_s"] / batched_floor
        results["c_batch_handler_relay_apart_over_min_d_e_batched"] = (
            results["c_batch_handler_relay_apart_end_to_end_per_s"] / batched_floor
        )
        half = min(results["c_end_to_end_per_s"] / 2, LATENCY_RATE_CAP)
        p50, p99, samples = await latency_at(engine, bootstrap, half, 10)
        results.update(latency_rate_per_s=half, latency_p50_ms=p50, latency_p99_ms=p99, latency_samples=samples)
        results["goals_met"] = results["b_over_a"] >= 0.5 and results["c_over_min_d_e"] >= 0.5
        results["events"] = events
        results["end_to_end_events"] = e2e_events
        results["machine"] = f"{platform.machine()}, {platform.python_implementation()} {platform.python_version()}"
        return results
    finally:
        await truncate(engine)
        await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--batch-size", type=int, default=1000, help="relay batch (the services' default)")
    parser.add_argument(RELAY_APART, action="store_true", help="run only the relay until SIGTERM (used by the bench itself)")
    args = parser.parse_args()
    if args.relay_apart:
        asyncio.run(relay_alone(args.batch_size))
        sys.exit(0)
    figures = asyncio.run(main(args.events, args.batch_size))
    print(json.dumps(figures, indent=2))
