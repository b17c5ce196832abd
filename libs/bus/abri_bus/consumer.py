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
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import KafkaError
from aiokafka.structs import ConsumerRecord
from opentelemetry.trace import SpanKind, Status, StatusCode
from pydantic import ValidationError
from sqlalchemy import delete, select, text
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from abri_bus import metrics
from abri_bus.backoff import Backoff
from abri_bus.causation import caused_by
from abri_bus.dlq import DeadLetter, dead_letter_headers, dlq_topic
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


@dataclass(frozen=True)
class BatchHandler:
    """A handler that applies the new events of a batch in one call, in order: for read models fed at
    high rates (one ``executemany`` instead of one statement per event). Same guarantees as a plain
    handler: a failing call is replayed around the event that fails, each event applied once."""

    apply: Callable[[AsyncSession, list[ReceivedEvent[Any]]], Awaitable[None]]


class InfrastructureUnavailable(Exception):
    """The database or Kafka is away: retry later, never dead-letter."""


UNAVAILABLE_SQLSTATES = ("08", "53", "57P")
"""PostgreSQL's error codes that say the server is away, not that the statement is wrong: connection
exceptions (class 08), insufficient resources such as too many connections (53), and the server shutting
down or not yet accepting connections (57P01-57P03; not 57014, a cancelled statement)."""


