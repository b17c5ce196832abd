"""For ops, in every service: how its event bus stands, and its dead letters, listed and replayed.

``GET /v1/ops/bus``: the outbox backlog, its parked rows (``GET /v1/ops/outbox/parked``, released one by one
with ``POST /v1/ops/outbox/parked/release``) and the age of the oldest unsent row, the consumer group's lag per
topic and partition, the dead letters kept per consumed topic. ``GET /v1/ops/dead-letters?topic=``: the
dead letters of one consumed topic, in pages. ``POST /v1/ops/dead-letters/replay``: once the cause is fixed,
apply this service's dead letters of a topic again, one (by partition and offset) or all, in this process
through the same handlers and inbox (an event applied since is a duplicate, another group's dead letter is
skipped); nothing is written to Kafka, whose ACLs let a service write only its own topics. Each needs the
``ops`` role. The reading ones also come from a shell with ``abri-ops`` (``libs/ops``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from aiokafka.errors import KafkaError
from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field, model_validator

from abri_auth.assurance import KEY_OPERATION, operation_key
from abri_auth.dependencies import require_roles
from abri_auth.principal import Principal
from abri_bus.consumer import EventConsumer, ReplayFailed
from abri_bus.dlq import DLQ_SUFFIX, DeadLetter, dlq_topic, list_dead_letters, read_dead_letter
from abri_bus.kafka import KafkaSettings
from abri_bus.parking import parked_rows, release
from abri_kit.bus_status import consumer_lag, dead_letter_counts, outbox_backlog
from abri_kit.dependencies import PageParams
from abri_kit.input import Input
from abri_kit.pagination import Page, decode_cursor, encode_cursor
from abri_kit.problems import Problem

KAFKA_TIMEOUT_S = 10.0
REPLAY_ALL_LIMIT = 100_000


@dataclass(frozen=True)
class OpsContext:
    """What the ops routes need to know of the service: put on ``app.state.ops`` by the app factory."""

    service: str
    group_id: str
    consumed_topics: tuple[str, ...]
    kafka: KafkaSettings


router = APIRouter(prefix="/v1/ops", tags=["operations"])
KEY_OPERATIONS = {
    operation_key("POST", "/v1/ops/dead-letters/replay"): KEY_OPERATION,
    operation_key("POST", "/v1/ops/outbox/parked/release"): KEY_OPERATION,
}
"""Ops' key operations on every service: they apply or release events again, so they need a fresh second
factor (``abri_auth.assurance``)."""
Ops = Annotated[Principal, Depends(require_roles("ops"))]
ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"description": "The caller does not hold the ops role"},
    503: {"description": "Kafka (or the database) did not answer in time; the body says which"},
}


class OutboxOut(BaseModel):
    """The outbox rows Kafka has not acknowledged yet."""

    unsent: int
    oldest_unsent_age_seconds: float
    parked: int = Field(default=0, description="Rows Kafka refused for good, set aside (GET /v1/ops/outbox/parked); counted in unsent")


class PartitionLagOut(BaseModel):
    """The consumer group on one partition: its committed offset (null: none yet), the partition's
    first and next offsets, and the messages still to handle."""

    topic: str
    partition: int
    committed: int | None
    beginning: int
    end: int
    lag: int


class DeadLetterCountOut(BaseModel):
    """Messages kept on a consumed topic's dead-letter topic (every consumer group's)."""

    topic: str
    dlq_topic: str
    count: int


class BusOut(BaseModel):
    """The service's event bus as it stands."""

    service: str
    outbox: OutboxOut
    consumer_group: str
    consumer_lag: list[PartitionLagOut]
    total_lag: int
    dead_letters: list[DeadLetterCountOut]


class DeadLetterOut(BaseModel):
    """One dead letter: where it is, which event, why it was set aside (no payload: it may be personal)."""

    topic: str
    partition: int
    offset: int
    event_id: str | None
    event_type: str | None
    reason: str
    consumer: str | None
    error: str
    failed_at: str | None
    attempts: int | None


class ReplayIn(Input):
    """One dead letter (``partition`` and ``offset``), or every dead letter of the topic (``all``)."""

    topic: str = Field(max_length=249, description="A topic the service consumes (not its .dlq)")  # Kafka's own limit
    partition: int | None = Field(default=None, ge=0, le=2**31 - 1)
    offset: int | None = Field(default=None, ge=0, le=2**63 - 1)  # a Kafka offset is a signed 64-bit integer
    all: bool = False

    @model_validator(mode="after")
    def _one_or_all(self) -> ReplayIn:
        one = self.partition is not None and self.offset is not None
        if self.all == one or (self.partition is None) != (self.offset is None):
            raise ValueError("give either partition and offset, or all: true")
        return self


