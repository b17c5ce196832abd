"""Every creating POST honours ``Idempotency-Key``: a retry with the same key and body gets the first answer
again and creates nothing more; the same key with another body is refused; a refused command leaves its
key free; a key is the caller's own; two requests racing with one key create one thing. Through each real
service, its database and its transaction."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import create_async_engine

from abri_listings.main import create_app as create_listings
from abri_listings.settings import ListingsSettings
from tests.guarantees.support import TENANT, guaranteed, new_fund, ops, waiting_placement
from tests.guarantees.support import Api as GuaranteesApi
from tests.guarantees.support import api as guarantees_api
from tests.guarantees.support import as_ as guarantees_as
from tests.guarantees.test_documents_api import PDF
from tests.guarantees.test_guarantees_and_claims_api import month
from tests.listings.test_units_api import DRAFT
from tests.listings.test_units_api import api as listings_api
from tests.listings.test_units_api import as_ as owner_as
from tests.matching.test_households_api import api as matching_api
from tests.matching.test_households_api import as_ as worker_as
from tests.matching.test_households_api import household
from tests.matching.test_placements_api import new_household, unit
from tests.notifications.support import Api as NotificationsApi
from tests.notifications.support import api as notifications_api
from tests.notifications.support import as_ as member_as
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrated as migrated
from tests.support import count_rows, database_url, kafka_bootstrap

pytestmark = pytest.mark.timeout(120)
__all__ = ["guarantees_api", "listings_api", "matching_api", "notifications_api", "unit"]


def keyed(headers: dict[str, str], key: str | None = None) -> dict[str, str]:
    return {**headers, "idempotency-key": key or str(uuid.uuid4())}


async def twice(client: httpx.AsyncClient, url: str, headers: dict[str, str], changed: dict[str, Any] | None = None, **request: Any) -> Any:
    """Send one request twice with one key: the same answer, the second marked replayed; then (``changed``)
    another body with the same key: refused. The first answer's body."""
    headers = keyed(headers)
    first = await client.post(url, headers=headers, **request)
    assert first.status_code in (200, 201), first.text
    again = await client.post(url, headers=headers, **request)
    assert again.status_code == first.status_code, again.text
    assert again.headers["idempotent-replayed"] == "true" and "idempotent-replayed" not in first.headers
    assert again.headers.get("location") == first.headers.get("location")
    if changed is not None:
        other = await client.post(url, headers=headers, json=changed)
        assert other.status_code == 422 and other.json()["errors"][0]["code"] == "idempotency_key_reused", other.text
    assert again.json() == first.json()
    return first.json()


async def test_a_unit_created_twice_with_one_key_is_one_unit(listings_api: tuple[FastAPI, httpx.AsyncClient], issuer: TestIssuer) -> None:
    _, client = listings_api
    owner = f"owner-idem-{uuid.uuid4().hex[:8]}"
    created = await twice(client, "/v1/units", owner_as(issuer, owner), changed={**DRAFT, "rooms": 3}, json=DRAFT)
    assert await count_rows("listings", "SELECT count(*) FROM units WHERE owner_id = :o", o=owner) == 1
    assert created["status"] == "draft"


async def test_a_key_is_the_callers_own_and_a_refused_command_leaves_it_free(
    listings_api: tuple[FastAPI, httpx.AsyncClient], issuer: TestIssuer
) -> None:
    _, client = listings_api
    mine, theirs = f"owner-idem-{uuid.uuid4().hex[:8]}", f"owner-idem-{uuid.uuid4().hex[:8]}"
    key = str(uuid.uuid4())
    refused = await client.post("/v1/units", json={**DRAFT, "rooms": 0}, headers=keyed(owner_as(issuer, mine), key))
    assert refused.status_code == 422  # refused: nothing kept, the key with it
    assert (await client.post("/v1/units", json=DRAFT, headers=keyed(owner_as(issuer, mine), key))).status_code == 201
    other = await client.post("/v1/units", json=DRAFT, headers=keyed(owner_as(issuer, theirs), key))
    assert other.status_code == 201 and "idempotent-replayed" not in other.headers  # another caller's key is another key
    assert await count_rows("listings", "SELECT count(*) FROM units WHERE owner_id IN (:a, :b)", a=mine, b=theirs) == 2
    bad = await client.post("/v1/units", json=DRAFT, headers={**owner_as(issuer, mine), "idempotency-key": "short"})
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"


