"""Issue 18 through the API against the real database, on a clock the test moves: a sliding lease's joint
reviews, the owner's agreement and the minimum period before its slide (the eve and the first day); the
review alerts, each once per review date however many sweeps run at once; the lease's dates against the
acceptance, the guarantee, the unit's energy ban and its DPE (the eve and the first day); a proposal for a
unit banned before it is available; each refusal 422 with its coded rule and source, and nothing changed."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import date, datetime, time, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import create_async_engine

from abri_bus.consumer import ReceivedEvent
from abri_bus.envelope import Envelope
from abri_contracts.guarantees import GuaranteeApproved
from abri_kit.calendar import FRANCE
from abri_matching.db.units import UnitView
from abri_matching.events.guarantees import on_guarantee_approved
from abri_matching.main import create_app
from abri_matching.review_alerts import alert_reviews
from abri_matching.settings import MatchingSettings
from tests.matching.test_households_api import as_, household, unique
from tests.matching.test_matches_api import insert_units, unit_row
from tests.matching.test_placements_api import events_of
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrated as migrated
from tests.support import database_url, kafka_bootstrap

T0 = date(2027, 4, 12)
"""The first day of each test's journey (a Monday), in France; the service's clock starts at its noon."""
PAMIERS = {"insee_code": "09225", "commune": "Pamiers", "departement": "09", "latitude": 43.116, "longitude": 1.611}
PARTIES = ["association", "household", "owner"]


class Clock:
    def __init__(self) -> None:
        self.on(T0)

    def on(self, day: date) -> None:
        self.now = datetime.combine(day, time(12), FRANCE)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def served(issuer: TestIssuer) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient, Clock]]:
    clock = Clock()
    settings = MatchingSettings(
        database_url=database_url("matching"),
        kafka_bootstrap_servers=kafka_bootstrap(),
        oidc_issuer=issuer.issuer,
        consumer_enabled=False,
        expiry_sweep_s=3600.0,
        review_alert_sweep_s=3600.0,  # the app's own sweepers stay idle: the test sweeps
    )
    app = create_app(settings, clock=clock)
    async with LifespanManager(app) as manager:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=manager.app), base_url="http://matching") as http:
            yield app, http, clock


async def a_unit(**changes: Any) -> dict[str, Any]:
    """A fresh published unit in Pamiers (no other test goes there), of its own owner."""
    row = unit_row(
        **{**PAMIERS, "owner_id": unique("owner-s"), "available_from": T0, "schemes": ["sliding_lease", "direct_lease"], **changes}
    )
    engine = create_async_engine(database_url("matching"))
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.text("UPDATE unit_view SET status = 'withdrawn' WHERE insee_code = '09225'"))
            await insert_units(conn, row)
    finally:
        await engine.dispose()
    return row


async def set_unit(unit_id: Any, **values: Any) -> None:
    """The unit's energy facts changed (as a later listings event would change them)."""
    engine = create_async_engine(database_url("matching"))
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.update(UnitView).where(UnitView.unit_id == unit_id).values(**values))
    finally:
        await engine.dispose()


async def proposed(client: httpx.AsyncClient, worker: dict[str, str], unit: dict[str, Any], scheme: str) -> httpx.Response:
    body = {**household(unique("S")), "wanted": {"communes": ["09225"]}, "needs": {"min_bedrooms": 1}}
    created = await client.post("/v1/households", json=body, headers=worker)
    assert created.status_code == 201, created.text
    proposal = {"household_id": created.json()["id"], "unit_id": str(unit["unit_id"]), "scheme": scheme}
    return await client.post("/v1/placements", json=proposal, headers=worker)


def rules(answer: httpx.Response) -> list[str]:
    assert answer.status_code == 422, answer.text
    return [error["rule"] for error in answer.json()["errors"]]


