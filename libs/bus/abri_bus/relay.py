"""The outbox relay: moves committed outbox rows to Kafka, in order, never dropping one.

Each round claims a batch of unsent rows (``FOR UPDATE SKIP LOCKED``), produces them with an
idempotent producer, waits for every acknowledgement, then marks them sent in the same transaction.
If anything fails, the transaction rolls back, the rows stay unsent, and the round is retried with
backoff, for as long as Kafka is away. A crash between produce and mark re-sends the batch: consumers'
inboxes absorb the duplicates (at-least-once delivery, exactly-once effects).

Per-key order: a transaction-scoped advisory lock lets one relay of a service work at a time, so that
two relays cannot interleave two batches holding events of the same aggregate.

A row Kafka refuses for good (:data:`PERMANENT`: larger than the broker takes, a topic name Kafka never
accepts, data that does not encode) is set aside (``parked_at``) with its error, instead of blocking every
later event of the service behind it for ever; the later events of the same topic and key wait behind it,
so that no consumer sees an aggregate's events out of order. The rest of the batch goes out. Ops see
parked rows (``abri_outbox_parked_rows``, ``GET /v1/ops/outbox/parked``) and, once the cause is fixed, release
one (``POST /v1/ops/outbox/parked/release``): the relay tries it again, and parks it again if Kafka
still refuses it. Nothing is ever deleted.
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
from aiokafka.errors import InvalidTopicError, MessageSizeTooLargeError, RecordTooLargeError
from opentelemetry.trace import Span, SpanKind, Status, StatusCode
from sqlalchemy import and_, delete, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from abri_bus import metrics
from abri_bus.backoff import Backoff
from abri_bus.envelope import encode_raw
from abri_bus.tables import OUTBOX_CHANNEL, outbox
from abri_bus.tracing import context_from, traceparent_of, tracer

log = logging.getLogger(__name__)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:1000]


RELAY_LOCK_KEY = 0x61627269  # "abri": the advisory lock that keeps one active relay per database

_LOCK = "SELECT pg_try_advisory_xact_lock($1)"
_CLAIM = """
SELECT seq, event_id::text AS event_id, topic, message_key, event_type, source, dataschema,
       to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS occurred_at,
       data::text AS data_json,
       trace_context->>'traceparent' AS traceparent, trace_context->>'tracestate' AS tracestate,
       extract(epoch FROM created_at)::float8 AS created_epoch
  FROM event_outbox o
 WHERE sent_at IS NULL AND parked_at IS NULL
   AND NOT EXISTS (
       SELECT 1 FROM event_outbox p
        WHERE p.parked_at IS NOT NULL AND p.sent_at IS NULL AND p.topic = o.topic AND p.message_key = o.message_key)
 ORDER BY seq
 LIMIT $1
   FOR UPDATE SKIP LOCKED
"""
_PARK = "UPDATE event_outbox SET parked_at = now(), attempts = attempts + 1, last_error = $2 WHERE seq = $1"
PERMANENT: tuple[type[BaseException], ...] = (MessageSizeTooLargeError, RecordTooLargeError, InvalidTopicError, ValueError)
"""Refusals that no retry cures, for one row: it is parked. Everything else (Kafka away, a leader moving, an
authorisation missing for a whole topic) is retried with the whole batch, as before."""
_BACKLOG = text("""
SELECT count(*) FILTER (WHERE parked_at IS NULL),
       min(created_at) FILTER (WHERE parked_at IS NULL AND NOT EXISTS (
           SELECT 1 FROM event_outbox p
            WHERE p.parked_at IS NOT NULL AND p.sent_at IS NULL AND p.topic = o.topic AND p.message_key = o.message_key)),
       count(*) FILTER (WHERE parked_at IS NOT NULL)
  FROM event_outbox o
 WHERE sent_at IS NULL
""")
"""The rows waiting for the relay, the oldest that is not held behind a parked one, and the parked ones:
a parked row raises its own alert, not the backlog's."""
_MARK_SENT = """
WITH sent AS (UPDATE event_outbox SET sent_at = now() WHERE seq = ANY($1::bigint[]) RETURNING sent_at)
SELECT extract(epoch FROM max(sent_at))::float8 FROM sent
"""


