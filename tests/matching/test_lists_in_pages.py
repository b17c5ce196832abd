"""Every list of the matching service comes in pages (keyset, ``{items, next_cursor}``): walked beyond one
page in a stable order, a damaged or foreign cursor refused, and each still scoped to the caller. The
placements list reads a page in a fixed number of queries, however many placements it holds."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import create_async_engine

from tests.matching.invitations import link_subject
from tests.matching.test_households_api import api as api
from tests.matching.test_households_api import as_, household, unique
from tests.matching.test_matches_api import insert_units, unit_row
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrated as migrated
from tests.support import assert_cursor_refused, database_url, walk_pages

GAP = {"insee_code": "05061", "commune": "Gap", "departement": "05", "latitude": 44.559, "longitude": 6.079}
"""Where no other test goes: this module's units and households, afresh at each run."""


@pytest.fixture(scope="module")
async def gap_units() -> AsyncIterator[list[dict[str, Any]]]:
    """Five published units of one owner in Gap (earlier runs' units there removed, their households archived)."""
    owner = unique("owner-gap")
    rows = [unit_row(**GAP, owner_id=owner, rent_cents=50_000 + n) for n in range(5)]
    engine = create_async_engine(database_url("matching"))
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.text("DELETE FROM unit_view WHERE departement = '05'"))
            await conn.execute(sa.text("UPDATE households SET status = 'archived' WHERE '05061' = ANY(wanted_communes)"))
            await insert_units(conn, *rows)
        yield rows
    finally:
        await engine.dispose()


async def gap_household(client: httpx.AsyncClient, worker: dict[str, str], **changes: Any) -> dict[str, Any]:
    body = {**household(unique("G")), "wanted": {"communes": [GAP["insee_code"]]}, "needs": {"min_bedrooms": 1}, **changes}
    answer = await client.post("/v1/households", json=body, headers=worker)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


