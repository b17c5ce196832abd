"""The outbox relay: moves committed outbox rows to Kafka, in order, never dropping one.

Each round claims a batch of unsent rows (``FOR UPDATE SKIP LOCKED``), produces them with an
idempotent producer, waits for every acknowledgement, then marks them sent in the same transaction.
If anything fails, the transaction rolls back, the rows stay unsent, and the round is retried with
backoff, for as long as Kafka is away. A crash between produce and mark re-sends the batch: consumers'
inboxes absorb the duplicates (at-least-once delivery, exactly-once effects).

Per-key order: a transaction-scoped advisory lock lets one relay of a service work at a time, so that
two relays cannot interleave two batches holding events of the same aggregate.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from opentelemetry.trace import SpanKind, Status, StatusCode
from sqlalchemy import Text, and_, cast, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from abri_bus import metrics
from abri_bus.backoff import Backoff
from abri_bus.envelope import encode_raw
from abri_bus.tables import OUTBOX_CHANNEL, outbox
from abri_bus.tracing import context_from, span_headers, tracer

log = logging.getLogger(__name__)

RELAY_LOCK_KEY = 0x61627269  # "abri": the advisory lock that keeps one active relay per database


class OutboxRelay:
    """Publishes a service's outbox to Kafka. Run :meth:`run` as a task; :meth:`stop` ends it."""

    def __init__(
        self,
        engine: AsyncEngine,
        producer_factory: Callable[[], AIOKafkaProducer],
        *,
        service: str,
        batch_size: int = 500,
        poll_interval: float = 1.0,
        send_timeout: float = 30.0,
        backoff: Backoff | None = None,
        sent_retention: timedelta = timedelta(hours=24),
        listen: bool = True,
    ) -> None:
        self._engine = engine
        self._producer_factory = producer_factory
        self._producer: AIOKafkaProducer | None = None
        self.service = service
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.send_timeout = send_timeout
        self.backoff = backoff or Backoff(initial=0.2, maximum=10.0)
        self.sent_retention = sent_retention
        self._listen = listen
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._listener: asyncpg.Connection | None = None
        self._last_backlog_check = 0.0
        self._last_cleanup = 0.0
        self.failures = 0

    async def run(self) -> None:
        """Relay until :meth:`stop`; survives Kafka and database outages."""
        loop = asyncio.get_running_loop()
        try:
            while not self._stopping.is_set():
                sent = 0
                try:
                    if self._listen and self._listener is None:
                        await self._start_listener()
                    sent = await self.drain_once()
                    self.failures = 0
                    if loop.time() - self._last_cleanup > 60:
                        await self._cleanup()
                        self._last_cleanup = loop.time()
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # never give up: back off and retry the same rows
                    self.failures += 1
                    metrics.OUTBOX_PUBLISH_FAILURES.labels(self.service).inc()
                    delay = self.backoff.delay(self.failures)
                    log.warning("outbox relay of %s failed (%s); retrying in %.1fs", self.service, exc, delay)
                    await self._update_backlog()
                    await self._reset_producer()
                    with contextlib.suppress(TimeoutError):  # new rows must not hasten retries
                        await asyncio.wait_for(self._stopping.wait(), delay)
                    continue
                if sent < self.batch_size or loop.time() - self._last_backlog_check > 5:
                    await self._update_backlog()
                if sent < self.batch_size:
                    await self._idle()
        finally:
            await self._close()

    async def stop(self) -> None:
        """Ask :meth:`run` to finish its current round and return."""
        self._stopping.set()
        self._wake.set()

    async def drain_once(self) -> int:
        """Publish one batch of unsent rows; returns how many were sent (0 when idle or not the leader)."""
        claimed: list[Any] = []
        try:
            async with self._engine.begin() as conn:
                leader = (await conn.execute(select(func.pg_try_advisory_xact_lock(RELAY_LOCK_KEY)))).scalar_one()
                if not leader:
                    return 0
                claimed = list((await conn.execute(self._claim_statement())).all())
                if not claimed:
                    return 0
                await self._produce(claimed)
                sent_at = datetime.now(UTC)
                await conn.execute(update(outbox).where(outbox.c.seq.in_([row.seq for row in claimed])).values(sent_at=sent_at))
        except Exception:
            if claimed:  # after the rollback released the rows' locks
                await self._record_failure(claimed)
            raise
        metrics.OUTBOX_PUBLISHED.labels(self.service).inc(len(claimed))
        histogram = metrics.RELAY_LAG.labels(self.service)
        for row in claimed:
            histogram.observe(max(0.0, (sent_at - row.created_at).total_seconds()))
        return len(claimed)

    def _claim_statement(self) -> Any:
        return (
            select(
                outbox.c.seq,
                outbox.c.event_id,
                outbox.c.topic,
                outbox.c.message_key,
                outbox.c.event_type,
                outbox.c.source,
                outbox.c.dataschema,
                outbox.c.occurred_at,
                cast(outbox.c.data, Text).label("data_json"),
                outbox.c.trace_context,
                outbox.c.created_at,
            )
            .where(outbox.c.sent_at.is_(None))
            .order_by(outbox.c.seq)
            .limit(self.batch_size)
            .with_for_update(skip_locked=True)
        )

    async def _produce(self, rows: list[Any]) -> None:
        producer = await self._ensure_producer()
        futures: list[asyncio.Future[Any]] = []
        spans = []
        try:
            for row in rows:
                span = tracer.start_span(
                    f"{row.topic} publish",
                    context=context_from(row.trace_context or {}),
                    kind=SpanKind.PRODUCER,
                    attributes={
                        "messaging.system": "kafka",
                        "messaging.operation.type": "send",
                        "messaging.destination.name": row.topic,
                        "messaging.message.id": str(row.event_id),
                        "messaging.kafka.message.key": row.message_key,
                    },
                )
                spans.append(span)
                key, value, headers = encode_raw(
                    event_id=str(row.event_id),
                    source=row.source,
                    event_type=row.event_type,
                    subject=row.message_key,
                    time=row.occurred_at,
                    dataschema=row.dataschema,
                    data_json=row.data_json,
                )
                headers += [(name, val.encode()) for name, val in span_headers(span).items()]
                send = producer.send(row.topic, value=value, key=key, headers=headers)
                futures.append(await asyncio.wait_for(send, self.send_timeout))
            results = await asyncio.wait_for(asyncio.gather(*futures, return_exceptions=True), self.send_timeout)
        except BaseException as exc:
            for future in futures:
                future.cancel()
            for span in spans:
                span.set_status(Status(StatusCode.ERROR, str(exc)))
                span.end()
            raise
        errors = [result for result in results if isinstance(result, BaseException)]
        for span in spans:
            if errors:
                span.set_status(Status(StatusCode.ERROR, str(errors[0])))
            span.end()
        if errors:
            raise errors[0]

    async def _record_failure(self, rows: list[Any]) -> None:
        """Note the failed attempt on the rows, in a transaction of its own (the claim rolls back)."""
        with contextlib.suppress(Exception):
            async with self._engine.begin() as conn:
                await conn.execute(
                    update(outbox)
                    .where(outbox.c.seq.in_([row.seq for row in rows]))
                    .values(attempts=outbox.c.attempts + 1, last_error="publish failed")
                )

    async def _ensure_producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            producer = self._producer_factory()
            try:
                await asyncio.wait_for(producer.start(), self.send_timeout)
            except BaseException:
                with contextlib.suppress(Exception):
                    await producer.stop()
                raise
            self._producer = producer
        return self._producer

    async def _update_backlog(self) -> None:
        """Refresh the backlog gauges (best effort: the database may be the thing that is down)."""
        self._last_backlog_check = asyncio.get_running_loop().time()
        try:
            async with self._engine.connect() as conn:
                count, oldest = (
                    await conn.execute(select(func.count(), func.min(outbox.c.created_at)).where(outbox.c.sent_at.is_(None)))
                ).one()
        except Exception as exc:
            log.debug("outbox backlog of %s unknown: %s", self.service, exc)
            return
        metrics.OUTBOX_BACKLOG.labels(self.service).set(count)
        age = (datetime.now(UTC) - oldest).total_seconds() if oldest is not None else 0.0
        metrics.OUTBOX_OLDEST_AGE.labels(self.service).set(max(0.0, age))

    async def _cleanup(self) -> None:
        """Delete rows sent longer ago than the retention (they stay visible to ops until then)."""
        cutoff = datetime.now(UTC) - self.sent_retention
        async with self._engine.begin() as conn:
            doomed = select(outbox.c.seq).where(and_(outbox.c.sent_at.is_not(None), outbox.c.sent_at < cutoff)).limit(10_000)
            await conn.execute(delete(outbox).where(outbox.c.seq.in_(doomed)))

    async def _start_listener(self) -> None:
        dsn = self._engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        try:
            connection = await asyncpg.connect(dsn, timeout=5)
            await connection.add_listener(OUTBOX_CHANNEL, self._on_notify)
            self._listener = connection
        except Exception as exc:  # polling still works without LISTEN
            log.info("outbox relay of %s polls without LISTEN (%s)", self.service, exc)

    def _on_notify(self, *_: object) -> None:
        self._wake.set()

    async def _idle(self) -> None:
        if self._listener is not None and self._listener.is_closed():
            self._listener = None
        await self._sleep(self.poll_interval)

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)
        self._wake.clear()

    async def _close(self) -> None:
        if self._listener is not None:
            with contextlib.suppress(Exception):
                await self._listener.close(timeout=2)
            self._listener = None
        await self._reset_producer()

    async def _reset_producer(self) -> None:
        if self._producer is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._producer.stop(), 10)
            self._producer = None


async def pending_count(conn: AsyncConnection) -> int:
    """Outbox rows not yet sent (for tools and tests)."""
    return int((await conn.execute(select(func.count()).where(outbox.c.sent_at.is_(None)))).scalar_one())
