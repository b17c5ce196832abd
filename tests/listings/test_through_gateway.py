"""The listings journey end to end: people signed in at the real dev identity provider, through the
gateway, to the listings service on its real database. An owner creates, is refused with every rule
named, edits, publishes and withdraws; a social worker searches; nobody else sees or changes the unit."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from abri_gateway.app import create_app as create_gateway
from abri_gateway.settings import GatewaySettings
from abri_idp.testing import LocalIdp, login
from abri_listings.main import create_app as create_listings
from abri_listings.settings import ListingsSettings
from tests.listings.test_units_api import DRAFT
from tests.oidc_issuer import serving
from tests.support import database_url, free_port, kafka_bootstrap, walk_pages

pytestmark = pytest.mark.timeout(120)
WEB, CALLBACK = "abri-web", "http://127.0.0.1:8000/callback"
BASTIA = {"commune": "Bastia", "postal_code": "20200", "insee_code": "2B033", "departement": "2B", "latitude": 42.697, "longitude": 9.450}


@pytest.fixture(scope="module")
def idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalIdp]:
    with LocalIdp(Path(tmp_path_factory.mktemp("idp-listings"))) as running:
        yield running


@pytest.fixture(scope="module")
async def gateway(idp: LocalIdp) -> AsyncIterator[httpx.AsyncClient]:
    listings = ListingsSettings(database_url=database_url("listings"), kafka_bootstrap_servers=kafka_bootstrap(), oidc_issuer=idp.issuer)
    listings_port, gateway_port = free_port(), free_port()
    settings = GatewaySettings(oidc_issuer=idp.issuer, listings_url=f"http://127.0.0.1:{listings_port}", rate_limit="1000/minute")
    async with (
        serving(create_listings(listings), listings_port),
        serving(create_gateway(settings), gateway_port),
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{gateway_port}/api/listings", timeout=20) as client,
    ):
        yield client


async def signed_in(idp: LocalIdp, username: str, scope: str) -> dict[str, str]:
    tokens = await login(idp.issuer, username, idp.password(username), WEB, idp.client_secret(WEB), CALLBACK, f"openid {scope}")
    return {"authorization": f"Bearer {tokens['access_token']}"}


async def test_an_owner_lists_a_unit_and_a_social_worker_finds_it_through_the_gateway(gateway: httpx.AsyncClient, idp: LocalIdp) -> None:
    owner = await signed_in(idp, "owner1", "listings:read listings:write")
    other_owner = await signed_in(idp, "owner2", "listings:read listings:write")
    worker = await signed_in(idp, "sw1", "listings:read listings:write")
    reader = await signed_in(idp, "owner1", "listings:read")

    tiny = {
        "living_area_m2": 8.0,
        "ceiling_height_m": 2.1,
        "energy_class": "C",
    }  # 200 kWh, 40 kg: class C at 8 m² (arrêté of 25 March 2024)
    created = await gateway.post("/v1/units", json={**DRAFT, **BASTIA, **tiny}, headers=owner)
    assert created.status_code == 201, created.text
    unit: dict[str, Any] = created.json()
    url = f"/v1/units/{unit['id']}"
    assert (await gateway.post(f"{url}/publish", headers={**reader, "if-match": created.headers["etag"]})).status_code == 403  # read scope

    refused = await gateway.post(f"{url}/publish", headers={**owner, "if-match": created.headers["etag"]})
    assert refused.status_code == 422 and refused.headers["content-type"] == "application/problem+json"
    assert [error["rule"] for error in refused.json()["errors"]] == ["minimum_size"]

    edited = await gateway.put(url, json={**DRAFT, **BASTIA}, headers={**owner, "if-match": created.headers["etag"]})
    assert edited.status_code == 200 and edited.headers["etag"] == '"2"'
    assert (await gateway.put(url, json={**DRAFT, **BASTIA}, headers={**owner, "if-match": created.headers["etag"]})).status_code == 412
    for stranger in (other_owner, worker):
        assert (await gateway.get(url, headers=stranger)).status_code == 404  # a draft: its owner (and ops) only
    published = await gateway.post(f"{url}/publish", headers={**owner, "if-match": edited.headers["etag"]})
    assert published.status_code == 200 and published.json()["status"] == "published"

    search: dict[str, str | int] = {"commune": "2B033", "sort": "newest", "limit": 100}
    found = (await gateway.get("/v1/search/units", params=search, headers=worker)).json()["items"]
    assert found[0]["id"] == unit["id"] and "street" not in found[0]
    assert (await gateway.get("/v1/search/units", params=search, headers=owner)).status_code == 403
    assert (await gateway.put(url, json=DRAFT, headers={**worker, "if-match": '"3"'})).status_code == 403
    assert (await gateway.post(f"{url}/withdraw", headers={**other_owner, "if-match": '"3"'})).status_code == 404

    withdrawn = await gateway.post(f"{url}/withdraw", headers={**owner, "if-match": published.headers["etag"]})
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    after = (await gateway.get("/v1/search/units", params=search, headers=worker)).json()["items"]
    assert unit["id"] not in [hit["id"] for hit in after]
    mine = await walk_pages(gateway, "/v1/units", owner, limit=50)  # owner1's units of other tests and runs come first
    assert {"id": unit["id"], "status": "withdrawn"} in [{"id": u["id"], "status": u["status"]} for u in mine]