class OutboxRelay:
    """Publishes a service's outbox to Kafka. Run :meth:`run` as a task; :meth:`stop` ends it."""

    def __init__(
        self,
        engine: AsyncEngine,
        producer_factory: Callable[[], AIOKafkaProducer],
        *,
        service: str,
        batch_size: int = 1000,
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
        self.idle = asyncio.Event()
        """Set while the relay has nothing to send and waits for a commit's notification or its poll."""
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
        """Publish one batch of unsent rows; returns how many were sent (0 when idle or not the leader).

        This is the hot path: it speaks to asyncpg directly with three fixed statements.
        """
        claimed: list[Any] = []
        try:
            async with self._engine.connect() as conn:
                raw = (await conn.get_raw_connection()).driver_connection
                assert raw is not None
                async with raw.transaction():
                    if not await raw.fetchval(_LOCK, RELAY_LOCK_KEY):
                        return 0
                    claimed = await raw.fetch(_CLAIM, self.batch_size)
                    if not claimed:
                        return 0
                    refused, held = await self._produce(claimed)
                    for seq, error in refused.items():
                        await raw.execute(_PARK, seq, error)
                    sent = [row for row in claimed if row["seq"] not in refused and row["seq"] not in held]
                    sent_at = await raw.fetchval(_MARK_SENT, [row["seq"] for row in sent]) if sent else 0.0
        except Exception as exc:
            if claimed:  # after the rollback released the rows' locks
                await self._record_failure(claimed, f"{type(exc).__name__}: {exc}"[:1000])
            raise
        metrics.OUTBOX_PUBLISHED.labels(self.service).inc(len(sent))
        histogram = metrics.RELAY_LAG.labels(self.service)
        for row in sent:
            histogram.observe(max(0.0, sent_at - row["created_epoch"]))
        return len(claimed)  # a full batch, parked rows included, means: look again at once

    async def _produce(self, rows: list[Any]) -> tuple[dict[int, str], set[int]]:
        """Send ``rows`` in order and wait for every acknowledgement. Returns the rows Kafka refused for good
        (seq: the error) and those held back behind one of them (same topic and key, not sent); raises on
        any other failure, so that the whole batch is tried again."""
        producer = await self._ensure_producer()
        sending: list[tuple[Any, asyncio.Future[Any], Span]] = []
        spans: list[Span] = []
        refused: dict[int, str] = {}
        held: set[int] = set()
        poisoned: set[tuple[str, str]] = set()
        error: BaseException | None = None
        try:
            async with asyncio.timeout(self.send_timeout):
                for row in rows:
                    topic = row["topic"]
                    if (topic, row["message_key"]) in poisoned:
                        held.add(row["seq"])  # per-key order: not before the row it follows
                        continue
                    parent = row["traceparent"]
                    span = tracer.start_span(
                        f"{topic} publish",
                        context=context_from({"traceparent": parent, "tracestate": row["tracestate"] or ""}) if parent else None,
                        kind=SpanKind.PRODUCER,
                        attributes={
                            "messaging.system": "kafka",
                            "messaging.operation.type": "send",
                            "messaging.destination.name": topic,
                            "messaging.message.id": row["event_id"],
                        },
                    )
                    spans.append(span)
                    try:
                        key, value, headers = encode_raw(
                            event_id=row["event_id"],
                            source=row["source"],
                            event_type=row["event_type"],
                            subject=row["message_key"],
                            time=row["occurred_at"],
                            dataschema=row["dataschema"],
                            data_json=row["data_json"],
                        )
                        headers.append(("traceparent", traceparent_of(span)))
                        if row["tracestate"]:
                            headers.append(("tracestate", row["tracestate"].encode()))
                        sending.append((row, await producer.send(topic, value=value, key=key, headers=headers), span))
                    except PERMANENT as exc:  # refused before it left: too large, an invalid topic, data that does not encode
                        refused[row["seq"]] = _describe(exc)
                        poisoned.add((topic, row["message_key"]))
                        span.set_status(Status(StatusCode.ERROR, str(exc)))
                results = await asyncio.gather(*(future for _, future, _ in sending), return_exceptions=True)
            for (row, _, span), result in zip(sending, results, strict=True):
                if isinstance(result, PERMANENT):  # the broker refused this record for good
                    refused[row["seq"]] = _describe(result)
                    span.set_status(Status(StatusCode.ERROR, str(result)))
                elif isinstance(result, BaseException) and error is None:
                    error = result
        except BaseException as exc:
            for _, future, _ in sending:
                future.cancel()
            error = exc
        for span in spans:
            if error is not None:
                span.set_status(Status(StatusCode.ERROR, str(error)))
            span.end()
        if error is not None:
            raise error
        if refused:
            metrics.OUTBOX_PARKED_TOTAL.labels(self.service).inc(len(refused))
            log.error("outbox relay of %s set aside %d row(s) Kafka refuses for good: %s", self.service, len(refused), refused)
        return refused, held

    async def _record_failure(self, rows: list[Any], error: str) -> None:
        """Note the failed attempt on the rows, in a transaction of its own (the claim rolls back)."""
        with contextlib.suppress(Exception):
            async with self._engine.begin() as conn:
                await conn.execute(
                    update(outbox)
                    .where(outbox.c.seq.in_([row["seq"] for row in rows]))
                    .values(attempts=outbox.c.attempts + 1, last_error=error)
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
                count, oldest, parked = (await conn.execute(_BACKLOG)).one()
        except Exception as exc:
            log.debug("outbox backlog of %s unknown: %s", self.service, exc)
            return
        metrics.OUTBOX_BACKLOG.labels(self.service).set(count)
        metrics.OUTBOX_PARKED.labels(self.service).set(parked)
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
        connection: asyncpg.Connection | None = None
        try:
            connection = await asyncpg.connect(dsn, timeout=5)
            await connection.add_listener(OUTBOX_CHANNEL, self._on_notify)
            self._listener = connection
        except Exception as exc:  # polling still works without LISTEN
            log.info("outbox relay of %s polls without LISTEN (%s)", self.service, exc)
            if connection is not None:
                with contextlib.suppress(Exception):
                    await connection.close(timeout=2)

    def _on_notify(self, *_: object) -> None:
        self._wake.set()

    async def _idle(self) -> None:
        if self._listener is not None and self._listener.is_closed():
            self._listener = None
        self.idle.set()
        try:
            await self._sleep(self.poll_interval)
        finally:
            self.idle.clear()

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