class ReplayOut(BaseModel):
    """What the replay did: ``replayed`` = ``applied`` (now) + ``duplicates`` (applied before, the inbox knew
    them); ``skipped``: other groups' dead letters of the topic, or events this service does not handle."""

    topic: str
    replayed: int
    applied: int
    duplicates: int
    skipped: int
    mode: Literal["one", "all"]


def _context(request: Request) -> OpsContext:
    context: OpsContext = request.app.state.ops
    return context


Context = Annotated[OpsContext, Depends(_context)]


def _consumed(context: OpsContext, topic: str) -> str:
    """The topic named (``X`` or ``X.dlq``), if the service consumes it; 404 otherwise."""
    topic = topic.removesuffix(DLQ_SUFFIX)
    if topic not in context.consumed_topics:
        consumed = ", ".join(context.consumed_topics) or "none"
        raise Problem(404, f"{context.service} does not consume {topic} (it consumes: {consumed})", title="Not a consumed topic")
    return topic


def _kafka_unavailable(exc: Exception) -> Problem:
    reason = "did not answer in time" if isinstance(exc, TimeoutError) else f"{type(exc).__name__}: {exc}"
    return Problem(503, f"kafka unreachable: {reason}"[:300], title="Kafka unavailable")


def _letter(letter: DeadLetter) -> DeadLetterOut:
    attempts = letter.header("abri_dlq_attempts")
    return DeadLetterOut(
        topic=letter.origin_topic,
        partition=letter.partition,
        offset=letter.offset,
        event_id=letter.event_id,
        event_type=letter.header("ce_type"),
        reason=letter.reason,
        consumer=letter.header("abri_dlq_consumer"),
        error=letter.error,
        failed_at=letter.header("abri_dlq_failed_at"),
        attempts=int(attempts) if attempts and attempts.isdigit() else None,
    )


@router.get("/bus", summary="The event bus: outbox backlog, consumer lag, dead letters", responses=ERRORS)
async def bus(principal: Ops, context: Context, request: Request) -> BusOut:
    """Read from the database and from Kafka's offsets (not from this process's gauges)."""
    try:
        backlog = await outbox_backlog(request.app.state.engine)
    except Exception as exc:
        raise Problem(503, f"database unreachable: {type(exc).__name__}"[:300], title="Database unavailable") from exc
    try:
        lags = await consumer_lag(context.kafka, context.group_id, context.consumed_topics, timeout=KAFKA_TIMEOUT_S)
        counts = await dead_letter_counts(context.kafka, context.consumed_topics, timeout=KAFKA_TIMEOUT_S)
    except (KafkaError, OSError, TimeoutError) as exc:
        raise _kafka_unavailable(exc) from exc
    return BusOut(
        service=context.service,
        outbox=OutboxOut(unsent=backlog.unsent, oldest_unsent_age_seconds=backlog.oldest_unsent_age_seconds, parked=backlog.parked),
        consumer_group=context.group_id,
        consumer_lag=[
            PartitionLagOut(topic=p.topic, partition=p.partition, committed=p.committed, beginning=p.beginning, end=p.end, lag=p.lag)
            for p in lags
        ],
        total_lag=sum(p.lag for p in lags),
        dead_letters=[DeadLetterCountOut(topic=c.topic, dlq_topic=c.dlq_topic, count=c.count) for c in counts],
    )


class ParkedOut(BaseModel):
    """An outbox row Kafka refused for good, set aside by the relay; ``held``: the later rows of its topic
    and key that wait behind it (per-key order)."""

    seq: int
    event_id: str
    topic: str
    message_key: str
    event_type: str
    created_at: datetime
    parked_at: datetime
    attempts: int
    last_error: str | None
    held: int


class ReleaseIn(Input):
    seq: int = Field(ge=1, le=2**63 - 1, description="The parked row's number (``seq`` in GET /v1/ops/outbox/parked)")


class ReleasedOut(BaseModel):
    seq: int
    released: bool


PARKED_KEYS = (sa.column("seq", sa.BigInteger),)


