"""Matching's read model of units, fed by listings' events on the real broker: the newest version wins,
so duplicates and late events change nothing."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from asgi_lifespan import LifespanManager
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from abri_bus.envelope import Envelope
from abri_contracts.listings import UnitLeaseEnded, UnitLet, UnitPublished, UnitReserved, UnitSnapshot, UnitUpdated, UnitWithdrawn
from abri_matching.main import create_app
from abri_matching.settings import MatchingSettings
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrated as migrated
from tests.support import database_url, kafka_bootstrap, send_events, wait_until


def snapshot(unit_id: uuid.UUID, version: int, **changes: Any) -> dict[str, Any]:
    return {
        "unit_id": unit_id,
        "version": version,
        "owner_id": "owner-rm",
        "postal_code": "34000",
        "insee_code": "34172",
        "commune": "Montpellier",
        "departement": "34",
        "latitude": 43.61,
        "longitude": 3.87,
        "kind": "apartment",
        "rooms": 2,
        "living_area_m2": 40.0,
        "floor": 1,
        "elevator": False,
        "accessibility": ["step_free_access"],
        "furnished": False,
        "rent_cents": 40_000,
        "charges_cents": 5_000,
        "energy_class": "D",
        "schemes": ["intermediated_letting"],
        "available_from": date(2027, 1, 1),
        "published_at": datetime.now(UTC),
        "status": "published",
        **changes,
    }


@pytest.fixture(scope="module")
async def db() -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(database_url("matching"))
    yield engine
    await engine.dispose()


@pytest.fixture(scope="module")
async def consuming(issuer: TestIssuer) -> AsyncIterator[None]:
    settings = MatchingSettings(database_url=database_url("matching"), kafka_bootstrap_servers=kafka_bootstrap(), oidc_issuer=issuer.issuer)
    async with LifespanManager(create_app(settings), startup_timeout=30, shutdown_timeout=30):
        yield


async def applied(db: AsyncEngine, *envelopes: Envelope) -> None:
    """Wait until the consumer recorded each envelope in its inbox (applied or skipped as old)."""
    ids = {envelope.id for envelope in envelopes}

    async def done() -> bool:
        async with db.connect() as conn:
            rows = await conn.execute(sa.text("SELECT event_id FROM event_inbox WHERE event_id = ANY(:ids)"), {"ids": list(ids)})
            return {row[0] for row in rows} == ids

    await wait_until(done, timeout=30, what="events applied")


async def row(db: AsyncEngine, unit_id: uuid.UUID) -> dict[str, Any]:
    async with db.connect() as conn:
        found = (await conn.execute(sa.text("SELECT * FROM unit_view WHERE unit_id = :id"), {"id": unit_id})).mappings().one()
    return dict(found)


async def test_the_newest_version_wins_and_duplicates_or_late_events_change_nothing(consuming: None, db: AsyncEngine) -> None:
    unit_id = uuid.uuid4()
    published = Envelope.of(UnitPublished(**snapshot(unit_id, 2)))
    await applied(db, *await send_events(published, published, UnitUpdated(**snapshot(unit_id, 3, rent_cents=42_000))))
    current = await row(db, unit_id)
    assert (current["version"], current["rent_cents"], current["status"]) == (3, 42_000, "published")
    assert current["accessibility"] == ["step_free_access"] and current["commune"] == "Montpellier"

    late = await send_events(UnitPublished(**snapshot(unit_id, 2, rent_cents=1)))  # older version, arriving late
    await applied(db, *late)
    assert (await row(db, unit_id))["rent_cents"] == 42_000

    placement = uuid.uuid4()
    reserved = UnitReserved(**snapshot(unit_id, 4, rent_cents=42_000, status="reserved"), placement_id=placement)
    gone = UnitWithdrawn(unit_id=unit_id, version=5, owner_id="owner-rm", withdrawn_at=datetime.now(UTC))  # an older producer: no snapshot
    await applied(db, *await send_events(reserved, gone, UnitUpdated(**snapshot(unit_id, 3, rent_cents=2))))
    final = await row(db, unit_id)
    assert (final["version"], final["status"], final["rent_cents"], final["placement_id"]) == (5, "withdrawn", 42_000, placement)


async def test_a_unit_whose_lease_ended_is_a_draft_offered_to_no_one_until_its_owner_publishes_it_again(
    consuming: None, db: AsyncEngine
) -> None:
    unit_id, placement = uuid.uuid4(), uuid.uuid4()
    let = UnitLet(**snapshot(unit_id, 3, status="let"), placement_id=placement)
    ended = UnitLeaseEnded(**snapshot(unit_id, 4, status="draft"), placement_id=placement, ended_on=date(2027, 6, 30))
    await applied(db, *await send_events(UnitPublished(**snapshot(unit_id, 2)), let, ended))
    assert ((current := await row(db, unit_id))["version"], current["status"]) == (4, "draft")
    async with db.connect() as conn:
        offered = await conn.scalar(sa.text("SELECT count(*) FROM unit_view WHERE unit_id = :id AND status = 'published'"), {"id": unit_id})
    assert offered == 0, "a draft is in no pool"
    await applied(db, *await send_events(let))  # the let event again, late: the lease's end stays
    assert (await row(db, unit_id))["status"] == "draft"
    await applied(db, *await send_events(UnitPublished(**snapshot(unit_id, 5, rent_cents=41_000))))
    assert ((again := await row(db, unit_id))["status"], again["rent_cents"]) == ("published", 41_000)


async def test_events_in_any_order_end_in_the_same_row(consuming: None, db: AsyncEngine) -> None:
    unit_id = uuid.uuid4()
    events = [
        UnitPublished(**snapshot(unit_id, 2)),
        UnitUpdated(**snapshot(unit_id, 3, rooms=3, living_area_m2=55.0)),
        UnitWithdrawn(
            unit_id=unit_id,
            version=4,
            owner_id="owner-rm",
            withdrawn_at=datetime.now(UTC),
            unit=UnitSnapshot(**snapshot(unit_id, 4, rooms=3)),
        ),
    ]
    await applied(db, *await send_events(*reversed(events)))
    final = await row(db, unit_id)
    assert (final["version"], final["status"], final["rooms"]) == (4, "withdrawn", 3)


async def test_the_energy_facts_are_kept_and_older_events_leave_them_unknown(consuming: None, db: AsyncEngine) -> None:
    unit_id, older, no_ban, no_overseas = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    energy = {"overseas": False, "letting_banned_from": date(2028, 1, 1), "dpe_valid_until": date(2031, 6, 30), "energy_class": "F"}
    before = Envelope.of(UnitPublished(**snapshot(older, 2, energy_class="G")))
    for field in ("overseas", "letting_banned_from", "dpe_valid_until"):  # a producer before issue 18 sent none of them
        before.data.pop(field)
    bare = Envelope.of(UnitPublished(**snapshot(no_overseas, 2)))
    bare.data.pop("overseas")  # the ban date sent (null: no ban reaches its class), overseas not
    sent = [Envelope.of(UnitPublished(**snapshot(unit_id, 2, **energy))), before, Envelope.of(UnitPublished(**snapshot(no_ban, 2))), bare]
    await applied(db, *await send_events(*sent))
    kept = await row(db, unit_id)
    assert (kept["overseas"], kept["letting_banned_from"], kept["dpe_valid_until"]) == (False, date(2028, 1, 1), date(2031, 6, 30))
    assert kept["letting_ban_known"]
    unknown = await row(db, older)  # no ban known, and none said
    assert (unknown["overseas"], unknown["letting_banned_from"], unknown["dpe_valid_until"], unknown["letting_ban_known"]) == (
        None, None, None, False,
    )  # fmt: skip
    assert (await row(db, no_ban))["letting_banned_from"] is None and (await row(db, no_ban))["letting_ban_known"]  # no ban: known
    assert (await row(db, no_overseas))["letting_ban_known"]  # what it means, not overseas as a proxy

    gone = UnitWithdrawn(unit_id=unit_id, version=3, owner_id="owner-rm", withdrawn_at=datetime.now(UTC))  # no snapshot
    await applied(db, *await send_events(gone))
    assert (await row(db, unit_id))["letting_ban_known"]  # a withdrawal without its snapshot keeps what was known