async def test_two_requests_racing_with_one_key_create_one_unit(
    listings_api: tuple[FastAPI, httpx.AsyncClient], issuer: TestIssuer
) -> None:
    _, client = listings_api
    owner = f"owner-idem-{uuid.uuid4().hex[:8]}"
    headers = keyed(owner_as(issuer, owner))
    answers = await asyncio.gather(*(client.post("/v1/units", json=DRAFT, headers=headers) for _ in range(4)))
    assert [answer.status_code for answer in answers] == [201] * 4
    assert len({answer.json()["id"] for answer in answers}) == 1
    assert await count_rows("listings", "SELECT count(*) FROM units WHERE owner_id = :o", o=owner) == 1


async def test_a_request_waits_a_while_for_another_running_with_its_key_then_answers_409(
    listings_api: tuple[FastAPI, httpx.AsyncClient], issuer: TestIssuer
) -> None:
    _, client = listings_api
    owner, key = f"owner-idem-{uuid.uuid4().hex[:8]}", str(uuid.uuid4())
    engine = create_async_engine(database_url("listings"))
    try:
        async with engine.connect() as running:  # another request's transaction, holding the key, not yet over
            held = await running.begin()
            await running.execute(
                sa.text("INSERT INTO idempotency_keys (subject, key, fingerprint, created_at) VALUES (:s, :k, 'x', now())"),
                {"s": owner, "k": key},
            )
            waited = await client.post("/v1/units", json=DRAFT, headers=keyed(owner_as(issuer, owner), key))
            await held.rollback()
    finally:
        await engine.dispose()
    assert waited.status_code == 409 and waited.json()["title"] == "In progress", waited.text
    assert await count_rows("listings", "SELECT count(*) FROM units WHERE owner_id = :o", o=owner) == 0
    freed = await client.post("/v1/units", json=DRAFT, headers=keyed(owner_as(issuer, owner), key))  # the other gave up: free
    assert freed.status_code == 201


async def test_a_key_older_than_a_day_is_free_again(issuer: TestIssuer) -> None:
    moment = [datetime(2026, 12, 1, 9, 0, tzinfo=UTC)]
    settings = ListingsSettings(
        database_url=database_url("listings"), kafka_bootstrap_servers=kafka_bootstrap(), oidc_issuer=issuer.issuer, relay_enabled=False
    )
    owner = f"owner-idem-{uuid.uuid4().hex[:8]}"
    headers = keyed(owner_as(issuer, owner))
    async with LifespanManager(create_listings(settings, clock=lambda: moment[0])) as manager:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=manager.app), base_url="http://listings") as client:
            first = await client.post("/v1/units", json=DRAFT, headers=headers)
            moment[0] += timedelta(hours=23)
            assert (await client.post("/v1/units", json=DRAFT, headers=headers)).json()["id"] == first.json()["id"]
            moment[0] += timedelta(hours=2)
            later = await client.post("/v1/units", json=DRAFT, headers=headers)
            assert later.status_code == 201 and later.json()["id"] != first.json()["id"]


async def test_households_consents_and_erasure_are_done_once(matching_api: tuple[FastAPI, httpx.AsyncClient], issuer: TestIssuer) -> None:
    _, client = matching_api
    worker = worker_as(issuer, "sw-idem", org_id=f"assoc-idem-{uuid.uuid4().hex[:6]}")
    reference = f"idem-{uuid.uuid4().hex[:8]}"
    registered = await twice(client, "/v1/households", worker, changed=household(reference, adults=2), json=household(reference))
    assert await count_rows("matching", "SELECT count(*) FROM households WHERE reference = :r", r=reference) == 1
    consent = {"purpose": "notifications", "notice_version": "2026-01", "consented_at": "2026-03-01T10:00:00Z"}
    await twice(client, f"/v1/households/{registered['id']}/consents", worker, json=consent)
    assert (
        await count_rows("matching", "SELECT count(*) FROM consents WHERE household_id = :h", h=registered["id"]) == 2
    )  # matching's + this one
    erased = await twice(client, f"/v1/households/{registered['id']}/erase", worker)
    assert erased["status"] == "archived"


