"""Bad input answers 422 with a problem-details body naming the field, through each real service, and
changes nothing: the cases that used to pass silently (``available_from: 0`` stored as 1970-01-01,
``longitude: false`` as 0.0, a consent dated year 730 or next week) or to answer 500 (NUL in a street, a
fund name, a consent version or a webhook URL; a vanishing radius; a 26-digit amount; a 1 MB text)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import create_async_engine

from tests.guarantees.support import Api as GuaranteesApi
from tests.guarantees.support import api as guarantees_api
from tests.guarantees.support import ops
from tests.listings.test_units_api import DRAFT
from tests.listings.test_units_api import api as listings_api
from tests.listings.test_units_api import as_ as owner_as
from tests.matching.test_households_api import api as matching_api
from tests.matching.test_households_api import as_ as worker_as
from tests.matching.test_households_api import household
from tests.notifications.support import Api as NotificationsApi
from tests.notifications.support import api as notifications_api
from tests.notifications.support import as_ as member_as
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrated as migrated
from tests.support import count_rows, database_url

pytestmark = pytest.mark.timeout(120)
__all__ = ["guarantees_api", "listings_api", "matching_api", "notifications_api"]


def refused(answer: httpx.Response, field: str) -> None:
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert field in [error["field"] for error in answer.json()["errors"]], answer.json()


def consent(**changes: str) -> dict[str, str]:
    return {"purpose": "matching", "notice_version": "2026-01", "consented_at": "2026-03-01T10:00:00Z", **changes}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"street": "12 rue des Lilas\x00"}, "body.street"),
        ({"available_from": 0}, "body.available_from"),
        ({"longitude": False}, "body.longitude"),
        ({"rooms": "2"}, "body.rooms"),
        ({"elevator": "yes"}, "body.elevator"),
        ({"living_area_m2": 5e-324}, "body.living_area_m2"),
        ({"description": {"fr": "x" * 1_000_000}}, "body.description.fr"),
        ({"dpe_date": "0730-01-01"}, "body.dpe_date"),
    ],
)
async def test_listings_refuses_a_unit_typed_loosely(
    listings_api: tuple[FastAPI, httpx.AsyncClient], issuer: TestIssuer, change: dict[str, Any], field: str
) -> None:
    _, client = listings_api
    owner = f"owner-strict-{uuid.uuid4().hex[:8]}"
    refused(await client.post("/v1/units", json={**DRAFT, **change}, headers=owner_as(issuer, owner)), field)
    assert await count_rows("listings", "SELECT count(*) FROM units WHERE owner_id = :o", o=owner) == 0


@pytest.mark.parametrize(
    ("query", "field"),
    [("lat=43.6&lon=3.8&radius_km=5e-324", "query.radius_km"), ("max_total_cents=" + "9" * 26, "query.max_total_cents")],
)
async def test_listings_search_refuses_out_of_bound_numbers(
    listings_api: tuple[FastAPI, httpx.AsyncClient], issuer: TestIssuer, query: str, field: str
) -> None:
    _, client = listings_api
    refused(await client.get(f"/v1/search/units?{query}", headers=owner_as(issuer, "sw-strict", "social_worker", org_id="assoc-s")), field)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (
            {"consent": {"purpose": "matching", "notice_version": "2026\x00", "consented_at": "2026-03-01T10:00:00Z"}},
            "body.consent.notice_version",
        ),
        (
            {"consent": {"purpose": "matching", "notice_version": "2026-01", "consented_at": "0730-03-01T10:00:00Z"}},
            "body.consent.consented_at",
        ),
        (
            {"consent": {"purpose": "matching", "notice_version": "2026-01", "consented_at": "2026-03-01T10:00:00"}},
            "body.consent.consented_at",
        ),
        ({"adults": True}, "body.adults"),
        ({"wanted": {"communes": [], "around": {"latitude": 43.6, "longitude": 3.8, "radius_km": 5e-324}}}, "body.wanted.around.radius_km"),
    ],
)
async def test_matching_refuses_a_household_typed_loosely(
    matching_api: tuple[FastAPI, httpx.AsyncClient], issuer: TestIssuer, change: dict[str, Any], field: str
) -> None:
    _, client = matching_api
    reference = f"strict-{uuid.uuid4().hex[:8]}"
    refused(await client.post("/v1/households", json=household(reference, **change), headers=worker_as(issuer, "sw-strict")), field)
    assert await count_rows("matching", "SELECT count(*) FROM households WHERE reference = :r", r=reference) == 0


async def test_matching_refuses_a_consent_given_next_week(matching_api: tuple[FastAPI, httpx.AsyncClient], issuer: TestIssuer) -> None:
    _, client = matching_api
    reference = f"strict-{uuid.uuid4().hex[:8]}"
    next_week = (datetime.now(UTC) + timedelta(days=7)).isoformat()
    consent = {"purpose": "matching", "notice_version": "2026-01", "consented_at": next_week}
    refused(
        await client.post("/v1/households", json=household(reference, consent=consent), headers=worker_as(issuer, "sw-strict")),
        "body.consent.consented_at",
    )
    assert await count_rows("matching", "SELECT count(*) FROM households WHERE reference = :r", r=reference) == 0


async def test_guarantees_refuses_a_fund_name_with_a_nul(guarantees_api: GuaranteesApi, issuer: TestIssuer) -> None:
    _, client, _ = guarantees_api
    fund_id = f"fund-strict-{uuid.uuid4().hex[:8]}"
    answer = await client.post("/v1/funds", json={"fund_id": fund_id, "name": "Fonds\x00", "kind": "visale"}, headers=ops(issuer))
    refused(answer, "body.name")
    assert await count_rows("guarantees", "SELECT count(*) FROM funds WHERE fund_id = :f", f=fund_id) == 0


async def test_notifications_refuses_a_webhook_url_with_a_nul(notifications_api: NotificationsApi, issuer: TestIssuer) -> None:
    _, client = notifications_api
    org = f"assoc-strict-{uuid.uuid4().hex[:8]}"
    member = member_as(issuer, f"sw-{org}", "social_worker", org)
    refused(await client.post("/v1/webhooks", json={"url": "https://partner.example.org/\x00hook"}, headers=member), "body.url")
    assert await count_rows("notifications", "SELECT count(*) FROM webhook_endpoints WHERE org_id = :o", o=org) == 0


async def test_a_unit_stored_before_the_limits_still_reads_as_stored(
    listings_api: tuple[FastAPI, httpx.AsyncClient], issuer: TestIssuer
) -> None:
    _, client = listings_api
    owner = f"owner-strict-{uuid.uuid4().hex[:8]}"
    created = (await client.post("/v1/units", json=DRAFT, headers=owner_as(issuer, owner))).json()
    old = {"fr": "Très long " * 400, "en": "bell\x07 in an old text"}  # over today's 2,000 characters, a control character
    engine = create_async_engine(database_url("listings"))
    try:
        async with engine.begin() as connection:
            await connection.execute(
                sa.text("UPDATE units SET description = CAST(:d AS jsonb) WHERE id = :i"), {"d": json.dumps(old), "i": created["id"]}
            )
    finally:
        await engine.dispose()
    read = await client.get(f"/v1/units/{created['id']}", headers=owner_as(issuer, owner))
    assert read.status_code == 200 and read.json()["description"] == old  # shown as stored, not judged again
    listed = await client.get("/v1/units", headers=owner_as(issuer, owner))
    assert listed.status_code == 200 and [unit["id"] for unit in listed.json()["items"]] == [created["id"]]
