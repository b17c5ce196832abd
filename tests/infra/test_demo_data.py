"""``make run``'s demo data: created through the gateway with the demo people's own sign-ins, once."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from abri_gateway.app import create_app as create_gateway
from abri_gateway.settings import GatewaySettings
from abri_guarantees.main import create_app as create_guarantees
from abri_guarantees.settings import GuaranteesSettings
from abri_idp.testing import LocalIdp, login
from abri_listings.main import create_app as create_listings
from abri_listings.settings import ListingsSettings
from abri_matching.main import create_app as create_matching
from abri_matching.settings import MatchingSettings
from tests.oidc_issuer import serving
from tests.services.test_service_skeletons import migrated as migrated
from tests.support import REPO, database_url, free_port, kafka_bootstrap

sys.path.insert(0, str(REPO / "infra" / "dev"))
import demo

pytestmark = pytest.mark.timeout(120)
CALLBACK = "http://127.0.0.1:8000/callback"


@pytest.fixture(scope="module")
def idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalIdp]:
    with LocalIdp(Path(tmp_path_factory.mktemp("idp-demo"))) as running:
        yield running


@pytest.fixture(scope="module")
async def gateway(idp: LocalIdp) -> AsyncIterator[str]:
    common = {"kafka_bootstrap_servers": kafka_bootstrap(), "oidc_issuer": idp.issuer, "consumer_enabled": False}
    ports = {name: free_port() for name in ("listings", "matching", "guarantees", "gateway")}
    urls = {f"{name}_url": f"http://127.0.0.1:{port}" for name, port in ports.items() if name != "gateway"}
    async with (
        serving(create_listings(ListingsSettings(database_url=database_url("listings"), **common)), ports["listings"]),  # type: ignore[arg-type]
        serving(create_matching(MatchingSettings(database_url=database_url("matching"), **common)), ports["matching"]),  # type: ignore[arg-type]
        serving(create_guarantees(GuaranteesSettings(database_url=database_url("guarantees"), **common)), ports["guarantees"]),  # type: ignore[arg-type]
        serving(create_gateway(GatewaySettings(oidc_issuer=idp.issuer, rate_limit="1000/minute", **urls)), ports["gateway"]),  # type: ignore[arg-type]
    ):
        yield f"http://127.0.0.1:{ports['gateway']}"


async def test_the_demo_data_are_created_once_through_the_gateway(gateway: str, idp: LocalIdp) -> None:
    passwords = {name: idp.password(name) for name in ("owner1", "sw1", "ops1", "agent1")}
    secret = idp.client_secret("abri-web")
    first = await demo.seed(gateway, idp.issuer, passwords, secret, CALLBACK)
    second = await demo.seed(gateway, idp.issuer, passwords, secret, CALLBACK)
    assert second == "demo data already there" and first in {
        second,
        "demo data: 3 published units of owner1, 2 households of sw1's association, 2 guarantee funds",
    }
    owner = await login(idp.issuer, "owner1", passwords["owner1"], "abri-web", secret, CALLBACK, "openid listings:read")
    worker = await login(idp.issuer, "sw1", passwords["sw1"], "abri-web", secret, CALLBACK, "openid matching:read")
    async with httpx.AsyncClient(base_url=gateway, timeout=20) as http:
        units = (await http.get("/api/listings/v1/units", headers={"authorization": f"Bearer {owner['access_token']}"})).json()["items"]
        households = await demo.every(http, "/api/matching/v1/households", {"authorization": f"Bearer {worker['access_token']}"})
    demo_units = [u for u in units if u["street"] == demo.DEMO_STREET]
    assert len(demo_units) == 3 and {u["status"] for u in demo_units} == {"published"}
    assert sorted(h["reference"] for h in households if h["reference"].startswith("DEMO-")) == ["DEMO-001", "DEMO-002"]
    agent = await login(idp.issuer, "agent1", passwords["agent1"], "abri-web", secret, CALLBACK, "openid guarantees:read")
    async with httpx.AsyncClient(base_url=gateway, timeout=20) as http:
        funds = await demo.every(http, "/api/guarantees/v1/funds", {"authorization": f"Bearer {agent['access_token']}"})
    assert {("fund-1", "visale"), ("fund-2", "fsl")} <= {(f["fund_id"], f["kind"]) for f in funds}  # agent1 works for fund-1
