"""Batch allocation runs against the real database: the optimal assignment of every association's
searching households to the published units of a département, each association seeing (and dismissing)
only its own households' suggestions."""

from __future__ import annotations

import io
import uuid
from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from PIL import Image
from sqlalchemy.ext.asyncio import create_async_engine

from abri_auth.testing import assert_tenant_isolation
from tests.matching.test_households_api import api as api
from tests.matching.test_households_api import as_, household, unique
from tests.matching.test_matches_api import insert_units, unit_row
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrated as migrated
from tests.support import database_url

MENDE = {"insee_code": "48095", "commune": "Mende", "departement": "48", "latitude": 44.518, "longitude": 3.500}


@pytest.fixture(scope="module")
async def lozere() -> AsyncIterator[list[dict[str, Any]]]:
    """Two published units in Lozère (where no other test goes); earlier runs' households there archived."""
    rows = [unit_row(**MENDE, living_area_m2=60.0, rooms=3), unit_row(**MENDE, living_area_m2=30.0, rooms=2)]
    engine = create_async_engine(database_url("matching"))
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.text("DELETE FROM unit_view WHERE departement = '48'"))
            await conn.execute(sa.text("UPDATE households SET status = 'archived' WHERE '48095' = ANY(wanted_communes)"))
            await insert_units(conn, *rows)
        yield rows
    finally:
        await engine.dispose()