def is_infrastructure_error(exc: BaseException) -> bool:
    """Errors that say "the database or Kafka is away", not "this message is bad"."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if _sqlstate(exc).startswith(UNAVAILABLE_SQLSTATES):
        return True
    return isinstance(
        exc, (OperationalError, InterfaceError, OSError, ConnectionError, KafkaError, InfrastructureUnavailable, TimeoutError)
    )


def _sqlstate(exc: BaseException) -> str:
    """The SQLSTATE the driver gave the error (SQLAlchemy wraps asyncpg's error, which holds it), or ""."""
    seen: BaseException | None = exc
    for _ in range(5):  # the wrapper, the adapter's error, asyncpg's own
        if seen is None:
            break
        code = getattr(seen, "sqlstate", None) or getattr(seen, "pgcode", None)
        if isinstance(code, str) and code:
            return code
        seen = getattr(seen, "orig", None) or seen.__cause__
    return ""


@dataclass(frozen=True)
class ReplayOutcome:
    """What a replay of dead letters did: applied now, already applied before (the inbox knew them), or
    skipped (another consumer's dead letters, or an event type this consumer does not handle)."""

    applied: int = 0
    duplicates: int = 0
    skipped: int = 0


class ReplayFailed(Exception):
    """A dead letter still cannot be applied: nothing after it was replayed."""

    def __init__(self, letter: DeadLetter, reason: str, error: str) -> None:
        super().__init__(f"{letter.dlq_topic}/{letter.partition}/{letter.offset}: {reason}: {error}"[:1000])
        self.letter, self.reason, self.error = letter, reason, error


class _Poison(Exception):
    """A message that will never apply: it goes to the dead-letter topic."""

    def __init__(self, reason: str, error: str, attempts: int) -> None:
        super().__init__(error)
        self.reason = reason
        self.error = error
        self.attempts = attempts


class _HandlerFailed(Exception):
    """A handler of a batch raised: the batch rolled back."""

    def __init__(self, index: int, error: BaseException) -> None:
        super().__init__(str(error))
        self.index = index
        self.error = error


@dataclass(frozen=True)
class _Work:
    """A decoded record: an event to apply, one to skip (no handler), or a poison."""

    record: ConsumerRecord[bytes, bytes]
    event: ReceivedEvent[Any] | None
    handler: Handler | BatchHandler | None
    poison: _Poison | None


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
        handlers: Mapping[type[EventContract], Handler | BatchHandler],
        max_attempts: int = 5,
        retry_backoff: Backoff | None = None,
        outage_backoff: Backoff | None = None,
        max_records: int = 500,
        batch_size: int = 100,
        inbox_retention: timedelta = timedelta(days=45),
        consumer_options: Mapping[str, Any] | None = None,
    ) -> None:
        self.group_id = group_id
        self._kafka = kafka
        self._sessionmaker = sessionmaker
        self._handlers: dict[str, tuple[type[EventContract], Handler | BatchHandler]] = {
            cls.event_type: (cls, handler) for cls, handler in handlers.items()
        }
        self.topics = sorted({cls.topic() for cls in handlers})
        self.max_attempts = max_attempts
        self.retry_backoff = retry_backoff or Backoff(initial=0.1, maximum=5.0)
        self.outage_backoff = outage_backoff or Backoff(initial=0.5, maximum=15.0)
        self.max_records = max_records
        self.batch_size = batch_size
        self.inbox_retention = inbox_retention
        self._last_cleanup = 0.0
        self._consumer_options = dict(consumer_options or {})
        self._consumer: AIOKafkaConsumer | None = None
        self._producer: AIOKafkaProducer | None = None
        self._pending: dict[TopicPartition, int] = {}
        self._processing = asyncio.Lock()
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
                    async with self._processing:  # a revoke waits for the batch in hand, then commits it
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

    async def replay(self, letters: Sequence[DeadLetter]) -> ReplayOutcome:
        """Apply this consumer's dead letters again, in order, in this process: each through its handler and
        the inbox in one transaction, as when it was first received (an event applied since is a
        duplicate). Nothing is written to Kafka, so a service needs no right on the topics it consumes
        but to read them. Other groups' dead letters are skipped. :class:`ReplayFailed` at the first that
        still fails (decoding, schema or handler): those before it stay applied."""
        applied = duplicates = skipped = 0
        for letter in letters:
            if letter.consumer not in (None, self.group_id):
                skipped += 1
                continue
            work = self._prepare(letter.original())
            if work.poison is not None:
                raise ReplayFailed(letter, work.poison.reason, work.poison.error)
            if work.event is None or work.handler is None:
                skipped += 1
                continue
            try:
                done = await self._apply(work.handler, work.event)
            except Exception as exc:
                raise ReplayFailed(letter, "handler_failed", f"{type(exc).__name__}: {exc}") from exc
            metrics.CONSUMED.labels(self.group_id, work.event.topic, "replayed" if done else "duplicate").inc()
            applied, duplicates = applied + done, duplicates + (not done)
        return ReplayOutcome(applied, duplicates, skipped)

    async def _process_partition(self, consumer: AIOKafkaConsumer, tp: TopicPartition, records: list[ConsumerRecord[bytes, bytes]]) -> bool:
        """Apply a partition's records in order; False if an outage stopped it (it seeks back).

        Consecutive good records are applied in batches of up to ``batch_size``, one transaction each;
        a poison record is dead-lettered in its place in the order.
        """
        batch: list[_Work] = []
        for record in records:
            if self._stopping.is_set() or tp not in consumer.assignment():
                break  # revoked or stopping: the next owner (or next run) resumes from the commit
            work = self._prepare(record)
            if work.poison is None:
                batch.append(work)
                if len(batch) >= self.batch_size:
                    if not await self._flush(consumer, tp, batch):
                        return False
                    batch = []
                continue
            if not await self._flush(consumer, tp, batch):
                return False
            batch = []
            if not await self._dead_letter_or_seek(consumer, tp, record, work.poison):
                return False
            self._pending[tp] = record.offset + 1
        if self._stopping.is_set() or tp not in consumer.assignment():
            return True
        return await self._flush(consumer, tp, batch)

    def _prepare(self, record: ConsumerRecord[bytes, bytes]) -> _Work:
        """Decode and validate a record (no I/O)."""
        try:
            envelope = decode(record.key, record.value, list(record.headers))
        except DecodeError as exc:
            return _Work(record, None, None, _Poison("undecodable", str(exc), 1))
        route = self._handlers.get(envelope.type)
        if route is None:
            return _Work(record, None, None, None)  # another consumer's event type: skipped
        contract, handler = route
        try:
            data = contract.model_validate(envelope.data)
        except ValidationError as exc:
            return _Work(record, None, None, _Poison("schema_invalid", str(exc), 1))
        return _Work(record, ReceivedEvent(envelope, data, record.topic, record.partition, record.offset), handler, None)

    async def _flush(self, consumer: AIOKafkaConsumer, tp: TopicPartition, batch: list[_Work]) -> bool:
        """Apply a batch in one transaction. If a handler fails, the events before it are applied again
        as a batch, the failing one on its own with retries (the failure counts as its first attempt),
        and the rest as a batch."""
        if not batch:
            return True
        try:
            await self._apply_batch(batch)
        except _HandlerFailed as failed:
            if await self._is_outage(failed.error):
                return self._outage(consumer, tp, batch[0].record.offset, failed.error)
            before, work, after = batch[: failed.index], batch[failed.index], batch[failed.index + 1 :]
            if not await self._flush(consumer, tp, before):
                return False
            try:
                await self._process_one(work, failed_attempts=1)
            except _Poison as poison:
                if not await self._dead_letter_or_seek(consumer, tp, work.record, poison):
                    return False
            except Exception as exc:
                return self._outage(consumer, tp, work.record.offset, exc)
            self._pending[tp] = work.record.offset + 1
            return await self._flush(consumer, tp, after)
        except Exception as exc:
            if await self._is_outage(exc):
                return self._outage(consumer, tp, batch[0].record.offset, exc)
            # not the handler's fault alone (e.g. the inbox insert): one by one, poison goes to the DLQ
            return await self._one_by_one(consumer, tp, batch)
        self._pending[tp] = batch[-1].record.offset + 1
        return True

    async def _one_by_one(self, consumer: AIOKafkaConsumer, tp: TopicPartition, batch: list[_Work]) -> bool:
        for work in batch:
            try:
                await self._process_one(work)
            except _Poison as poison:
                if not await self._dead_letter_or_seek(consumer, tp, work.record, poison):
                    return False
            except Exception as exc:
                return self._outage(consumer, tp, work.record.offset, exc)
            self._pending[tp] = work.record.offset + 1
        return True

    async def _is_outage(self, exc: BaseException) -> bool:
        """An error of the database's type counts as an outage only if the database does not answer:
        a handler's own TimeoutError or OSError must count as a failed attempt, not stall the partition."""
        if not is_infrastructure_error(exc):
            return False
        try:
            async with asyncio.timeout(2.0), self._sessionmaker() as session:
                await session.execute(text("SELECT 1"))
        except Exception:
            return True
        return False

    def _outage(self, consumer: AIOKafkaConsumer, tp: TopicPartition, offset: int, exc: BaseException) -> bool:
        """The database or Kafka is away: go back to ``offset`` and try again later."""
        log.warning("consumer %s: %s at %s/%d: %s", self.group_id, type(exc).__name__, tp, offset, exc)
        consumer.seek(tp, offset)
        return False

    async def _dead_letter_or_seek(
        self, consumer: AIOKafkaConsumer, tp: TopicPartition, record: ConsumerRecord[bytes, bytes], poison: _Poison
    ) -> bool:
        try:
            await self._dead_letter(record, poison)
            return True
        except Exception as exc:
            log.warning("consumer %s: cannot dead-letter:", self.group_id)
            return self._outage(consumer, tp, record.offset, exc)

    def _span(self, event: ReceivedEvent[Any], headers: list[tuple[str, bytes]]) -> Any:
        return tracer.start_as_current_span(
            f"{event.topic} process",
            context=context_from(headers_to_carrier(headers)),
            kind=SpanKind.CONSUMER,
            attributes={
                "messaging.system": "kafka",
                "messaging.operation.type": "process",
                "messaging.destination.name": event.topic,
                "messaging.consumer.group.name": self.group_id,
                "messaging.message.id": event.envelope.id,
                "messaging.kafka.offset": event.offset,
            },
        )

    async def _apply_batch(self, batch: list[_Work]) -> None:
        """One transaction: the batch's inbox rows, then the new events' handlers, in order (a
        :class:`BatchHandler` gets each run of consecutive new events of its type in one call)."""
        works = [work for work in batch if work.event is not None]
        outcomes: list[tuple[str, str]] = []
        async with self._sessionmaker() as session, session.begin():
            fresh: set[str] = set()
            if works:
                inserted = await session.execute(_inbox_insert([self._inbox_row(work.event) for work in works if work.event is not None]))
                fresh = {row[0] for row in inserted}
            run: list[tuple[int, _Work]] = []  # consecutive new events for the same batch handler
            for index, work in enumerate(batch):
                if work.event is None or work.handler is None:
                    continue
                event_id = work.event.envelope.id
                if event_id not in fresh:
                    outcomes.append((work.record.topic, "duplicate"))
                    continue
                fresh.discard(event_id)  # the same event twice in one batch applies once
                if run and (not isinstance(work.handler, BatchHandler) or work.handler is not run[0][1].handler):
                    await self._apply_run(session, run)
                    run = []
                if isinstance(work.handler, BatchHandler):
                    run.append((index, work))
                else:
                    with self._span(work.event, list(work.record.headers)) as span:
                        span.set_attribute("abri.outcome", "applied")
                        await self._call(session, index, work, span)
                outcomes.append((work.record.topic, "applied"))
            if run:
                await self._apply_run(session, run)
        for work in batch:
            if work.event is None:
                outcomes.append((work.record.topic, "ignored"))
        for topic, outcome in outcomes:
            metrics.CONSUMED.labels(self.group_id, topic, outcome).inc()

    async def _call(self, session: AsyncSession, index: int, work: _Work, span: Any) -> None:
        assert work.event is not None and work.handler is not None
        try:
            with caused_by(work.event.envelope.id):  # what it publishes gets ids derived from it
                if isinstance(work.handler, BatchHandler):
                    await work.handler.apply(session, [work.event])
                else:
                    await work.handler(session, work.event)
        except Exception as exc:
            metrics.HANDLER_ERRORS.labels(self.group_id, work.event.envelope.type).inc()
            span.record_exception(exc)
            span.set_status(Status(StatusCode.ERROR, str(exc)))
            raise _HandlerFailed(index, exc) from exc

    async def _apply_run(self, session: AsyncSession, run: list[tuple[int, _Work]]) -> None:
        """One call of a batch handler for consecutive events; a span per event continues its trace."""
        handler = run[0][1].handler
        assert isinstance(handler, BatchHandler)
        spans = [
            tracer.start_span(
                f"{work.record.topic} process",
                context=context_from(headers_to_carrier(list(work.record.headers))),
                kind=SpanKind.CONSUMER,
                attributes={"messaging.system": "kafka", "messaging.message.id": work.event.envelope.id if work.event else ""},
            )
            for _, work in run
        ]
        try:
            await handler.apply(session, [work.event for _, work in run if work.event is not None])
        except Exception as exc:
            metrics.HANDLER_ERRORS.labels(self.group_id, handler.__class__.__name__).inc()
            for span in spans:
                span.set_status(Status(StatusCode.ERROR, str(exc)))
            raise _HandlerFailed(run[0][0], exc) from exc
        finally:
            for span in spans:
                span.end()

    def _inbox_row(self, event: ReceivedEvent[Any]) -> dict[str, Any]:
        return {
            "consumer": self.group_id,
            "event_id": event.envelope.id,
            "event_type": event.envelope.type,
            "topic": event.topic,
            "partition": event.partition,
            "offset": event.offset,
        }

    async def _process_one(self, work: _Work, failed_attempts: int = 0) -> None:
        """Apply one event in its own transaction, retrying a failing handler with backoff."""
        if work.event is None or work.handler is None:
            metrics.CONSUMED.labels(self.group_id, work.record.topic, "ignored").inc()
            return
        event, handler = work.event, work.handler
        with self._span(event, list(work.record.headers)) as span:
            attempt = failed_attempts
            if failed_attempts:
                await asyncio.sleep(self.retry_backoff.delay(failed_attempts))
            while True:
                attempt += 1
                try:
                    applied = await self._apply(handler, event)
                    outcome = "applied" if applied else "duplicate"
                    span.set_attribute("abri.outcome", outcome)
                    metrics.CONSUMED.labels(self.group_id, event.topic, outcome).inc()
                    return
                except Exception as exc:
                    if await self._is_outage(exc):
                        span.set_status(Status(StatusCode.ERROR, str(exc)))
                        raise
                    metrics.HANDLER_ERRORS.labels(self.group_id, event.envelope.type).inc()
                    span.record_exception(exc)
                    if attempt >= self.max_attempts:
                        span.set_status(Status(StatusCode.ERROR, str(exc)))
                        raise _Poison("handler_failed", f"{type(exc).__name__}: {exc}", attempt) from exc
                    delay = self.retry_backoff.delay(attempt)
                    log.info(
                        "consumer %s: %s failed (attempt %d), retrying in %.2fs: %s",
                        self.group_id,
                        event.envelope.id,
                        attempt,
                        delay,
                        exc,
                    )
                    await asyncio.sleep(delay)

    async def _apply(self, handler: Handler | BatchHandler, event: ReceivedEvent[Any]) -> bool:
        """Run the handler and insert the inbox row in one transaction; False if already applied."""
        async with self._sessionmaker() as session, session.begin():
            inserted = await session.execute(_inbox_insert([self._inbox_row(event)]))
            if inserted.first() is None:
                return False
            with caused_by(event.envelope.id):
                if isinstance(handler, BatchHandler):
                    await handler.apply(session, [event])
                else:
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
        doomed = (
            select(inbox.c.event_id).where(inbox.c.consumer == self.group_id, inbox.c.processed_at < cutoff).limit(10_000)
        )  # bounded: a long pause must not turn into one huge delete inside the consume loop
        async with self._sessionmaker() as session, session.begin():
            await session.execute(delete(inbox).where(inbox.c.consumer == self.group_id, inbox.c.event_id.in_(doomed)))

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
                **self._kafka.connection(),
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