@router.get("/outbox/parked", summary="Outbox rows Kafka refused for good, set aside by the relay, in pages", responses=ERRORS)
async def parked(principal: Ops, request: Request, page: PageParams) -> Page[ParkedOut]:
    """In the outbox's order; each with the error Kafka gave and the rows held behind it."""
    after = decode_cursor(page.cursor, page.scope, PARKED_KEYS) if page.cursor else (0,)
    async with request.app.state.engine.connect() as conn:
        rows = await parked_rows(conn, limit=page.limit + 1, after_seq=int(after[0]))
    shown = rows[: page.limit]
    next_cursor = encode_cursor((shown[-1].seq,), page.scope) if len(rows) > page.limit else None
    return Page[ParkedOut](items=[ParkedOut(**{**row.__dict__, "event_id": str(row.event_id)}) for row in shown], next_cursor=next_cursor)


@router.post(
    "/outbox/parked/release",
    summary="Let the relay try a parked row again, once its cause is fixed",
    responses={**ERRORS, 404: {"description": "No parked row with this number"}},
)
async def release_parked(principal: Ops, request: Request, body: ReleaseIn) -> ReleasedOut:
    """The row and those held behind it go out at the relay's next round; if Kafka still refuses it, the
    relay parks it again (its attempts and error say so)."""
    async with request.app.state.engine.begin() as conn:
        if not await release(conn, body.seq):
            raise Problem(404, f"no parked outbox row {body.seq}", title="Not found")
    return ReleasedOut(seq=body.seq, released=True)


DEAD_LETTER_KEYS = (sa.column("partition", sa.Integer), sa.column("offset", sa.Integer))
"""A page of dead letters ends at a partition and an offset: the next starts after them."""


@router.get(
    "/dead-letters",
    summary="The dead letters of a consumed topic, by partition and offset, in pages",
    responses={**ERRORS, 404: {"description": "The service does not consume this topic"}},
)
async def dead_letters(
    principal: Ops,
    context: Context,
    page: PageParams,
    topic: Annotated[str, Query(description="A topic the service consumes")],
) -> Page[DeadLetterOut]:
    """Every consumer group's dead letters of ``topic`` (each names its group)."""
    topic = _consumed(context, topic)
    after = decode_cursor(page.cursor, page.scope, DEAD_LETTER_KEYS) if page.cursor else None
    try:
        letters = await list_dead_letters(context.kafka, dlq_topic(topic), limit=page.limit + 1, timeout=KAFKA_TIMEOUT_S, after=after)
    except (KafkaError, OSError, TimeoutError) as exc:
        raise _kafka_unavailable(exc) from exc
    shown = letters[: page.limit]
    more = len(letters) > page.limit
    next_cursor = encode_cursor((shown[-1].partition, shown[-1].offset), page.scope) if more else None
    return Page[DeadLetterOut](items=[_letter(letter) for letter in shown], next_cursor=next_cursor)


@router.post(
    "/dead-letters/replay",
    summary="Apply this service's dead letters of a topic again, in its own process: one (partition, offset) or all",
    responses={
        **ERRORS,
        404: {"description": "Not a consumed topic, or no dead letter at that partition and offset"},
        409: {"description": "A dead letter still fails (its `reason`; those before it stay applied), or nothing to replay"},
    },
)
async def replay_dead_letters(principal: Ops, context: Context, body: ReplayIn, request: Request) -> ReplayOut:
    """After the cause is fixed. The dead letters stay on the ``.dlq`` topic (until its retention) as a record."""
    topic = _consumed(context, body.topic)
    replayer: EventConsumer | None = getattr(request.app.state, "replayer", None)
    if replayer is None:
        raise Problem(409, "this service applies no event: it has nothing to replay", title="Nothing to replay")
    try:
        if body.all:
            chosen = await list_dead_letters(context.kafka, dlq_topic(topic), limit=REPLAY_ALL_LIMIT, timeout=120)
        else:
            assert body.partition is not None and body.offset is not None
            where = dlq_topic(topic)
            letter = await read_dead_letter(context.kafka, where, body.partition, body.offset, timeout=KAFKA_TIMEOUT_S)
            if letter is None:
                raise Problem(404, f"no dead letter at {body.partition}/{body.offset} on {dlq_topic(topic)}", title="No such dead letter")
            chosen = [letter]
        outcome = await replayer.replay(chosen)
    except ReplayFailed as exc:
        raise Problem(
            409,
            f"the dead letter at {exc.letter.partition}/{exc.letter.offset} still fails ({exc.reason}): {exc.error}"[:500],
            title="Dead letter still fails",
            reason=exc.reason,
        ) from exc
    except (KafkaError, OSError, TimeoutError) as exc:
        raise _kafka_unavailable(exc) from exc
    return ReplayOut(
        topic=topic,
        replayed=outcome.applied + outcome.duplicates,
        applied=outcome.applied,
        duplicates=outcome.duplicates,
        skipped=outcome.skipped,
        mode="all" if body.all else "one",
    )
