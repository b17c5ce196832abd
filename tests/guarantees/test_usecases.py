"""The use cases hold their rules whichever way they are called: a claim's steps are the fund's agents'
and a declaration the owner's even where no route stands in front; handlers date what happened from the
event and use the service's clock only for when they processed it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from abri_auth.principal import Principal
from abri_bus.consumer import ReceivedEvent
from abri_bus.envelope import Envelope
from abri_contracts.listings import UnitLeaseEnded, UnitLet, UnitPublished
from abri_contracts.matching import LeaseSigned
from abri_guarantees.domain.claims import UnpaidMonth
from abri_guarantees.events import handlers
from abri_guarantees.usecases import claims, decisions
from abri_kit.errors import NotAllowed
from abri_kit.usecase import Context, UnitOfWork
from tests.guarantees.support import Api, approved, guaranteed, inventories_signed
from tests.guarantees.support import api as api
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrated as migrated

LATER = datetime(2031, 1, 1, tzinfo=UTC)


def principal(subject: str, role: str, org_id: str | None = None) -> Principal:
    return Principal(subject=subject, roles=frozenset({role}), org_id=org_id, scopes=frozenset())


async def test_a_claims_steps_and_a_files_decisions_hold_their_roles_without_a_route(api: Api, issuer: TestIssuer) -> None:
    app, client, clock = api
    ready = await guaranteed(api, issuer)
    end = await client.post(
        f"/v1/guarantees/{ready.file['id']}/end", json={"ended_on": clock.now.date().isoformat()}, headers=ready.owner_headers
    )
    assert end.status_code == 200, end.text
    await inventories_signed(app, ready.placement, clock.now.date(), clock.now.date())
    filed = await client.post(f"/v1/guarantees/{ready.file['id']}/claims", json={"damage_cents": 100}, headers=ready.owner_headers)
    owner, agent = principal(ready.owner, "owner"), principal("agent-u", "fund_agent", ready.fund)
    other = await approved(api, issuer)
    async with app.state.sessionmaker() as session, session.begin():
        as_owner = Context(UnitOfWork(session), owner, clock.now)
        with pytest.raises(NotAllowed):  # the owner sees its claim, but only the fund validates it
            await claims.validate_claim(as_owner, uuid.UUID(filed.json()["id"]))
        with pytest.raises(NotAllowed):  # the fund sees the guarantee, but only its owner declares
            await claims.file_claim(Context(UnitOfWork(session), agent, clock.now), uuid.UUID(ready.file["id"]), [], None, 100)
        worker = principal("sw-u", "social_worker", other.association)
        with pytest.raises(NotAllowed):  # the association sees its file, but only the fund decides
            await decisions.reject(
                Context(UnitOfWork(session), worker, clock.now), app.state.keyring, uuid.UUID(other.file["id"]), ["other"]
            )
        month = UnpaidMonth(clock.now.date() - timedelta(days=1), 65_000)
        with pytest.raises(NotAllowed):
            await claims.file_claim(Context(UnitOfWork(session), agent, clock.now), uuid.UUID(ready.file["id"]), [month], None, 0)


async def test_handlers_date_what_happened_from_the_event_and_the_clock_says_when_it_was_processed(api: Api, issuer: TestIssuer) -> None:
    app, _, clock = api
    ready = await approved(api, issuer)
    on = handlers(lambda: LATER)  # processed long after: a replay from a dead-letter topic
    signed_at = datetime.combine(clock.now.date(), time(12), tzinfo=UTC)
    lease = LeaseSigned(
        placement_id=uuid.UUID(ready.placement), unit_id=uuid.uuid4(), org_id="-", signed_at=signed_at,
        lease_starts_on=clock.now.date(), lease_type="direct", signed_on=clock.now.date(),
    )  # fmt: skip
    unit_id = uuid.uuid4()
    published = UnitPublished(
        unit_id=unit_id, version=1, owner_id="owner-u", postal_code="69001", insee_code="69381", departement="69",
        latitude=45.76, longitude=4.83, rooms=1, living_area_m2=30, floor=1, elevator=False, furnished=False,
        rent_cents=60_000, charges_cents=5_000, energy_class="D", schemes=[], available_from=clock.now.date(), published_at=signed_at,
    )  # fmt: skip
    async with app.state.sessionmaker() as session, session.begin():
        await on[LeaseSigned](session, ReceivedEvent(Envelope.of(lease, signed_at), lease, "abri.matching.placement", 0, 0))
        await on[UnitPublished](session, ReceivedEvent(Envelope.of(published, signed_at), published, "abri.listings.unit", 0, 0))
    async with app.state.sessionmaker() as session:
        activated = await session.scalar(
            sa.text("SELECT occurred_at FROM event_outbox WHERE message_key = :k AND event_type LIKE '%guarantee.activated%'"),
            {"k": ready.file["id"]},
        )
        activated_at = await session.scalar(
            sa.text("SELECT activated_at FROM guarantees WHERE file_id = :f"), {"f": uuid.UUID(ready.file["id"])}
        )
        written = await session.scalar(sa.text("SELECT changed_at FROM unit_facts WHERE unit_id = :u"), {"u": unit_id})
        home = (
            await session.execute(
                sa.text("SELECT insee_code, postal_code, rooms, living_area_m2 FROM unit_facts WHERE unit_id = :u"), {"u": unit_id}
            )
        ).one()
    assert activated == signed_at and activated_at == signed_at  # when the lease was reported, not when it was processed
    assert written == LATER  # the read model's row says when this service wrote it
    assert tuple(home) == ("69381", "69001", 1, 30.0)  # where the home is and what it is, for the pages to name it


async def test_a_unit_whose_lease_ended_is_a_draft_in_the_funds_facts_and_a_late_let_event_changes_nothing(api: Api) -> None:
    app, _, clock = api
    on = handlers(lambda: clock.now)
    unit_id, placement = uuid.uuid4(), uuid.uuid4()
    home = {
        "unit_id": unit_id, "owner_id": "owner-u", "postal_code": "69001", "insee_code": "69381", "departement": "69",
        "latitude": 45.76, "longitude": 4.83, "rooms": 1, "living_area_m2": 30, "floor": 1, "elevator": False, "furnished": False,
        "rent_cents": 60_000, "charges_cents": 5_000, "energy_class": "D", "schemes": [], "available_from": clock.now.date(),
        "published_at": clock.now,
    }  # fmt: skip
    let = UnitLet(**home, version=2, status="let", placement_id=placement)
    ended = UnitLeaseEnded(**home, version=3, status="draft", placement_id=placement, ended_on=clock.now.date())
    for event in (let, ended, let):  # the let event again, late
        async with app.state.sessionmaker() as session, session.begin():
            await on[type(event)](session, ReceivedEvent(Envelope.of(event, clock.now), event, "abri.listings.unit", 0, 0))
    async with app.state.sessionmaker() as session:
        facts = (await session.execute(sa.text("SELECT version, status FROM unit_facts WHERE unit_id = :u"), {"u": unit_id})).one()
    assert tuple(facts) == (3, "draft")
