"""The placement journey across listings, matching and guarantees, the three services running with their
relays and consumers on the real broker: the owner accepts and asks for a guarantee, guarantees learns
the placement and the unit from the events, the association files, the fund approves (matching moves
the placement on), the lease signed in matching activates the guarantee and lets the unit; a lease
above the visa's maximum is refused and matching's timeline says why; a rejected file ends its
placement and brings the unit back to search."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from abri_guarantees.main import create_app as create_guarantees
from abri_guarantees.settings import GuaranteesSettings
from abri_kit.calendar import day_in_france
from abri_listings.main import create_app as create_listings
from abri_listings.settings import ListingsSettings
from abri_matching.main import create_app as create_matching
from abri_matching.settings import MatchingSettings
from tests.guarantees.support import SEEN_ELSEWHERE, TENANT, as_, unique
from tests.listings.test_units_api import DRAFT
from tests.matching.test_households_api import household
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrated as migrated
from tests.support import database_url, kafka_bootstrap, wait_until

pytestmark = pytest.mark.timeout(240)
RODEZ = {"commune": "Rodez", "postal_code": "12000", "insee_code": "12202", "departement": "12", "latitude": 44.350, "longitude": 2.575}
Clients = tuple[httpx.AsyncClient, httpx.AsyncClient, httpx.AsyncClient]


@pytest.fixture(scope="module")
async def services(issuer: TestIssuer) -> AsyncIterator[Clients]:
    common: dict[str, Any] = {"kafka_bootstrap_servers": kafka_bootstrap(), "oidc_issuer": issuer.issuer, "relay_poll_interval_s": 0.2}
    listings = create_listings(ListingsSettings(database_url=database_url("listings"), **common))
    matching = create_matching(MatchingSettings(database_url=database_url("matching"), **common))
    guarantees = create_guarantees(GuaranteesSettings(database_url=database_url("guarantees"), **common))
    async with (
        LifespanManager(listings, startup_timeout=30, shutdown_timeout=30) as running_listings,
        LifespanManager(matching, startup_timeout=30, shutdown_timeout=30) as running_matching,
        LifespanManager(guarantees, startup_timeout=30, shutdown_timeout=30) as running_guarantees,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=running_listings.app), base_url="http://listings") as listings_client,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=running_matching.app), base_url="http://matching") as matching_client,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=running_guarantees.app), base_url="http://guarantees") as guarantees_client,
    ):
        yield listings_client, matching_client, guarantees_client


async def eventually(read: Callable[[], Awaitable[Any]], expected: Any, what: str) -> None:
    async def reached() -> bool:
        return bool(await read() == expected)

    await wait_until(reached, timeout=60, what=what)


async def test_a_guarantee_approved_activated_by_the_lease_and_one_rejected(services: Clients, issuer: TestIssuer) -> None:
    listings, matching, guarantees = services
    owner, association = as_(issuer, unique("owner-gj"), "owner", None), unique("assoc-gj")
    worker = as_(issuer, "sw-gj", "social_worker", association)
    fund = unique("fund-gj")
    created = await guarantees.post(
        "/v1/funds", json={"fund_id": fund, "name": "Fonds GJ", "kind": "visale"}, headers=as_(issuer, "ops", "ops", None)
    )
    assert created.status_code == 201, created.text
    agent = as_(issuer, "agent-gj", "fund_agent", fund)

    async def accepted_with_guarantee() -> tuple[str, str]:
        """A unit published, learnt by matching, proposed and accepted with a guarantee asked for."""
        unit = (await listings.post("/v1/units", json={**DRAFT, **RODEZ, "schemes": ["direct_lease"]}, headers=owner)).json()
        assert (await listings.post(f"/v1/units/{unit['id']}/publish", headers={**owner, "if-match": '"1"'})).status_code == 200
        body = {**household(unique("GJ")), "wanted": {"communes": ["12202"]}, "needs": {"min_bedrooms": 1}}
        household_id = (await matching.post("/v1/households", json=body, headers=worker)).json()["id"]
        agreed = {"purpose": "guarantee_file", "notice_version": "2026-01", "consented_at": "2026-03-01T10:00:00Z"}
        assert (await matching.post(f"/v1/households/{household_id}/consents", json=agreed, headers=worker)).status_code == 201

        async def candidates() -> int:
            return (await matching.get(f"/v1/units/{unit['id']}/candidates", headers=worker)).status_code

        await eventually(candidates, 200, "matching learns the published unit")
        proposal = {"household_id": household_id, "unit_id": unit["id"], "scheme": "direct_lease"}  # a direct lease: a guarantee
        placement = (await matching.post("/v1/placements", json=proposal, headers=worker)).json()
        accepted = await matching.post(f"/v1/placements/{placement['id']}/accept", json={"require_guarantee": True}, headers=owner)
        assert accepted.json()["status"] == "awaiting_guarantee", accepted.text
        return str(unit["id"]), str(placement["id"])

    async def filed(placement_id: str) -> dict[str, Any]:
        """The association files as soon as guarantees knows the placement (from matching's event)."""
        answers: list[httpx.Response] = []

        async def known() -> bool:
            answers.append(
                await guarantees.post("/v1/files", json={"placement_id": placement_id, "fund_id": fund, "tenant": TENANT}, headers=worker)
            )
            text = answers[-1].text
            return answers[-1].status_code != 404 and not any(w in text for w in ("not waiting", "Unit unknown", "consent_required"))

        await wait_until(known, timeout=60, what="guarantees learns the placement, its unit and the household's consent")
        assert answers[-1].status_code == 201, answers[-1].text
        return dict(answers[-1].json())

    async def placement_status(placement_id: str) -> str:
        return str((await matching.get(f"/v1/placements/{placement_id}", headers=worker)).json()["status"])

    async def unit_status(unit_id: str) -> str:
        return str((await listings.get(f"/v1/units/{unit_id}", headers=owner)).json()["status"])

    unit_id, placement_id = await accepted_with_guarantee()
    file = await filed(placement_id)
    assert file["status"] == "under_review" and file["unit"]["rent_cents"] == DRAFT["rent_cents"]
    approval = await guarantees.post(f"/v1/files/{file['id']}/approval", json=SEEN_ELSEWHERE, headers=agent)
    assert approval.status_code == 200, approval.text
    await eventually(lambda: placement_status(placement_id), "guaranteed", "matching moves the placement on the approval")

    today = day_in_france(datetime.now(UTC)).isoformat()  # the service counts French calendar days
    lease = {"signed_on": today, "starts_on": today, "lease_type": "direct"}
    assert (await matching.post(f"/v1/placements/{placement_id}/lease", json=lease, headers=worker)).status_code == 200

    async def guarantee() -> int:
        return (await guarantees.get(f"/v1/guarantees/{file['id']}", headers=owner)).status_code

    await eventually(guarantee, 200, "the signed lease activates the guarantee")
    active = (await guarantees.get(f"/v1/guarantees/{file['id']}", headers=owner)).json()
    assert active["status"] == "active" and active["rent_and_charges_cents"] == DRAFT["rent_cents"] + DRAFT["charges_cents"]
    await eventually(lambda: unit_status(unit_id), "let", "listings lets the unit")

    _, dear_placement = await accepted_with_guarantee()  # a lease above the visa's maximum: not activated
    dear_file = await filed(dear_placement)
    assert (await guarantees.post(f"/v1/files/{dear_file['id']}/approval", json=SEEN_ELSEWHERE, headers=agent)).status_code == 200
    await eventually(lambda: placement_status(dear_placement), "guaranteed", "matching moves the second placement on")
    too_dear = {**lease, "rent_cents": 150_000}
    assert (await matching.post(f"/v1/placements/{dear_placement}/lease", json=too_dear, headers=worker)).status_code == 200

    async def refusal_in_timeline() -> list[tuple[str, str | None]]:
        timeline = (await matching.get(f"/v1/placements/{dear_placement}", headers=worker)).json()["timeline"]
        return [(step["step"], step["reason"]) for step in timeline if step["step"] == "guarantee_not_activated"]

    await eventually(refusal_in_timeline, [("guarantee_not_activated", "rent_above_visa_max")], "matching records the refusal")
    assert (await guarantees.get(f"/v1/guarantees/{dear_file['id']}", headers=owner)).status_code == 404

    other_unit, other_placement = await accepted_with_guarantee()
    other_file = await filed(other_placement)
    rejected = await guarantees.post(f"/v1/files/{other_file['id']}/rejection", json={"reasons": ["resources_not_proven"]}, headers=agent)
    assert rejected.status_code == 200, rejected.text
    await eventually(lambda: placement_status(other_placement), "guarantee_rejected", "matching ends the placement on the rejection")
    await eventually(lambda: unit_status(other_unit), "published", "listings publishes the unit again")