async def sliding_lease(issuer: TestIssuer, client: httpx.AsyncClient) -> tuple[str, dict[str, str], dict[str, str]]:
    """A sliding lease signed on T0 (head lease for three years); its placement, the worker, the owner."""
    unit = await a_unit()
    worker, owner = as_(issuer, "sw-s", org_id="assoc-s"), as_(issuer, unit["owner_id"], "owner", org_id=None)
    answer = await proposed(client, worker, unit, "sliding_lease")
    assert answer.status_code == 201, answer.text
    placement = answer.json()["id"]
    seen = (await client.get(f"/v1/placements/{placement}", headers=owner)).json()["household"]
    assert (seen["size"], seen["resources_band"], seen["association_is_tenant"]) == (None, None, True)
    assert (await client.post(f"/v1/placements/{placement}/accept", json={}, headers=owner)).json()["status"] == "accepted"
    lease = {"signed_on": T0.isoformat(), "starts_on": T0.isoformat(), "lease_type": "sliding"}
    assert rules(await client.post(f"/v1/placements/{placement}/lease", json=lease, headers=worker)) == ["head_lease_term_required"]
    lease["head_lease_ends_on"] = (T0 + timedelta(days=3 * 365)).isoformat()
    assert rules(await client.post(f"/v1/placements/{placement}/lease", json={**lease, "lease_type": "direct"}, headers=worker)) == [
        "lease_type_not_allowed_by_scheme"
    ]
    signed = await client.post(f"/v1/placements/{placement}/lease", json=lease, headers=worker)
    assert signed.status_code == 200 and signed.json()["next_review_by"] == (T0 + timedelta(days=182)).isoformat()
    return placement, worker, owner


async def test_a_sliding_lease_slides_after_joint_reviews_the_owners_agreement_and_the_minimum_period(
    served: tuple[FastAPI, httpx.AsyncClient, Clock], issuer: TestIssuer
) -> None:
    _, client, clock = served
    placement, worker, owner = await sliding_lease(issuer, client)
    url = f"/v1/placements/{placement}"

    alone = await client.post(f"{url}/reviews", json={"outcome": "ready_to_slide", "parties": ["association", "household"]}, headers=worker)
    assert rules(alone) == ["joint_review_parties"] and alone.json()["errors"][0]["source_url"]
    assert (await client.post(f"{url}/slide-agreement", headers=owner)).status_code == 409  # no review found it ready
    ready = await client.post(f"{url}/reviews", json={"outcome": "ready_to_slide", "parties": PARTIES}, headers=worker)
    assert ready.status_code == 200 and ready.json()["ready_to_slide"] and ready.json()["timeline"][-1]["parties"] == PARTIES

    assert rules(await client.post(f"{url}/slide", headers=worker)) == [
        "slide_too_early",
        "slide_needs_owner_agreement",
    ]  # the signature day
    assert (await client.post(f"{url}/slide-agreement", headers=worker)).status_code == 403  # the owner's, not the association's
    agreed = await client.post(f"{url}/slide-agreement", headers=owner)
    assert agreed.status_code == 200 and agreed.json()["slide_agreed_at"] is not None
    assert agreed.json()["timeline"][-1]["step"] == "agree_slide" and agreed.json()["timeline"][-1]["actor_role"] == "owner"

    clock.on(T0 + timedelta(days=181))  # the eve of the first day a slide may come
    assert rules(await client.post(f"{url}/slide", headers=worker)) == ["slide_too_early"]
    assert (await client.get(url, headers=worker)).json()["status"] == "lease_signed"  # nothing changed
    clock.on(T0 + timedelta(days=182))
    slid = await client.post(f"{url}/slide", headers=worker)
    assert slid.status_code == 200 and slid.json()["status"] == "slid"
    assert await events_of(placement) == ["proposed", "accepted", "lease_signed", "sliding_reviewed", "slide_agreed", "slid"]