@contextmanager
def statements(app: FastAPI) -> Iterator[list[str]]:
    """The SQL statements the app's engine runs meanwhile."""
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    sa.event.listen(app.state.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(app.state.engine.sync_engine, "before_cursor_execute", record)


async def test_households_come_in_pages_longest_registered_first(api: tuple[FastAPI, httpx.AsyncClient], issuer: TestIssuer) -> None:
    _, client = api
    worker = as_(issuer, "sw-pages", org_id=unique("assoc-pages"))
    days = ["2026-05-01", "2026-01-01", "2026-03-01", "2026-01-01", "2026-02-01"]
    made = [await gap_household(client, worker, registered_since=day) for day in days]
    expected = [h["id"] for h in sorted(made, key=lambda h: (h["registered_since"], h["id"]))]
    assert [h["id"] for h in await walk_pages(client, "/v1/households", worker, limit=2)] == expected
    assert [h["id"] for h in await walk_pages(client, "/v1/households", worker, limit=5)] == expected
    await client.post(f"/v1/households/{made[0]['id']}/erase", headers=worker)
    searching = await walk_pages(client, "/v1/households", worker, limit=2, params={"status": "searching"})
    assert [h["id"] for h in searching] == [i for i in expected if i != made[0]["id"]]
    await assert_cursor_refused(client, "/v1/households", worker)
    other = as_(issuer, "sw-pages-other", org_id=unique("assoc-pages"))
    first = (await client.get("/v1/households", params={"limit": 2}, headers=worker)).json()
    theirs = await client.get("/v1/households", params={"limit": 2, "cursor": first["next_cursor"]}, headers=other)
    assert theirs.status_code == 200 and theirs.json()["items"] == []  # a cursor opens nothing: the list is still the caller's
    filtered = await client.get(
        "/v1/households", params={"limit": 2, "cursor": first["next_cursor"], "status": "searching"}, headers=worker
    )
    assert filtered.status_code == 400  # a cursor belongs to its list, filters included


async def test_a_households_consents_and_access_log_come_in_pages(api: tuple[FastAPI, httpx.AsyncClient], issuer: TestIssuer) -> None:
    _, client = api
    worker = as_(issuer, "sw-pages", org_id=unique("assoc-pages"))
    made = await gap_household(client, worker)
    url = f"/v1/households/{made['id']}"
    for day in ("2026-04-01", "2026-02-01", "2026-03-02", "2026-05-01"):
        consent = {"purpose": "notifications", "notice_version": "2026-01", "consented_at": f"{day}T10:00:00Z"}
        assert (await client.post(f"{url}/consents", json=consent, headers=worker)).status_code == 201
    consents = await walk_pages(client, f"{url}/consents", worker, limit=2)
    assert [c["consented_at"][:10] for c in consents] == ["2026-02-01", "2026-03-01", "2026-03-02", "2026-04-01", "2026-05-01"]
    assert consents[1]["purpose"] == "matching"  # recorded at registration, dated 2026-03-01
    for purpose in ("contact", "support_follow_up", "placement_proposal", "contact", "guarantee_file"):
        assert (await client.get(f"{url}/personal-data", params={"purpose": purpose}, headers=worker)).status_code == 200
    log = await walk_pages(client, f"{url}/access-log", worker, limit=2)
    assert sorted(entry["purpose"] for entry in log) == sorted(
        ["contact", "support_follow_up", "placement_proposal", "contact", "guarantee_file"]
    )
    assert [(entry["at"], entry["id"]) for entry in log] == sorted((entry["at"], entry["id"]) for entry in log)  # by time, then hash
    assert all(len(entry["id"]) == 64 for entry in log)  # an entry is named by its hash: the service-wide count is shown to no one
    await assert_cursor_refused(client, f"{url}/consents", worker, other_path=f"{url}/access-log")
    await assert_cursor_refused(client, f"{url}/access-log", worker, other_path=f"{url}/consents")
    stranger = as_(issuer, "sw-pages-other", org_id=unique("assoc-pages"))
    for path in ("consents", "access-log"):
        assert (await client.get(f"{url}/{path}", headers=stranger)).status_code == 404


async def test_placements_come_in_pages_latest_first_for_each_party_in_a_fixed_number_of_queries(
    api: tuple[FastAPI, httpx.AsyncClient], issuer: TestIssuer, gap_units: list[dict[str, Any]]
) -> None:
    app, client = api
    worker = as_(issuer, "sw-pages", org_id=unique("assoc-pages"))
    owner = as_(issuer, gap_units[0]["owner_id"], "owner", org_id=None)
    person = unique("household-person")
    households = [await gap_household(client, worker) for _ in range(5)]
    await link_subject(client, issuer, households[0]["id"], worker, person)
    made = []
    for mine, unit in zip(households, gap_units, strict=True):
        proposal = {"household_id": mine["id"], "unit_id": str(unit["unit_id"]), "scheme": "intermediated_letting"}
        answer = await client.post("/v1/placements", json=proposal, headers=worker)
        assert answer.status_code == 201, answer.text
        made.append(answer.json()["id"])
    latest_first = list(reversed(made))
    assert [p["id"] for p in await walk_pages(client, "/v1/placements", worker, limit=2)] == latest_first
    seen_by_owner = await walk_pages(client, "/v1/placements", owner, limit=3)
    assert [p["id"] for p in seen_by_owner] == latest_first and {p["household_id"] for p in seen_by_owner} == {None}
    assert [p["household"]["size"] for p in seen_by_owner] == [None] * 5  # intermediated letting: the association is the tenant
    assert all(p["timeline"] for p in seen_by_owner)
    assert [p["household"]["size"] for p in await walk_pages(client, "/v1/placements", worker, limit=5)] == [3] * 5
    own = await walk_pages(client, "/v1/placements", as_(issuer, person, "household", org_id=None), limit=1)
    assert [p["id"] for p in own] == [made[0]]
    declined = await client.post(f"/v1/placements/{made[1]}/decline", json={"reason": "other"}, headers=owner)
    assert declined.status_code == 200
    still = await walk_pages(client, "/v1/placements", worker, limit=2, params={"status": "proposed"})
    assert [p["id"] for p in still] == [i for i in latest_first if i != made[1]]
    for_one = await walk_pages(client, "/v1/placements", worker, limit=2, params={"household_id": households[2]["id"]})
    assert [p["id"] for p in for_one] == [made[2]]
    await assert_cursor_refused(client, "/v1/placements", worker)

    counts = []
    for limit in (1, 5):
        with statements(app) as seen:
            assert len((await client.get("/v1/placements", params={"limit": limit}, headers=owner)).json()["items"]) == limit
        counts.append(len([s for s in seen if s.lstrip().upper().startswith("SELECT")]))
    assert counts[0] == counts[1], f"a page of 5 ran more queries than a page of 1: {counts}"


async def test_suggestions_come_in_pages_best_first(api: tuple[FastAPI, httpx.AsyncClient], issuer: TestIssuer) -> None:
    _, client = api
    org, other_org = unique("assoc-pages"), unique("assoc-pages")
    worker = as_(issuer, "sw-pages", org_id=org)
    run_id = uuid.uuid4()
    rows = [
        {"id": uuid.uuid4(), "run_id": run_id, "org_id": org, "household_id": uuid.uuid4(), "unit_id": uuid.uuid4(), "score": score}
        for score in (0.5, 0.9, 0.7, 0.7, 0.1)
    ] + [{"id": uuid.uuid4(), "run_id": run_id, "org_id": other_org, "household_id": uuid.uuid4(), "unit_id": uuid.uuid4(), "score": 0.8}]
    engine = create_async_engine(database_url("matching"))
    try:
        async with engine.begin() as conn:  # as a run leaves them (runs themselves: test_allocation_api.py)
            await conn.execute(
                sa.text(
                    "INSERT INTO allocation_runs (id, departement, created_by, households, units, assigned, total_score)"
                    " VALUES (:id, '05', 'ops-pages', 6, 6, 6, 3.7)"
                ),
                {"id": run_id},
            )
            await conn.execute(
                sa.text(
                    "INSERT INTO suggestions (id, run_id, org_id, household_id, unit_id, score, status)"
                    " VALUES (:id, :run_id, :org_id, :household_id, :unit_id, :score, 'pending')"
                ),
                rows,
            )
    finally:
        await engine.dispose()
    params = {"run_id": str(run_id)}
    mine = await walk_pages(client, "/v1/suggestions", worker, limit=2, params=params)
    expected = sorted((r for r in rows if r["org_id"] == org), key=lambda r: (r["score"], r["id"]), reverse=True)
    assert [s["id"] for s in mine] == [str(r["id"]) for r in expected]  # the best first, ties in a stable order
    ops = as_(issuer, "ops-pages", "ops", org_id=None)
    assert len(await walk_pages(client, "/v1/suggestions", ops, limit=4, params=params)) == 6  # ops read every association's
    await assert_cursor_refused(client, "/v1/suggestions", worker)
    first = (await client.get("/v1/suggestions", params={**params, "limit": 2}, headers=worker)).json()
    other_run = {"run_id": str(uuid.uuid4()), "cursor": first["next_cursor"]}
    assert (await client.get("/v1/suggestions", params=other_run, headers=worker)).status_code == 400
    stranger = as_(issuer, "sw-pages-other", org_id=unique("assoc-pages"))
    assert (await client.get("/v1/suggestions", params=params, headers=stranger)).json() == {"items": [], "next_cursor": None}
