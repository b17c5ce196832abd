"""A household's export from listings: listings holds nothing about a household and says so, in the
same explicit document for every household or association that asks (it reveals no household)."""

from __future__ import annotations

import uuid

import httpx
from fastapi import FastAPI

from tests.listings.test_units_api import api as api
from tests.listings.test_units_api import as_
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrated as migrated


async def test_listings_exports_an_explicit_empty_document(api: tuple[FastAPI, httpx.AsyncClient], issuer: TestIssuer) -> None:
    _, client = api
    household_id = str(uuid.uuid4())
    url = f"/v1/households/{household_id}/export"
    mine = await client.get(url, headers=as_(issuer, "hh-l", "household", org_id="assoc-l"))
    assert mine.status_code == 200, mine.text
    document = mine.json()
    assert document["service"] == "listings" and document["schema_version"] == 1 and document["household_id"] == household_id
    assert document["holds"] == "nothing" and document["documents"] == [] and document["generated_at"]
    association = (await client.get(url, headers=as_(issuer, "sw-l", "social_worker", org_id="assoc-l"))).json()
    assert {k: v for k, v in association.items() if k != "generated_at"} == {k: v for k, v in document.items() if k != "generated_at"}
    assert (await client.get(url, headers=as_(issuer, "owner-l"))).status_code == 403
    assert (await client.get(url, headers=as_(issuer, "agent-l", "fund_agent", org_id="fund-l"))).status_code == 403
    assert (await client.get(url)).status_code == 401