async def test_a_later_review_takes_back_the_owners_agreement(served: tuple[FastAPI, httpx.AsyncClient, Clock], issuer: TestIssuer) -> None:
    _, client, clock = served
    placement, worker, owner = await sliding_lease(issuer, client)
    url = f"/v1/placements/{placement}"
    await client.post(f"{url}/reviews", json={"outcome": "ready_to_slide", "parties": PARTIES}, headers=worker)
    assert (await client.post(f"{url}/slide-agreement", headers=owner)).status_code == 200
    again = await client.post(f"{url}/reviews", json={"outcome": "continue", "parties": PARTIES}, headers=worker)
    assert again.json()["slide_agreed_at"] is None and not again.json()["ready_to_slide"]
    clock.on(T0 + timedelta(days=400))
    assert rules(await client.post(f"{url}/slide", headers=worker)) == ["slide_needs_ready_review", "slide_needs_owner_agreement"]


async def test_a_review_date_is_capped_at_the_head_leases_end(served: tuple[FastAPI, httpx.AsyncClient, Clock], issuer: TestIssuer) -> None:
    _, client, clock = served
    unit = await a_unit()
    worker, owner = as_(issuer, "sw-s", org_id="assoc-s"), as_(issuer, unit["owner_id"], "owner", org_id=None)
    placement = (await proposed(client, worker, unit, "sliding_lease")).json()["id"]
    assert (await client.post(f"/v1/placements/{placement}/accept", json={}, headers=owner)).status_code == 200
    head = T0 + timedelta(days=100)  # the owner's lease to the association ends before a review would be due
    lease = {"signed_on": T0.isoformat(), "starts_on": T0.isoformat(), "lease_type": "sliding", "head_lease_ends_on": head.isoformat()}
    signed = await client.post(f"/v1/placements/{placement}/lease", json=lease, headers=worker)
    assert signed.status_code == 200 and signed.json()["next_review_by"] == head.isoformat(), signed.text
    clock.on(T0 + timedelta(days=50))
    reviewed = await client.post(f"/v1/placements/{placement}/reviews", json={"outcome": "continue", "parties": PARTIES}, headers=worker)
    assert reviewed.status_code == 200 and reviewed.json()["next_review_by"] == head.isoformat()


async def test_review_alerts_are_published_once_each_before_and_after_the_date(
    served: tuple[FastAPI, httpx.AsyncClient, Clock], issuer: TestIssuer
) -> None:
    app, client, _ = served
    placement, _, _ = await sliding_lease(issuer, client)
    journey = app.state.placement_policy
    review_by = T0 + timedelta(days=182)

    def at(day: date) -> datetime:
        return datetime.combine(day, time(3), FRANCE)

    signed = ["proposed", "accepted", "lease_signed"]
    await alert_reviews(app.state.sessionmaker, at(review_by - timedelta(days=journey.review_due_notice_days + 1)), journey)
    assert await events_of(placement) == signed  # the eve of the notice
    notice_day = at(review_by - timedelta(days=journey.review_due_notice_days))
    await asyncio.gather(*(alert_reviews(app.state.sessionmaker, notice_day, journey) for _ in range(4)))  # replicas side by side
    await alert_reviews(app.state.sessionmaker, at(review_by), journey)
    assert await events_of(placement) == [*signed, "sliding_review_due"]  # once
    await asyncio.gather(*(alert_reviews(app.state.sessionmaker, at(review_by + timedelta(days=1)), journey) for _ in range(4)))
    await alert_reviews(app.state.sessionmaker, at(review_by + timedelta(days=9)), journey)
    assert await events_of(placement) == [*signed, "sliding_review_due", "sliding_review_overdue"]  # once


