"""``/v1/ops/bus`` and ``/v1/ops/dead-letters``: the bus of a service as ops see it, on the real broker and
database: a service of the test's own, consuming a fresh topic, so that every figure is known exactly."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from asgi_lifespan import LifespanManager
from sqlalchemy.ext.asyncio import create_async_engine

from abri_bus.consumer import ReceivedEvent
from abri_bus.dlq import dead_letter_headers
from abri_bus.envelope import Envelope, encode
from abri_bus.outbox import publish
from abri_bus.tables import bus_metadata
from abri_kit.app import ServiceSpec, create_service_app
from abri_kit.settings import ServiceSettings
from tests.bus.conftest import WidgetChangedBase, create_topics, new_contract
from tests.bus.helpers import topic_size
from tests.oidc_issuer import TestIssuer
from tests.support import assert_cursor_refused, database_url, kafka_bootstrap, kafka_client, walk_pages

SERVICE = "opstest"
SCOPES = f"{SERVICE}:read {SERVICE}:write"
"""The test service's scopes (every service checks ``<service>:read`` / ``<service>:write`` itself)."""


APPLIED: list[str] = []
"""The ids of the events the test service's handler applied (a replay goes through it)."""


async def _record(session: Any, event: ReceivedEvent[Any]) -> None:
    if event.data.widget_id == "w-back":
        raise ValueError("a widget never goes back")
    APPLIED.append(event.envelope.id)


@pytest.fixture
async def contract() -> type[WidgetChangedBase]:
    cls = new_contract()
    await create_topics(kafka_bootstrap(), cls.topic())
    return cls


@pytest.fixture
async def ops_client(issuer: TestIssuer, contract: type[WidgetChangedBase]) -> AsyncIterator[httpx.AsyncClient]:
    """A service consuming ``contract``'s topic, on the bus test database, its relay and consumer off
    (the test sets the outbox and the offsets itself)."""
    engine = create_async_engine(database_url("bustest"))
    async with engine.begin() as conn:
        await conn.run_sync(bus_metadata.drop_all)  # the bus tables as the current migrations make them
        await conn.run_sync(bus_metadata.create_all)
    await engine.dispose()
    settings = ServiceSettings(
        database_url=database_url("bustest"),
        kafka_bootstrap_servers=kafka_bootstrap(),
        oidc_issuer=issuer.issuer,
        relay_enabled=False,
        consumer_enabled=False,
    )
    app = create_service_app(ServiceSpec(name=SERVICE, settings=settings, handlers={contract: _record}))
    async with LifespanManager(app) as manager:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=manager.app), base_url="http://svc") as client:
            yield client


def ops(issuer: TestIssuer) -> dict[str, str]:
    return {"authorization": f"Bearer {issuer.token(sub='ops-1', roles=['ops'], scope=SCOPES)}"}


async def produce(topic: str, messages: list[tuple[bytes, bytes, list[tuple[str, bytes]]]]) -> list[tuple[int, int]]:
    producer = AIOKafkaProducer(**kafka_client(), enable_idempotence=True)
    await producer.start()
    try:
        sent = [await producer.send_and_wait(topic, value=value, key=key, headers=headers) for key, value, headers in messages]
    finally:
        await producer.stop()
    return [(m.partition, m.offset) for m in sent]


