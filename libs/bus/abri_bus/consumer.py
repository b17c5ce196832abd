"""The consumer: applies each event once, in order, and never blocks a partition for good.

- One consumer group per service; offsets are committed in batches, only after the effects of the
  messages before them have committed, and again when partitions are revoked.
- The handler runs in a database transaction that also inserts the inbox row ``(consumer, event id)``:
  a redelivered event finds its row and changes nothing.
- A failing handler is retried with backoff; after ``max_attempts``, or at once when the message cannot
  be decoded or does not match its contract, the message goes to ``<topic>.dlq`` and the partition
  moves on. When the database or Kafka itself is away, nothing is dead-lettered: the consumer seeks
  back to the message and tries again later.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import KafkaError
from aiokafka.structs import ConsumerRecord
from opentelemetry.trace import SpanKind, Status, StatusCode
from pydantic import ValidationError
from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from abri_bus import metrics
from abri_bus.backoff import Backoff
from abri_bus.dlq import dead_letter_headers, dlq_topic
from abri_bus.envelope import DecodeError, Envelope, decode
from abri_bus.kafka import KafkaSettings
from abri_bus.tables import inbox
from abri_bus.tracing import context_from, headers_to_carrier, tracer
from abri_contracts import EventContract

log = logging.getLogger(__name__)

C = TypeVar("C", bound=EventContract)


@dataclass(frozen=True)
class ReceivedEvent(Generic[C]):
    """An event handed to a handler: its envelope, its typed data, and where it came from."""

    envelope: Envelope
    data: C
    topic: str
    partition: int
    offset: int


Handler = Callable[[AsyncSession, ReceivedEvent[Any]], Awaitable[None]]


class InfrastructureUnavailable(Exception):
    """The database or Kafka is away: retry later, never dead-letter."""


def is_infrastructure_error(exc: BaseException) -> bool:
    """Errors that say "the database or Kafka is away", not "this message is bad"."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(
        exc, (OperationalError, InterfaceError, OSError, ConnectionError, KafkaError, InfrastructureUnavailable, TimeoutError)
    )


class _Poison(Exception):
    def __init__(self, reason: str, error: str, attempts: int) -> None:
        super().__init__(error)
        self.reason = reason
        self.error = error
        self.attempts = attempts