async def test_a_lease_is_signed_after_the_acceptance_and_the_guarantee_within_the_energy_ban_and_the_dpe(
    served: tuple[FastAPI, httpx.AsyncClient, Clock], issuer: TestIssuer
) -> None:
    app, client, clock = served
    unit = await a_unit(letting_banned_from=T0 + timedelta(days=60), dpe_valid_until=T0 + timedelta(days=60))
    worker, owner = as_(issuer, "sw-s", org_id="assoc-s"), as_(issuer, unit["owner_id"], "owner", org_id=None)
    placement = (await proposed(client, worker, unit, "direct_lease")).json()["id"]
    clock.on(T0 + timedelta(days=2))
    assert (await client.post(f"/v1/placements/{placement}/accept", json={}, headers=owner)).json()["status"] == "awaiting_guarantee"
    approved = GuaranteeApproved(
        file_id=uuid.uuid4(), placement_id=uuid.UUID(placement), fund_id="fund-s",
        decided_at=datetime.combine(T0 + timedelta(days=5), time(10), FRANCE), max_rent_cents=90_000, valid_until=date(2028, 1, 1),
    )  # fmt: skip
    async with app.state.sessionmaker() as session, session.begin():
        await on_guarantee_approved(session, ReceivedEvent(Envelope.of(approved), approved, "abri.guarantees.file", 0, 0))
    clock.on(T0 + timedelta(days=30))
    url = f"/v1/placements/{placement}/lease"

    def lease(day: date) -> dict[str, str]:
        return {"signed_on": day.isoformat(), "starts_on": day.isoformat(), "lease_type": "direct"}

    assert rules(await client.post(url, json=lease(T0 + timedelta(days=1)), headers=worker)) == [
        "signed_before_acceptance", "signed_before_guarantee_decision",
    ]  # fmt: skip
    assert rules(await client.post(url, json=lease(T0 + timedelta(days=4)), headers=worker)) == ["signed_before_guarantee_decision"]
    await set_unit(unit["unit_id"], letting_banned_from=T0 + timedelta(days=5))
    banned = await client.post(url, json=lease(T0 + timedelta(days=5)), headers=worker)  # the ban's first day
    assert rules(banned) == ["energy_letting_ban"] and "2021-1104" in banned.json()["errors"][0]["source"]
    await set_unit(unit["unit_id"], letting_banned_from=T0 + timedelta(days=6), dpe_valid_until=T0 + timedelta(days=4))
    assert rules(await client.post(url, json=lease(T0 + timedelta(days=5)), headers=worker)) == ["dpe_expired"]
    assert await events_of(placement) == ["proposed", "accepted", "guarantee_requested"]  # nothing changed
    await set_unit(unit["unit_id"], dpe_valid_until=T0 + timedelta(days=5))
    signed = await client.post(url, json=lease(T0 + timedelta(days=5)), headers=worker)  # the eve of the ban, the DPE's last day
    assert signed.status_code == 200 and signed.json()["status"] == "lease_signed"


async def test_a_unit_banned_before_it_is_available_is_not_proposed(
    served: tuple[FastAPI, httpx.AsyncClient, Clock], issuer: TestIssuer
) -> None:
    _, client, _ = served
    worker = as_(issuer, "sw-s", org_id="assoc-s")
    available = T0 + timedelta(days=30)
    unit = await a_unit(available_from=available, letting_banned_from=available - timedelta(days=1))
    refused = await proposed(client, worker, unit, "sliding_lease")
    assert rules(refused) == ["energy_letting_ban"] and refused.json()["errors"][0]["params"]["available_from"] == available.isoformat()
    engine = create_async_engine(database_url("matching"))
    try:
        async with engine.connect() as conn:
            held = await conn.scalar(sa.text("SELECT count(*) FROM placements WHERE unit_id = :u"), {"u": unit["unit_id"]})
    finally:
        await engine.dispose()
    assert held == 0  # nothing changed
    await set_unit(unit["unit_id"], letting_banned_from=available)  # from its first day: never handed over, as listings judges it
    assert rules(await proposed(client, worker, unit, "sliding_lease")) == ["energy_letting_ban"]
    await set_unit(unit["unit_id"], letting_banned_from=available + timedelta(days=1))
    assert (await proposed(client, worker, unit, "sliding_lease")).status_code == 201
