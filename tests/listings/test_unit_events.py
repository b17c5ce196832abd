"""The listings service's events on real Kafka: snapshots that match the unit, increasing versions, and
the placement steps it consumes (reserve, let, publish again), each applied once."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from aiokafka import AIOKafkaConsumer, TopicPartition
from asgi_lifespan import LifespanManager
from sqlalchemy.ext.asyncio import create_async_engine

from abri_bus.envelope import Envelope, decode
from abri_contracts.listings import UnitSnapshot
from abri_contracts.matching import LeaseEnded, LeaseSigned, PlacementAccepted, PlacementFellThrough
from abri_listings.main import create_app
from abri_listings.settings import ListingsSettings
from tests.listings.test_units_api import DRAFT, as_
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrated as migrated
from tests.support import count_rows, database_url, kafka_bootstrap, kafka_client, send_events, wait_until

UNIT_TOPIC = "abri.listings.unit"


class Topic:
    """The unit topic read from where it ended when the test began."""

    def __init__(self, consumer: AIOKafkaConsumer) -> None:
        self.consumer = consumer
        self.seen: list[Envelope] = []

    async def events_of(self, unit_id: str, count: int, timeout: float = 30.0) -> list[Envelope]:
        async def arrived() -> bool:
            for records in (await self.consumer.getmany(timeout_ms=200)).values():
                self.seen.extend(decode(r.key, r.value, r.headers) for r in records)
            return len([e for e in self.seen if e.subject == unit_id]) >= count

        await wait_until(arrived, timeout=timeout, what=f"{count} events of unit {unit_id}")
        return [e for e in self.seen if e.subject == unit_id]


@pytest.fixture
async def topic() -> AsyncIterator[Topic]:
    consumer = AIOKafkaConsumer(**kafka_client(), group_id=None, enable_auto_commit=False)
    await consumer.start()
    try:
        cluster = await consumer._client.fetch_all_metadata()
        partitions = [TopicPartition(UNIT_TOPIC, p) for p in sorted(cluster.partitions_for_topic(UNIT_TOPIC) or [])]
        assert partitions
        consumer.assign(partitions)
        for tp, offset in (await consumer.end_offsets(partitions)).items():
            consumer.seek(tp, offset)
        yield Topic(consumer)
    finally:
        await consumer.stop()


@pytest.fixture
async def client(issuer: TestIssuer) -> AsyncIterator[httpx.AsyncClient]:
    """The listings service with its relay and its consumer running."""
    settings = ListingsSettings(
        database_url=database_url("listings"),
        kafka_bootstrap_servers=kafka_bootstrap(),
        oidc_issuer=issuer.issuer,
        relay_poll_interval_s=0.2,
    )
    app = create_app(settings)
    async with LifespanManager(app, startup_timeout=30, shutdown_timeout=30) as manager:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=manager.app), base_url="http://listings") as http:
            yield http


async def published_unit(client: httpx.AsyncClient, owner: dict[str, str]) -> dict[str, Any]:
    unit = (await client.post("/v1/units", json=DRAFT, headers=owner)).json()
    published = await client.post(f"/v1/units/{unit['id']}/publish", headers={**owner, "if-match": '"1"'})
    assert published.status_code == 200, published.text
    return dict(published.json())


async def status_becomes(client: httpx.AsyncClient, owner: dict[str, str], unit_id: str, status: str) -> dict[str, Any]:
    async def reached() -> bool:
        return bool((await client.get(f"/v1/units/{unit_id}", headers=owner)).json()["status"] == status)

    await wait_until(reached, timeout=30, what=f"unit {unit_id} {status}")
    return dict((await client.get(f"/v1/units/{unit_id}", headers=owner)).json())


def placement(unit_id: str) -> dict[str, Any]:
    return {"placement_id": uuid.uuid4(), "unit_id": uuid.UUID(unit_id), "org_id": "assoc-1"}


def assert_snapshot_matches(envelope: Envelope, unit: dict[str, Any]) -> None:
    snapshot = UnitSnapshot.model_validate(envelope.data).model_dump(mode="json")
    expected = {name: unit[name] for name in snapshot if name in unit}
    assert {name: snapshot[name] for name in expected} == expected
    assert snapshot["unit_id"] == unit["id"] and "street" not in envelope.data


async def test_snapshots_match_the_unit_and_versions_increase_through_the_placement(
    client: httpx.AsyncClient, topic: Topic, issuer: TestIssuer
) -> None:
    owner = as_(issuer, "owner-events")
    unit = await published_unit(client, owner)
    edited = await client.put(f"/v1/units/{unit['id']}", json={**DRAFT, "charges_cents": 6_000}, headers={**owner, "if-match": '"2"'})
    assert edited.status_code == 200
    published, updated = await topic.events_of(unit["id"], 2)
    assert (published.type, updated.type) == ("abri.listings.unit.published.v1", "abri.listings.unit.updated.v1")
    assert_snapshot_matches(published, unit)
    assert_snapshot_matches(updated, edited.json())
    assert updated.data["status"] == "published" and updated.data["charges_cents"] == 6_000

    ids = placement(unit["id"])
    accepted = PlacementAccepted(**ids, accepted_at=datetime.now(UTC))
    first = (await send_events(accepted))[0]
    await send_events(first, PlacementAccepted(**ids, accepted_at=datetime.now(UTC)))  # redelivered, then replayed under a new id
    await send_events(LeaseSigned(**ids, signed_at=datetime.now(UTC), lease_starts_on=date(2027, 2, 1)))
    let = await status_becomes(client, owner, unit["id"], "let")
    events = await topic.events_of(unit["id"], 4)
    assert [e.type.split(".")[3] for e in events] == ["published", "updated", "reserved", "let"]
    assert [e.data["version"] for e in events] == [2, 3, 4, 5] == sorted({e.data["version"] for e in events})
    assert let["version"] == 5
    assert all(e.data["placement_id"] == str(ids["placement_id"]) for e in events[2:])
    assert_snapshot_matches(events[3], let)

    refused = await client.post(f"/v1/units/{unit['id']}/withdraw", headers={**owner, "if-match": '"5"'})
    assert refused.status_code == 409  # a let unit is not withdrawn by hand


async def test_a_placement_that_falls_through_publishes_the_unit_again_and_others_change_nothing(
    client: httpx.AsyncClient, topic: Topic, issuer: TestIssuer
) -> None:
    owner = as_(issuer, "owner-events")
    unit = await published_unit(client, owner)
    ids, stranger = placement(unit["id"]), placement(unit["id"])
    await send_events(PlacementAccepted(**ids, accepted_at=datetime.now(UTC)))
    await status_becomes(client, owner, unit["id"], "reserved")
    await send_events(
        PlacementAccepted(**stranger, accepted_at=datetime.now(UTC)),  # another placement cannot take a reserved unit
        PlacementFellThrough(**stranger, reason="other", ended_at=datetime.now(UTC)),  # nor release it
        PlacementFellThrough(**ids, reason="household_withdrew", ended_at=datetime.now(UTC)),
    )
    again = await status_becomes(client, owner, unit["id"], "published")
    events = await topic.events_of(unit["id"], 3)
    assert [e.type.split(".")[3] for e in events] == ["published", "reserved", "republished"]
    assert events[2].data["placement_id"] == str(ids["placement_id"]) and again["version"] == 4
    assert_snapshot_matches(events[2], again)


async def test_a_unit_that_no_longer_meets_the_rules_goes_back_to_draft_when_its_placement_falls_through(
    client: httpx.AsyncClient, topic: Topic, issuer: TestIssuer
) -> None:
    owner = as_(issuer, "owner-events")
    unit = await published_unit(client, owner)
    ids = placement(unit["id"])
    await send_events(PlacementAccepted(**ids, accepted_at=datetime.now(UTC)))
    await status_becomes(client, owner, unit["id"], "reserved")
    engine = create_async_engine(database_url("listings"))
    try:  # as if the diagnosis had been redone meanwhile: class G, banned from letting since 2025
        async with engine.begin() as conn:
            await conn.execute(
                sa.text("UPDATE units SET energy_class = 'G', primary_energy_kwh = 480, final_energy_kwh = 300 WHERE id = :id"),
                {"id": unit["id"]},
            )
    finally:
        await engine.dispose()
    await send_events(PlacementFellThrough(**ids, reason="guarantee_refused", ended_at=datetime.now(UTC)))
    draft = await status_becomes(client, owner, unit["id"], "draft")
    events = await topic.events_of(unit["id"], 3)
    assert [e.type.split(".")[3] for e in events] == ["published", "reserved", "withdrawn"]
    assert events[2].data["unit"]["status"] == "draft" and events[2].data["version"] == draft["version"]


def lease_ended(ids: dict[str, Any], **overrides: Any) -> LeaseEnded:
    values = {
        "ended_on": date(2027, 6, 30),
        "lease_starts_on": date(2027, 2, 1),
        "lease_type": "direct",
        "slid": False,
        "reason": "social_housing",
        "recorded_at": datetime.now(UTC),
    }
    return LeaseEnded(**ids, **(values | overrides))


async def applied(*envelopes: Envelope) -> None:
    """Wait until listings' consumer applied (or ignored) each event: its inbox row is written with the effect."""
    ids = [envelope.id for envelope in envelopes]

    async def done() -> bool:
        statement = "SELECT count(DISTINCT event_id) FROM event_inbox WHERE event_id = ANY(:ids)"
        return await count_rows("listings", statement, ids=ids) == len(set(ids))

    await wait_until(done, timeout=30, what=f"listings applied {ids}")