async def test_a_proposal_and_an_allocation_run_are_made_once(
    matching_api: tuple[FastAPI, httpx.AsyncClient], issuer: TestIssuer, unit: dict[str, Any]
) -> None:
    _, client = matching_api
    worker = worker_as(issuer, "sw-p", org_id="assoc-p")
    household_id = await new_household(client, worker)
    proposal = {"household_id": household_id, "unit_id": str(unit["unit_id"]), "scheme": "intermediated_letting"}
    placement = await twice(client, "/v1/placements", worker, json=proposal)
    assert await count_rows("matching", "SELECT count(*) FROM placements WHERE household_id = :h", h=household_id) == 1
    assert placement["status"] == "proposed"
    before = await count_rows("matching", "SELECT count(*) FROM allocation_runs")
    await twice(client, "/v1/allocation-runs", worker_as(issuer, "ops-1", "ops", org_id=None), json={"departement": "09"})
    assert await count_rows("matching", "SELECT count(*) FROM allocation_runs") == before + 1


async def test_funds_files_documents_and_claims_are_filed_once(guarantees_api: GuaranteesApi, issuer: TestIssuer) -> None:
    _, client, clock = guarantees_api
    fund_id = f"fund-idem-{uuid.uuid4().hex[:6]}"
    await twice(client, "/v1/funds", ops(issuer), json={"fund_id": fund_id, "name": "Fonds idem", "kind": "visale"})
    association = f"assoc-idem-{uuid.uuid4().hex[:6]}"
    worker = guarantees_as(issuer, "sw-idem", "social_worker", association)
    placement = await waiting_placement(association)
    body = {"placement_id": placement, "fund_id": await new_fund(client, issuer), "tenant": TENANT}
    filed = await twice(client, "/v1/files", worker, json=body)
    assert await count_rows("guarantees", "SELECT count(*) FROM guarantee_files WHERE placement_id = :p", p=placement) == 1
    document = {"content": ("id.pdf", PDF, "application/pdf")}
    await twice(client, f"/v1/files/{filed['id']}/documents", worker, data={"kind": "identity", "sub_kind": "passport"}, files=document)
    assert await count_rows("guarantees", "SELECT count(*) FROM documents WHERE file_id = :f", f=filed["id"]) == 1

    ready = await guaranteed(guarantees_api, issuer)
    clock.now = clock.now + timedelta(days=100)  # two months unpaid since the lease (the test app's clock)
    claim = {"months": [month("2027-01-05"), month("2027-02-05")], "formal_notice_on": "2027-01-10"}
    await twice(
        client, f"/v1/guarantees/{ready.file['id']}/claims", ready.owner_headers, changed={"months": [month("2027-01-05")]}, json=claim
    )
    assert await count_rows("guarantees", "SELECT count(*) FROM claims WHERE file_id = :f", f=ready.file["id"]) == 1


async def test_a_webhook_endpoint_is_added_once_and_its_secret_never_stored_with_the_answer(
    notifications_api: NotificationsApi, issuer: TestIssuer
) -> None:
    _, client = notifications_api
    org = f"assoc-idem-{uuid.uuid4().hex[:6]}"
    member = member_as(issuer, f"sw-{org}", "social_worker", org)
    headers = keyed(member)
    first = await client.post("/v1/webhooks", json={"url": "https://partner.example.org/hook"}, headers=headers)
    again = await client.post("/v1/webhooks", json={"url": "https://partner.example.org/hook"}, headers=headers)
    assert first.status_code == again.status_code == 201 and first.json()["secret"].startswith("whsec_")
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"  # the lost secret, given again
    assert await count_rows("notifications", "SELECT count(*) FROM webhook_endpoints WHERE org_id = :o", o=org) == 1
    stored = await count_rows("notifications", "SELECT count(*) FROM idempotency_keys WHERE body::text LIKE '%whsec_%'")
    assert stored == 0  # the secret is never kept with the answer