_INBOX_INSERT = text(
    """
    INSERT INTO event_inbox (consumer, event_id, event_type, topic, partition, "offset")
    SELECT :consumer, t.event_id, t.event_type, t.topic, t.partition, t.offset
      FROM unnest(CAST(:event_ids AS text[]), CAST(:event_types AS text[]), CAST(:topics AS text[]),
                  CAST(:partitions AS int[]), CAST(:offsets AS bigint[]))
           AS t(event_id, event_type, topic, partition, "offset")
    ON CONFLICT (consumer, event_id) DO NOTHING
    RETURNING event_id
    """
)
"""One fixed statement for any number of inbox rows (a multi-VALUES insert would be compiled anew each time)."""


def _inbox_insert(rows: list[dict[str, Any]]) -> Any:
    """Insert inbox rows, skipping those already there; returns the ids actually inserted."""
    return _INBOX_INSERT.bindparams(
        consumer=rows[0]["consumer"],
        event_ids=[row["event_id"] for row in rows],
        event_types=[row["event_type"] for row in rows],
        topics=[row["topic"] for row in rows],
        partitions=[row["partition"] for row in rows],
        offsets=[row["offset"] for row in rows],
    )


class _CommitOnRevoke(ConsumerRebalanceListener):  # type: ignore[misc]
    """Commits what was applied before partitions go to another member."""

    def __init__(self, owner: EventConsumer) -> None:
        self._owner = owner

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        async with self._owner._processing:  # never while a batch is half applied
            await self._owner._commit()

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        return None
