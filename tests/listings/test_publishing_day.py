"""The listings service judges its rules on today's date in France, on the clock its app holds: at 00:30
in France on 1 January 2025 (23:30 UTC on 31 December 2024) the class G letting ban is in force, though
the machine's UTC date is still 2024."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from asgi_lifespan import LifespanManager

from abri_listings.main import create_app
from abri_listings.settings import ListingsSettings
from tests.listings.test_units_api import DRAFT, as_
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrated as migrated
from tests.support import database_url, kafka_bootstrap

CLASS_G = {**DRAFT, "energy_class": "G", "primary_energy_kwh": 430.0, "final_energy_kwh": 300.0, "available_from": "2024-12-01"}


async def publish_at(issuer: TestIssuer, moment: datetime) -> httpx.Response:
    settings = ListingsSettings(
        database_url=database_url("listings"), kafka_bootstrap_servers=kafka_bootstrap(), oidc_issuer=issuer.issuer, relay_enabled=False
    )
    app = create_app(settings, clock=lambda: moment)
    owner = as_(issuer, "owner-new-year")
    async with LifespanManager(app) as manager:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=manager.app), base_url="http://listings") as client:
            created = await client.post("/v1/units", json=CLASS_G, headers=owner)
            assert created.status_code == 201, created.text
            unit = created.json()
            assert datetime.fromisoformat(unit["created_at"]) == moment  # stamped by the app's clock, not the database's
            return await client.post(f"/v1/units/{unit['id']}/publish", headers={**owner, "if-match": created.headers["etag"]})


async def test_the_ban_starts_at_midnight_in_france_not_at_midnight_utc(issuer: TestIssuer) -> None:
    last_evening = await publish_at(issuer, datetime(2024, 12, 31, 22, 30, tzinfo=UTC))  # 23:30 on 31 December in France
    assert last_evening.status_code == 200, last_evening.text
    assert datetime.fromisoformat(last_evening.json()["published_at"]) == datetime(2024, 12, 31, 22, 30, tzinfo=UTC)

    new_year = await publish_at(issuer, datetime(2024, 12, 31, 23, 30, tzinfo=UTC))  # 00:30 on 1 January 2025 in France
    assert new_year.status_code == 422, new_year.text
    assert [error["rule"] for error in new_year.json()["errors"]] == ["energy_letting_ban"]