async def let_unit(client: httpx.AsyncClient, owner: dict[str, str], ids: dict[str, Any], lease_type: str = "direct") -> dict[str, Any]:
    await send_events(PlacementAccepted(**ids, accepted_at=datetime.now(UTC)))
    await status_becomes(client, owner, str(ids["unit_id"]), "reserved")
    await send_events(LeaseSigned(**ids, signed_at=datetime.now(UTC), lease_starts_on=date(2027, 2, 1), lease_type=lease_type))
    return await status_becomes(client, owner, str(ids["unit_id"]), "let")


async def test_a_unit_whose_lease_ended_is_back_to_draft_once_and_its_owner_publishes_it_again(
    client: httpx.AsyncClient, topic: Topic, issuer: TestIssuer
) -> None:
    owner = as_(issuer, "owner-events")
    unit = await published_unit(client, owner)
    ids = placement(unit["id"])
    let = await let_unit(client, owner, ids)
    first = (await send_events(lease_ended(ids, reason="eviction")))[0]
    draft = await status_becomes(client, owner, unit["id"], "draft")
    events = await topic.events_of(unit["id"], 4)
    assert [e.type.split(".")[3] for e in events] == ["published", "reserved", "let", "lease_ended"]
    ended = events[3]
    assert ended.data["status"] == "draft" and ended.data["version"] == draft["version"] == let["version"] + 1
    assert ended.data["placement_id"] == str(ids["placement_id"]) and ended.data["ended_on"] == "2027-06-30"
    assert "reason" not in ended.data and "slid" not in ended.data  # why the lease ended is the household's business
    assert_snapshot_matches(ended, draft)

    replays = await send_events(first, lease_ended(ids))  # redelivered, then replayed under a new id
    await applied(*replays)
    assert (await client.get(f"/v1/units/{unit['id']}", headers=owner)).json()["version"] == draft["version"]

    again = await client.post(f"/v1/units/{unit['id']}/publish", headers={**owner, "if-match": f'"{draft["version"]}"'})
    assert again.status_code == 200, again.text
    events = await topic.events_of(unit["id"], 5)
    assert [e.type.split(".")[3] for e in events] == ["published", "reserved", "let", "lease_ended", "published"]
    assert events[4].data["version"] == draft["version"] + 1  # the replays moved nothing in between