async def commit(group: str, tp: TopicPartition, offset: int) -> None:
    consumer = AIOKafkaConsumer(**kafka_client(), group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign([tp])
        await consumer.commit({tp: offset})
    finally:
        await consumer.stop()


async def test_ops_routes_need_the_ops_role(ops_client: httpx.AsyncClient, issuer: TestIssuer) -> None:
    anonymous = await ops_client.get("/v1/ops/bus")
    assert anonymous.status_code == 401
    owner = await ops_client.get("/v1/ops/bus", headers={"authorization": f"Bearer {issuer.token(roles=['owner'], scope=SCOPES)}"})
    assert owner.status_code == 403
    assert owner.headers["content-type"] == "application/problem+json" and "ops" in owner.json()["detail"]
    replay = await ops_client.post(
        "/v1/ops/dead-letters/replay", json={"topic": "x", "all": True}, headers={"authorization": f"Bearer {issuer.token(scope=SCOPES)}"}
    )
    assert replay.status_code == 403


async def test_bus_reports_the_outbox_backlog_the_lag_per_partition_and_the_dead_letters(
    ops_client: httpx.AsyncClient, issuer: TestIssuer, contract: type[WidgetChangedBase]
) -> None:
    topic = contract.topic()
    engine = create_async_engine(database_url("bustest"))
    async with engine.begin() as conn:
        await publish(conn, contract(widget_id="w-1", seq=1))
        await publish(conn, contract(widget_id="w-2", seq=2))
    await engine.dispose()
    positions = await produce(topic, [encode(Envelope.of(contract(widget_id="same-key", seq=n))) for n in range(5)])
    [partition] = {p for p, _ in positions}  # one key: one partition
    await commit(f"abri-{SERVICE}", TopicPartition(topic, partition), 2)
    await produce(topic + ".dlq", [(b"k", b"{}", [("abri_dlq_reason", b"handler_failed")])])

    body = (await ops_client.get("/v1/ops/bus", headers=ops(issuer))).json()

    assert body["service"] == SERVICE and body["consumer_group"] == f"abri-{SERVICE}"
    assert body["outbox"]["unsent"] == 2 and body["outbox"]["oldest_unsent_age_seconds"] >= 0
    lags = {(p["topic"], p["partition"]): p for p in body["consumer_lag"]}
    assert set(lags) == {(topic, p) for p in range(3)}
    assert lags[(topic, partition)] | {"lag": 3} == {
        "topic": topic,
        "partition": partition,
        "committed": 2,
        "beginning": 0,
        "end": 5,
        "lag": 3,
    }
    assert body["total_lag"] == 3  # the other partitions are empty and have no commit
    assert body["dead_letters"] == [{"topic": topic, "dlq_topic": f"{topic}.dlq", "count": 1}]


async def test_dead_letters_are_listed_and_replayed_one_or_all(
    ops_client: httpx.AsyncClient, issuer: TestIssuer, contract: type[WidgetChangedBase]
) -> None:
    topic = contract.topic()
    poison = Envelope.of(contract(widget_id="w-dl", seq=7))
    key, value, headers = encode(poison)
    failure = dead_letter_headers(
        headers, reason="handler_failed", error="boom", consumer="abri-opstest", topic=topic, partition=0, offset=0, attempts=5
    )
    [(partition, offset)] = await produce(topic + ".dlq", [(key, value, failure)])

    listed = await ops_client.get("/v1/ops/dead-letters", params={"topic": topic}, headers=ops(issuer))
    assert listed.status_code == 200 and listed.json()["next_cursor"] is None
    [letter] = listed.json()["items"]
    assert letter | {"failed_at": None} == {
        "topic": topic,
        "partition": partition,
        "offset": offset,
        "event_id": poison.id,
        "event_type": poison.type,
        "reason": "handler_failed",
        "consumer": "abri-opstest",
        "error": "boom",
        "failed_at": None,
        "attempts": 5,
    }
    assert letter["failed_at"]

    other = await ops_client.get("/v1/ops/dead-letters", params={"topic": "abri.listings.unit"}, headers=ops(issuer))
    assert other.status_code == 404 and other.headers["content-type"] == "application/problem+json"
    neither = await ops_client.post("/v1/ops/dead-letters/replay", json={"topic": topic}, headers=ops(issuer))
    assert neither.status_code == 422
    missing = await ops_client.post(
        "/v1/ops/dead-letters/replay", json={"topic": topic, "partition": partition, "offset": offset + 99}, headers=ops(issuer)
    )
    assert missing.status_code == 404 and "no dead letter" in missing.json()["detail"]

    one = await ops_client.post(
        "/v1/ops/dead-letters/replay", json={"topic": topic, "partition": partition, "offset": offset}, headers=ops(issuer)
    )
    assert one.status_code == 200, one.text
    assert one.json() == {"topic": topic, "replayed": 1, "applied": 1, "duplicates": 0, "skipped": 0, "mode": "one"}
    assert APPLIED.count(poison.id) == 1  # applied by the service itself, through its handler

    # another group's dead letter of the same topic, and one that still fails
    elsewhere = dead_letter_headers(
        headers, reason="handler_failed", error="x", consumer="abri-other", topic=topic, partition=0, offset=1, attempts=5
    )
    backwards = Envelope.of(contract(widget_id="w-back", seq=1))
    key_b, value_b, headers_b = encode(backwards)
    failing = dead_letter_headers(
        headers_b, reason="handler_failed", error="x", consumer="abri-opstest", topic=topic, partition=0, offset=2, attempts=5
    )
    await produce(topic + ".dlq", [(key, value, elsewhere)])
    every = await ops_client.post("/v1/ops/dead-letters/replay", json={"topic": f"{topic}.dlq", "all": True}, headers=ops(issuer))
    assert every.json() == {"topic": topic, "replayed": 1, "applied": 0, "duplicates": 1, "skipped": 1, "mode": "all"}
    [(bad_partition, bad_offset)] = await produce(topic + ".dlq", [(key_b, value_b, failing)])
    still = await ops_client.post(
        "/v1/ops/dead-letters/replay", json={"topic": topic, "partition": bad_partition, "offset": bad_offset}, headers=ops(issuer)
    )
    assert still.status_code == 409 and still.json()["reason"] == "handler_failed" and "never goes back" in still.json()["detail"]
    assert APPLIED.count(poison.id) == 1 and backwards.id not in APPLIED
    assert await topic_size(kafka_bootstrap(), topic) == 0  # a replay writes nothing to the service's consumed topic


async def test_dead_letters_come_in_pages_by_partition_and_offset(
    ops_client: httpx.AsyncClient, issuer: TestIssuer, contract: type[WidgetChangedBase]
) -> None:
    topic = contract.topic()
    made = []
    for seq in range(5):
        key, value, headers = encode(Envelope.of(contract(widget_id=f"w-page-{seq}", seq=seq)))
        failure = dead_letter_headers(
            headers, reason="handler_failed", error="boom", consumer="abri-opstest", topic=topic, partition=0, offset=seq, attempts=5
        )
        made += await produce(topic + ".dlq", [(key, value, failure)])
    pages = await walk_pages(ops_client, "/v1/ops/dead-letters", ops(issuer), limit=2, params={"topic": topic}, key=("partition", "offset"))
    assert [(letter["partition"], letter["offset"]) for letter in pages] == sorted(made)
    await assert_cursor_refused(ops_client, "/v1/ops/dead-letters", ops(issuer), params={"topic": topic})


async def test_parked_outbox_rows_are_listed_and_released(
    ops_client: httpx.AsyncClient, issuer: TestIssuer, contract: type[WidgetChangedBase]
) -> None:
    engine = create_async_engine(database_url("bustest"))
    try:
        async with engine.begin() as conn:
            await publish(conn, contract(widget_id="w-parked", seq=1))
            await publish(conn, contract(widget_id="w-parked", seq=2))
            await conn.execute(
                sa.text("UPDATE event_outbox SET parked_at = now(), attempts = 1, last_error = 'MessageSizeTooLargeError: too big' "
                        "WHERE seq = (SELECT min(seq) FROM event_outbox)")
            )  # fmt: skip
        body = (await ops_client.get("/v1/ops/bus", headers=ops(issuer))).json()
        assert body["outbox"]["unsent"] == 2 and body["outbox"]["parked"] == 1
        listed = await ops_client.get("/v1/ops/outbox/parked", headers=ops(issuer))
        assert listed.status_code == 200, listed.text
        [row] = listed.json()["items"]
        assert row["message_key"] == "w-parked" and row["held"] == 1 and row["attempts"] == 1
        assert row["last_error"].startswith("MessageSizeTooLargeError") and row["topic"] == contract.topic()

        refused = await ops_client.post(
            "/v1/ops/outbox/parked/release", json={"seq": row["seq"]}, headers={"authorization": f"Bearer {issuer.token(scope=SCOPES)}"}
        )
        assert refused.status_code == 403  # ops only
        missing = await ops_client.post("/v1/ops/outbox/parked/release", json={"seq": row["seq"] + 1000}, headers=ops(issuer))
        assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
        released = await ops_client.post("/v1/ops/outbox/parked/release", json={"seq": row["seq"]}, headers=ops(issuer))
        assert released.status_code == 200 and released.json() == {"seq": row["seq"], "released": True}
        assert (await ops_client.get("/v1/ops/outbox/parked", headers=ops(issuer))).json()["items"] == []
        again = await ops_client.post("/v1/ops/outbox/parked/release", json={"seq": row["seq"]}, headers=ops(issuer))
        assert again.status_code == 404  # no longer parked: nothing changes
    finally:
        await engine.dispose()