async def mende_household(client: httpx.AsyncClient, headers: dict[str, str], **changes: Any) -> str:
    body = {**household(unique("L")), "wanted": {"communes": ["48095"]}, "needs": {"min_bedrooms": 1}, **changes}
    response = await client.post("/v1/households", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


INVENTORY = {
    "kind": "move_in",
    "made_on": str(date.today()),
    "rooms": [{"name": "Room", "items": [{"name": "Walls", "condition": "good"}]}],
}


async def an_inventory(client: httpx.AsyncClient, worker: dict[str, str], placement_id: str) -> tuple[dict[str, Any], str]:
    """A move-in inventory of the placement with a photo, begun by its association: the placement is set signed as
    a sub-let in the database first (the lease's journey is other tests' subject), which makes the association its
    landlord's side."""
    engine = create_async_engine(database_url("matching"))
    try:
        async with engine.begin() as conn:
            await conn.execute(
                sa.text("UPDATE placements SET status = 'lease_signed', lease_type = 'sub_let', lease_signed_on = :d WHERE id = :id"),
                {"d": date.today() - timedelta(days=1), "id": placement_id},
            )
    finally:
        await engine.dispose()
    begun = await client.post(f"/v1/placements/{placement_id}/inventories", json=INVENTORY, headers=worker)
    assert begun.status_code == 201, begun.text
    item = begun.json()["rooms"][0]["items"][0]["id"]
    picture = io.BytesIO()
    Image.new("RGB", (20, 20)).save(picture, format="PNG")
    files = {"content": ("p.png", picture.getvalue(), "image/png")}
    photo = await client.post(f"/v1/inventories/{begun.json()['id']}/photos", data={"item_id": item}, files=files, headers=worker)
    assert photo.status_code == 201, photo.text
    return dict(begun.json()), str(photo.json()["id"])


async def a_cohabitation_contract(client: httpx.AsyncClient, worker: dict[str, str], unit_id: str) -> str:
    """A placement of a new household of ``worker``'s with a cohabitation contract recorded: set so in the database (the
    contract's journey is ``test_cohabitation``'s subject); its id."""
    household_id = await mende_household(client, worker, adults=1, children=0, priority_situations=[])
    body = {"household_id": household_id, "unit_id": unit_id, "scheme": "intermediated_letting"}
    placement = await client.post("/v1/placements", json=body, headers=worker)
    assert placement.status_code == 201, placement.text
    engine = create_async_engine(database_url("matching"))
    try:
        async with engine.begin() as conn:
            await conn.execute(
                sa.text(
                    "UPDATE placements SET status = 'lease_signed', lease_type = 'cohabitation', lease_signed_on = :d,"
                    " lease_starts_on = :d,"
                    " lease_term_ends_on = :e, agreement_services = '[]', agreement_monthly_cents = 23000 WHERE id = :id"
                ),
                {"d": date.today(), "e": date.today() + timedelta(days=180), "id": placement.json()["id"]},
            )
    finally:
        await engine.dispose()
    return str(placement.json()["id"])


async def test_a_run_assigns_optimally_and_each_association_reviews_its_own(
    api: tuple[FastAPI, httpx.AsyncClient], issuer: TestIssuer, lozere: list[dict[str, Any]]
) -> None:
    app, client = api
    first, second = as_(issuer, "sw-a", org_id="assoc-loz-a"), as_(issuer, "sw-b", org_id="assoc-loz-b")
    big_family = await mende_household(client, first, adults=2, children=3)  # 5 persons: only the 60 m² unit fits (norm 43 m²)
    couple = await mende_household(client, first, adults=2, children=0, priority_situations=["dalo_decision"])  # fits both
    single = await mende_household(client, second, adults=1, children=0, priority_situations=[])  # fits both

    assert (await client.post("/v1/allocation-runs", json={"departement": "48"}, headers=first)).status_code == 403
    ops = as_(issuer, "ops-1", "ops", org_id=None)
    run = await client.post("/v1/allocation-runs", json={"departement": "48"}, headers=ops)
    assert run.status_code == 201, run.text
    assert run.json()["units"] == 2 and run.json()["assigned"] == 2
    assert run.json()["households"] == 3  # only those that may want a unit of the Lozère, not every searching household
    everything = (await client.get("/v1/suggestions", params={"run_id": run.json()["id"]}, headers=ops)).json()["items"]
    pairs = {s["household_id"]: s["unit_id"] for s in everything}
    assert pairs[big_family] == str(lozere[0]["unit_id"])  # the only unit it fits: the optimum gives it that one
    assert len(set(pairs.values())) == 2 and set(pairs) <= {big_family, couple, single}
    assert pairs.get(couple) == str(lozere[1]["unit_id"])  # DALO priority beats the single person for the other one
    assert run.json()["total_score"] == pytest.approx(sum(s["score"] for s in everything), abs=1e-5)

    mine = (await client.get("/v1/suggestions", params={"run_id": run.json()["id"]}, headers=first)).json()["items"]
    assert {s["household_id"] for s in mine} == {big_family, couple}
    assert (await client.get("/v1/suggestions", params={"run_id": run.json()["id"]}, headers=second)).json()["items"] == []
    for suggestion in mine:  # every suggested pair is one the association's own explained matches show
        matches = (await client.get(f"/v1/households/{suggestion['household_id']}/matches", headers=first)).json()
        assert suggestion["unit_id"] in [m["unit"]["unit_id"] for m in matches]

    consent = (await client.get(f"/v1/households/{big_family}/consents", headers=first)).json()["items"][0]
    gone = await mende_household(client, first)  # an erased household: its erasure's state is what the sweep reads
    assert (await client.post(f"/v1/households/{gone}/erasure", json={}, headers=first)).status_code == 202
    body = {"household_id": couple, "unit_id": str(lozere[1]["unit_id"]), "scheme": "intermediated_letting"}
    placement = (await client.post("/v1/placements", json=body, headers=first)).json()
    invitation = (await client.post(f"/v1/households/{big_family}/invitations", headers=first)).json()
    inventory, photo = await an_inventory(client, first, placement["id"])
    contract = await a_cohabitation_contract(client, first, str(lozere[0]["unit_id"]))
    await assert_tenant_isolation(  # every route of the service with a path parameter, as another association
        client,
        app,
        owner_token=first["authorization"].removeprefix("Bearer "),
        other_token=second["authorization"].removeprefix("Bearer "),
        path_values={
            "household_id": big_family,
            "consent_id": consent["id"],
            "unit_id": str(lozere[0]["unit_id"]),
            "suggestion_id": mine[1]["id"],
            "placement_id": placement["id"],
            "invitation_id": invitation["id"],
            "inventory_id": inventory["id"],
            "photo_id": photo,
        },
        headers={"if-match": '"1"'},
        bodies={
            ("PUT", "/v1/households/{household_id}"): {k: v for k, v in household("x").items() if k != "consent"},
            ("POST", "/v1/households/{household_id}/consents"): household("x")["consent"],
            ("POST", "/v1/placements/{placement_id}/accept"): {},
            ("POST", "/v1/placements/{placement_id}/decline"): {"reason": "other"},
            ("POST", "/v1/placements/{placement_id}/withdraw"): {"reason": "other"},
            ("POST", "/v1/placements/{placement_id}/lease"): {"signed_on": "2027-01-01", "starts_on": "2027-01-01", "lease_type": "direct"},
            ("POST", "/v1/placements/{placement_id}/reviews"): {"outcome": "continue", "parties": ["association", "household", "owner"]},
            ("POST", "/v1/placements/{placement_id}/renewals"): {"renews_on": "2030-01-01", "kind": "tacit"},
            ("POST", "/v1/placements/{placement_id}/lease-end"): {"ended_on": "2027-06-30", "reason": "other"},
            ("POST", "/v1/placements/{placement_id}/inventories"): INVENTORY,
            ("PUT", "/v1/inventories/{inventory_id}"): {**{k: v for k, v in INVENTORY.items() if k != "kind"}, "version": 1},
            ("POST", "/v1/inventories/{inventory_id}/signatures"): {"content_sha256": inventory["content_sha256"]},
            ("POST", "/v1/inventories/{inventory_id}/completion"): {"notes": [{"room": "r", "item": "i", "note": "n"}]},
        },
        params={("GET", "/v1/households/{household_id}/personal-data"): {"purpose": "contact"}},
        path_values_of={
            ("GET", "/v1/households/{household_id}/erasure"): {"household_id": gone},
            ("GET", "/v1/placements/{placement_id}/cohabitation-contract"): {"placement_id": contract},
        },
        expected={
            ("GET", "/v1/units/{unit_id}/candidates"): 200,  # a published unit is open to every association (its own households)
            ("POST", "/v1/placements/{placement_id}/accept"): 403,  # owners answer, never social workers
            ("POST", "/v1/placements/{placement_id}/slide-agreement"): 403,  # the owner agrees to a slide, never a social worker
            ("POST", "/v1/placements/{placement_id}/decline"): 403,
            ("GET", "/v1/placements/{placement_id}/household-contact"): 403,  # for the unit's owner only
            ("POST", "/v1/inventories/{inventory_id}/photos"): 422,  # the walker sends no multipart body: test_inventories checks its 404
        },
    )
    reviewed = {
        s["household_id"]: s
        for s in (await client.get("/v1/suggestions", params={"run_id": run.json()["id"]}, headers=first)).json()["items"]
    }
    assert reviewed[couple]["status"] == "proposed"  # proposing the suggested pair reviews its suggestion
    assert reviewed[big_family]["status"] == "pending"
    assert (await client.post(f"/v1/suggestions/{reviewed[couple]['id']}/dismiss", headers=first)).status_code == 409
    target = reviewed[big_family]["id"]
    assert (await client.post(f"/v1/suggestions/{target}/dismiss", headers=second)).status_code == 404
    dismissed = await client.post(f"/v1/suggestions/{target}/dismiss", headers=first)
    assert dismissed.status_code == 200 and dismissed.json()["status"] == "dismissed"
    assert (await client.post(f"/v1/suggestions/{target}/dismiss", headers=first)).status_code == 409
    assert (await client.post(f"/v1/suggestions/{uuid.uuid4()}/dismiss", headers=first)).status_code == 404
    assert (await client.post("/v1/allocation-runs", json={"departement": "Lozère"}, headers=ops)).status_code == 422