class EventConsumer:
    """Consumes the topics of the contracts in ``handlers`` as group ``group_id``.

    ``handlers`` maps each contract class to an async function ``(session, event)``; the session's
    transaction commits the effect and the inbox row together. Events of other types on those topics
    are skipped. Run :meth:`run` as a task; :meth:`stop` ends it after the current message.
    """

    def __init__(
        self,
        *,
        group_id: str,
        kafka: KafkaSettings,
        sessionmaker: async_sessionmaker[AsyncSession],
        handlers: Mapping[type[EventContract], Handler],
        max_attempts: int = 5,
        retry_backoff: Backoff | None = None,
        outage_backoff: Backoff | None = None,
        max_records: int = 500,
        inbox_retention: timedelta = timedelta(days=45),
        consumer_options: Mapping[str, Any] | None = None,
    ) -> None:
        self.group_id = group_id
        self._kafka = kafka
        self._sessionmaker = sessionmaker
        self._handlers: dict[str, tuple[type[EventContract], Handler]] = {
            cls.event_type: (cls, handler) for cls, handler in handlers.items()
        }
        self.topics = sorted({cls.topic() for cls in handlers})
        self.max_attempts = max_attempts
        self.retry_backoff = retry_backoff or Backoff(initial=0.1, maximum=5.0)
        self.outage_backoff = outage_backoff or Backoff(initial=0.5, maximum=15.0)
        self.max_records = max_records
        self.inbox_retention = inbox_retention
        self._last_cleanup = 0.0
        self._consumer_options = dict(consumer_options or {})
        self._consumer: AIOKafkaConsumer | None = None
        self._producer: AIOKafkaProducer | None = None
        self._pending: dict[TopicPartition, int] = {}
        self._stopping = asyncio.Event()
        self._outages = 0
        self.started = asyncio.Event()

    async def run(self) -> None:
        """Consume until :meth:`stop`; survives Kafka and database outages."""
        try:
            while not self._stopping.is_set():
                try:
                    consumer = await self._ensure_started()
                    batch = await consumer.getmany(timeout_ms=500, max_records=self.max_records)
                    outage = False
                    for tp, records in batch.items():
                        outage |= not await self._process_partition(consumer, tp, records)
                        if self._stopping.is_set():
                            break
                    await self._commit()
                    self._update_lag(consumer, batch)
                    if outage:
                        raise InfrastructureUnavailable("a message could not be applied for now")
                    self._outages = 0
                    await self._cleanup_inbox()
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    self._outages += 1
                    delay = self.outage_backoff.delay(self._outages)
                    log.warning("consumer %s: %s; retrying in %.1fs", self.group_id, exc, delay)
                    if not is_infrastructure_error(exc):
                        await self._restart()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._stopping.wait(), delay)
        finally:
            await self._close()

    async def stop(self) -> None:
        """Finish the current message, commit, and return from :meth:`run`."""
        self._stopping.set()

    async def _process_partition(
        self, consumer: AIOKafkaConsumer, tp: TopicPartition, records: list[ConsumerRecord[bytes, bytes]]
    ) -> bool:
        """Apply a partition's records in order; False if an outage stopped it (it seeks back)."""
        for record in records:
            if self._stopping.is_set() or tp not in consumer.assignment():
                return True  # revoked or stopping: the next owner (or next run) resumes from the commit
            try:
                await self._process(record)
            except _Poison as poison:
                try:
                    await self._dead_letter(record, poison)
                except Exception as exc:
                    log.warning("consumer %s: cannot dead-letter %s: %s", self.group_id, tp, exc)
                    consumer.seek(tp, record.offset)
                    return False
            except Exception as exc:
                if not is_infrastructure_error(exc):
                    raise
                log.warning("consumer %s: %s at %s/%d: %s", self.group_id, type(exc).__name__, tp, record.offset, exc)
                consumer.seek(tp, record.offset)
                return False
            self._pending[tp] = record.offset + 1
        return True

    async def _process(self, record: ConsumerRecord[bytes, bytes]) -> None:
        headers = list(record.headers)
        try:
            envelope = decode(record.key, record.value, headers)
        except DecodeError as exc:
            raise _Poison("undecodable", str(exc), 1) from exc
        route = self._handlers.get(envelope.type)
        if route is None:
            metrics.CONSUMED.labels(self.group_id, record.topic, "ignored").inc()
            return
        contract, handler = route
        try:
            data = contract.model_validate(envelope.data)
        except ValidationError as exc:
            raise _Poison("schema_invalid", str(exc), 1) from exc
        event = ReceivedEvent(envelope, data, record.topic, record.partition, record.offset)
        with tracer.start_as_current_span(
            f"{record.topic} process",
            context=context_from(headers_to_carrier(headers)),
            kind=SpanKind.CONSUMER,
            attributes={
                "messaging.system": "kafka",
                "messaging.operation.type": "process",
                "messaging.destination.name": record.topic,
                "messaging.consumer.group.name": self.group_id,
                "messaging.message.id": envelope.id,
                "messaging.kafka.offset": record.offset,
            },
        ) as span:
            attempt = 0
            while True:
                attempt += 1
                try:
                    applied = await self._apply(handler, event)
                    outcome = "applied" if applied else "duplicate"
                    span.set_attribute("abri.outcome", outcome)
                    metrics.CONSUMED.labels(self.group_id, record.topic, outcome).inc()
                    return
                except Exception as exc:
                    if is_infrastructure_error(exc):
                        span.set_status(Status(StatusCode.ERROR, str(exc)))
                        raise
                    metrics.HANDLER_ERRORS.labels(self.group_id, envelope.type).inc()
                    span.record_exception(exc)
                    if attempt >= self.max_attempts:
                        span.set_status(Status(StatusCode.ERROR, str(exc)))
                        raise _Poison("handler_failed", f"{type(exc).__name__}: {exc}", attempt) from exc
                    delay = self.retry_backoff.delay(attempt)
                    log.info(
                        "consumer %s: %s failed (attempt %d), retrying in %.2fs: %s",
                        self.group_id,
                        envelope.id,
                        attempt,
                        delay,
                        exc,
                    )
                    await asyncio.sleep(delay)

    async def _apply(self, handler: Handler, event: ReceivedEvent[Any]) -> bool:
        """Run the handler and insert the inbox row in one transaction; False if already applied."""
        async with self._sessionmaker() as session, session.begin():
            inserted = await session.execute(
                insert(inbox)
                .values(
                    consumer=self.group_id,
                    event_id=event.envelope.id,
                    event_type=event.envelope.type,
                    topic=event.topic,
                    partition=event.partition,
                    offset=event.offset,
                )
                .on_conflict_do_nothing(index_elements=["consumer", "event_id"])
                .returning(inbox.c.event_id)
            )
            if inserted.first() is None:
                return False
            await handler(session, event)
        return True

    async def _dead_letter(self, record: ConsumerRecord[bytes, bytes], poison: _Poison) -> None:
        producer = await self._ensure_producer()
        headers = dead_letter_headers(
            list(record.headers),
            reason=poison.reason,
            error=poison.error,
            consumer=self.group_id,
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            attempts=poison.attempts,
        )
        await asyncio.wait_for(
            producer.send_and_wait(dlq_topic(record.topic), value=record.value, key=record.key, headers=headers),
            self._kafka.request_timeout_ms / 1000 + 5,
        )
        metrics.DEAD_LETTERS.labels(self.group_id, record.topic, poison.reason).inc()
        metrics.CONSUMED.labels(self.group_id, record.topic, "dead_lettered").inc()
        log.error(
            "consumer %s: %s/%d/%d dead-lettered (%s): %s",
            self.group_id,
            record.topic,
            record.partition,
            record.offset,
            poison.reason,
            poison.error[:300],
        )

    async def _cleanup_inbox(self) -> None:
        """Forget inbox rows older than the retention, every 10 minutes.

        The retention must outlast every way a copy can come back: the topic's retention (7 days), and a
        replay from the dead-letter topic (kept 30 days); the default of 45 days covers both.
        """
        now = asyncio.get_running_loop().time()
        if now - self._last_cleanup < 600:
            return
        self._last_cleanup = now
        cutoff = datetime.now(UTC) - self.inbox_retention
        async with self._sessionmaker() as session, session.begin():
            await session.execute(delete(inbox).where(inbox.c.consumer == self.group_id, inbox.c.processed_at < cutoff))

    async def _commit(self) -> None:
        if not self._pending or self._consumer is None:
            return
        assigned = self._consumer.assignment()
        offsets = {tp: offset for tp, offset in self._pending.items() if tp in assigned}
        self._pending.clear()
        if offsets:
            try:
                await self._consumer.commit(offsets)
            except KafkaError as exc:  # e.g. during a rebalance: the inbox absorbs the redelivery
                log.warning("consumer %s: commit failed: %s", self.group_id, exc)

    def _update_lag(self, consumer: AIOKafkaConsumer, batch: Mapping[TopicPartition, list[ConsumerRecord[bytes, bytes]]]) -> None:
        for tp, records in batch.items():
            highwater = consumer.highwater(tp)
            if highwater is not None and records:
                lag = max(0, highwater - (records[-1].offset + 1))
                metrics.CONSUMER_LAG.labels(self.group_id, tp.topic, str(tp.partition)).set(lag)

    async def _ensure_started(self) -> AIOKafkaConsumer:
        if self._consumer is None:
            options: dict[str, Any] = {
                "bootstrap_servers": self._kafka.bootstrap_servers,
                "client_id": f"{self._kafka.client_id}-{self.group_id}",
                "group_id": self.group_id,
                "enable_auto_commit": False,
                "auto_offset_reset": "earliest",
                "isolation_level": "read_committed",
            }
            options.update(self._consumer_options)
            consumer = AIOKafkaConsumer(**options)
            try:
                await consumer.start()
                consumer.subscribe(self.topics, listener=_CommitOnRevoke(self))
            except BaseException:
                with contextlib.suppress(Exception):
                    await consumer.stop()
                raise
            self._consumer = consumer
            self.started.set()
        return self._consumer

    async def _ensure_producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            producer = self._kafka.producer()
            await asyncio.wait_for(producer.start(), self._kafka.request_timeout_ms / 1000 + 5)
            self._producer = producer
        return self._producer

    async def _restart(self) -> None:
        """Drop the clients after an unexpected error; the next round starts fresh from the commit."""
        await self._close()

    async def _close(self) -> None:
        if self._consumer is not None:
            with contextlib.suppress(Exception):
                await self._commit()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._consumer.stop(), 10)
            self._consumer = None
        self._pending.clear()
        if self._producer is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._producer.stop(), 10)
            self._producer = None


class _CommitOnRevoke(ConsumerRebalanceListener):  # type: ignore[misc]
    """Commits what was applied before partitions go to another member."""

    def __init__(self, owner: EventConsumer) -> None:
        self._owner = owner

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        await self._owner._commit()

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        return None
