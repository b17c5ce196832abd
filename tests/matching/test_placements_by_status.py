"""The placements list filtered by status, and its counts: what an owner's proposals page shows in tabs
("to answer", "accepted", "declined", "all"). The counts are the list's own scope: another owner's or
another association's placements are never counted, and a bad status is a 422 that reads nothing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import create_async_engine

from tests.matching.test_households_api import api as api
from tests.matching.test_households_api import as_, household, unique
from tests.matching.test_matches_api import insert_units, unit_row
from tests.matching.test_placements_api import propose
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrated as migrated
from tests.support import database_url

GUERET = {"insee_code": "23096", "commune": "Guéret", "departement": "23", "postal_code": "23000", "latitude": 46.171, "longitude": 1.871}


async def units_of(owner: str, count: int) -> list[dict[str, Any]]:
    rows = [unit_row(**GUERET, owner_id=owner, schemes=["intermediated_letting"]) for _ in range(count)]
    engine = create_async_engine(database_url("matching"))
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.text("DELETE FROM unit_view WHERE insee_code = '23096'"))  # this test's units only
            for row in rows:
                await insert_units(conn, row)
    finally:
        await engine.dispose()
    return rows


async def test_an_owners_placements_filtered_by_status_with_true_counts(api: tuple[FastAPI, httpx.AsyncClient], issuer: TestIssuer) -> None:
    _, client = api
    owner_id, org = unique("owner-s"), unique("assoc-s")
    worker, owner, stranger = (
        as_(issuer, unique("sw"), org_id=org),
        as_(issuer, owner_id, "owner", org_id=None),
        as_(issuer, unique("o"), "owner", None),
    )
    units = await units_of(owner_id, 4)
    ids = []
    for unit in units:
        body = {**household(unique("S")), "wanted": {"communes": ["23096"]}, "needs": {"min_bedrooms": 1}}
        created = await client.post("/v1/households", json=body, headers=worker)
        assert created.status_code == 201, created.text
        proposed = await propose(client, worker, created.json()["id"], unit["unit_id"], "intermediated_letting")
        assert proposed.status_code == 201, proposed.text
        ids.append(proposed.json()["id"])
    accepted = await client.post(f"/v1/placements/{ids[0]}/accept", json={}, headers=owner)
    declined = await client.post(f"/v1/placements/{ids[1]}/decline", json={"reason": "other"}, headers=owner)
    assert accepted.status_code == 200 and declined.status_code == 200, (accepted.text, declined.text)

    counts = (await client.get("/v1/placements/counts", headers=owner)).json()
    assert counts["total"] == 4 and counts["counts"]["proposed"] == 2
    assert counts["counts"]["accepted"] == 1 and counts["counts"]["declined"] == 1 and counts["counts"]["slid"] == 0
    to_answer = (await client.get("/v1/placements", params={"status": "proposed"}, headers=owner)).json()
    assert sorted(p["id"] for p in to_answer["items"]) == sorted(ids[2:])
    ended = (await client.get("/v1/placements", params=[("status", "declined"), ("status", "expired")], headers=owner)).json()
    assert [p["id"] for p in ended["items"]] == [ids[1]]
    first = (await client.get("/v1/placements", params={"status": "proposed", "limit": 1}, headers=owner)).json()
    second = (
        await client.get("/v1/placements", params={"status": "proposed", "limit": 1, "cursor": first["next_cursor"]}, headers=owner)
    ).json()
    assert {first["items"][0]["id"], second["items"][0]["id"]} == set(ids[2:]) and second["next_cursor"] is None  # pages keep the filter

    assert (await client.get("/v1/placements/counts", headers=stranger)).json() == {"counts": {k: 0 for k in counts["counts"]}, "total": 0}
    assert (await client.get("/v1/placements", params={"status": "proposed"}, headers=stranger)).json()["items"] == []
    bad = await client.get("/v1/placements", params={"status": "pending"}, headers=owner)
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("path", ["/v1/placements/counts", "/v1/placements?status=proposed"])
async def test_the_counts_and_the_filter_need_a_signed_in_caller(api: tuple[FastAPI, httpx.AsyncClient], path: str) -> None:
    _, client = api
    assert (await client.get(path)).status_code == 401