async def test_a_slid_sliding_lease_that_ended_puts_the_unit_back_to_draft_too(
    client: httpx.AsyncClient, topic: Topic, issuer: TestIssuer
) -> None:
    owner = as_(issuer, "owner-events")
    unit = await published_unit(client, owner)
    ids = placement(unit["id"])
    await let_unit(client, owner, ids, lease_type="sliding")
    await send_events(lease_ended(ids, lease_type="sliding", slid=True, reason="moved_elsewhere"))
    await status_becomes(client, owner, unit["id"], "draft")
    events = await topic.events_of(unit["id"], 4)
    assert [e.type.split(".")[3] for e in events] == ["published", "reserved", "let", "lease_ended"]


async def test_the_end_of_a_lease_for_an_unknown_unit_or_one_not_let_to_its_placement_changes_nothing(
    client: httpx.AsyncClient, topic: Topic, issuer: TestIssuer
) -> None:
    owner = as_(issuer, "owner-events")
    published = await published_unit(client, owner)
    let = await published_unit(client, owner)
    ids = placement(let["id"])
    let = await let_unit(client, owner, ids)
    unknown = placement(str(uuid.uuid4()))
    stranger = placement(let["id"])  # another placement of the let unit
    sent = await send_events(
        lease_ended(unknown),
        lease_ended(stranger),
        lease_ended(placement(published["id"])),  # a published unit: no lease to end
    )
    await applied(*sent)  # each ignored, none set aside (its inbox row written)
    assert (await client.get(f"/v1/units/{let['id']}", headers=owner)).json() == let
    assert (await client.get(f"/v1/units/{published['id']}", headers=owner)).json()["status"] == "published"
    await send_events(lease_ended(ids))
    await status_becomes(client, owner, let["id"], "draft")  # the consumer went on
    assert [e.type.split(".")[3] for e in await topic.events_of(published["id"], 1)] == ["published"]
    assert [e.type.split(".")[3] for e in await topic.events_of(let["id"], 4)] == ["published", "reserved", "let", "lease_ended"]
