"""The energy bill a home's DPE implies, estimated as the DPE estimates it (``domain/energy_cost.py``): the
DPE's conventional prices by band, the final energy read from the primary energy with the factor of the
DPE's day, the range; then through the API: the owner sees it, the unit's events carry it, and a main
energy the DPE cannot name is refused and changes nothing."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import create_async_engine

from abri_kit.policies import with_overrides
from abri_listings.domain.energy_cost import EnergyTariff, PriceBand, annual_cost_eur, estimate, final_energy_per_m2
from abri_listings.domain.policy import ListingsPolicy
from abri_listings.energy_costs import price_stale
from tests.listings.test_units_api import DRAFT, as_, create
from tests.listings.test_units_api import api as api
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrated as migrated
from tests.support import database_url

POLICY = ListingsPolicy()
TARIFFS = {t.energy: t for t in POLICY.energy_tariffs}


def bill(energy: str, area: str, final: str | None = None, primary: str | None = None, dpe: date = date(2024, 9, 1)) -> Any:
    return estimate(
        energy=energy,
        living_area_m2=Decimal(area),
        final_kwh=Decimal(final) if final is not None else None,
        primary_kwh=Decimal(primary) if primary is not None else None,
        dpe_date=dpe,
        tariffs=POLICY.energy_tariffs,
        factors=POLICY.electricity_primary_factors,
        spread=POLICY.energy_cost_spread,
    )


@pytest.mark.parametrize(
    ("energy", "kwh", "euros"),
    [
        ("electricity", "999", "346.86279"),  # below 1,000 kWh: 0.34721 a kWh, no fixed part
        ("electricity", "1000", "347.54"),  # from 1,000: 158 + 0.18954 a kWh
        ("electricity", "4999", "1105.26051"),  # the band below 5,000: 158 + 0.18949 a kWh
        ("electricity", "5000", "1105.3"),  # from 5,000: 119 + 0.19726 a kWh
        ("electricity", "15000", "3078.15"),  # from 15,000: 78 + 0.20001 a kWh
        ("natural_gas", "4999", "655.86880"),  # below 5,000: 0.13120 a kWh
        ("natural_gas", "5000", "656.4"),  # from 5,000: 182 + 0.09488
        ("natural_gas", "50000", "4925"),  # from 50,000: 288 + 0.09274
        ("fuel_oil", "10000", "1482.1"),
        ("propane", "10000", "1567.2"),
        ("wood_pellets", "10000", "989.7"),
        ("wood_logs", "10000", "420"),
        ("district_heating", "10000", "892.1"),
    ],
)
def test_a_year_costs_what_the_dpe_s_table_says_at_each_band_s_edge(energy: str, kwh: str, euros: str) -> None:
    assert annual_cost_eur(Decimal(kwh), TARIFFS[energy]) == Decimal(euros)


def test_a_month_is_a_twelfth_of_the_year_with_the_dpe_s_range() -> None:
    gas = bill("natural_gas", "60", final="250")  # 15,000 kWh: 182 + 0.09488 x 15,000 = 1,605.20 a year
    assert gas is not None and gas.annual_kwh == 15_000 and not gas.from_primary
    assert gas.monthly_cents == 13_377  # 133.7666... rounded to the cent
    assert (gas.low_cents, gas.high_cents) == (11_300, 15_400)  # 113.70 down to the euro, 153.83 up to the euro


def test_only_the_primary_energy_is_read_back_with_the_electricity_factor_of_the_dpe_s_day() -> None:
    before = final_energy_per_m2(None, Decimal(460), "electricity", date(2025, 12, 31), POLICY.electricity_primary_factors)
    after = final_energy_per_m2(None, Decimal(380), "electricity", date(2026, 1, 1), POLICY.electricity_primary_factors)
    assert before == (Decimal(200), True)  # 2.3 for a DPE of 2025
    assert after == (Decimal(200), True)  # 1.9 for a DPE from 2026 (arrêté of 13 August 2025)
    assert final_energy_per_m2(None, Decimal(300), "natural_gas", date(2024, 1, 1), POLICY.electricity_primary_factors) == (
        Decimal(300),
        True,
    )  # every other energy counts 1
    assert final_energy_per_m2(Decimal(150), Decimal(460), "electricity", date(2024, 1, 1), POLICY.electricity_primary_factors) == (
        Decimal(150),
        False,
    )  # the final energy given wins
    assert final_energy_per_m2(None, Decimal(460), "electricity", date(2021, 6, 30), POLICY.electricity_primary_factors) is None
    electric = bill("electricity", "50", primary="460", dpe=date(2024, 3, 1))
    assert electric is not None and electric.annual_kwh == 10_000 and electric.from_primary
    assert electric.monthly_cents == 17_430  # (119 + 0.19726 x 10,000) / 12 = 174.30


def test_no_estimate_without_a_main_energy_or_a_consumption() -> None:
    assert bill("electricity", "50") is None
    assert (
        estimate(
            energy=None,
            living_area_m2=Decimal(50),
            final_kwh=Decimal(100),
            primary_kwh=None,
            dpe_date=date(2024, 1, 1),
            tariffs=POLICY.energy_tariffs,
            factors=POLICY.electricity_primary_factors,
            spread=POLICY.energy_cost_spread,
        )
        is None
    )


def test_a_policy_file_may_set_new_prices_and_refuses_tariffs_the_estimate_could_not_use() -> None:
    cheaper = with_overrides(
        ListingsPolicy,
        {"energy_tariffs": [{"energy": "wood_logs", "bands": [{"below_kwh": None, "fixed_eur": "0", "eur_per_kwh": "0.05"}]}]},
    )
    assert cheaper.energy_tariffs == (EnergyTariff("wood_logs", (PriceBand(None, Decimal(0), Decimal("0.05")),)),)
    refused = [
        [{"energy": "coal", "bands": [{"below_kwh": None, "fixed_eur": "0", "eur_per_kwh": "0.03"}]}],
        [{"energy": "fuel_oil", "bands": [{"below_kwh": 1000, "fixed_eur": "0", "eur_per_kwh": "0.1"}]}],  # the last band must be open
        [
            {
                "energy": "fuel_oil",
                "bands": [
                    {"below_kwh": 5000, "fixed_eur": "0", "eur_per_kwh": "0.1"},
                    {"below_kwh": 1000, "fixed_eur": "0", "eur_per_kwh": "0.1"},
                    {"below_kwh": None, "fixed_eur": "0", "eur_per_kwh": "0.1"},
                ],
            }
        ],
        [{"energy": "fuel_oil", "bands": [{"below_kwh": None, "fixed_eur": "0", "eur_per_kwh": "0"}]}],
    ]
    for tariffs in refused:
        with pytest.raises((ValueError, ValidationError)):
            with_overrides(ListingsPolicy, {"energy_tariffs": tariffs})


async def test_the_owner_sees_the_estimate_and_the_unit_s_events_carry_it(
    api: tuple[FastAPI, httpx.AsyncClient], issuer: TestIssuer
) -> None:
    _, client = api
    owner = as_(issuer, f"owner-energy-{uuid.uuid4().hex[:8]}")
    unit = (await create(client, owner, main_energy="natural_gas", final_energy_kwh=250.0, living_area_m2=60.0)).json()
    assert unit["main_energy"] == "natural_gas"
    assert unit["energy_cost"] == {
        "energy": "natural_gas",
        "annual_kwh": 15_000,
        "monthly_cents": 13_377,
        "low_cents": 11_300,
        "high_cents": 15_400,
        "from_primary": False,
        "prices_since": "2024-07-01",
    }
    without = (await create(client, owner)).json()
    assert without["main_energy"] is None and without["energy_cost"] is None

    edited = await client.put(
        f"/v1/units/{unit['id']}",
        json={**DRAFT, "main_energy": "electricity", "final_energy_kwh": None, "primary_energy_kwh": 200.0, "living_area_m2": 60.0},
        headers={**owner, "if-match": '"1"'},
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["energy_cost"]["energy"] == "electricity" and edited.json()["energy_cost"]["from_primary"] is True
    published = await client.post(f"/v1/units/{unit['id']}/publish", headers={**owner, "if-match": '"2"'})
    assert published.status_code == 200, published.text
    [data] = await outbox_data(unit["id"], "abri.listings.unit.published.v1")
    assert data["main_energy"] == "electricity" and data["energy_cost"] == published.json()["energy_cost"]


async def test_a_main_energy_the_dpe_cannot_name_is_refused_and_changes_nothing(
    api: tuple[FastAPI, httpx.AsyncClient], issuer: TestIssuer
) -> None:
    _, client = api
    owner = as_(issuer, f"owner-energy-{uuid.uuid4().hex[:8]}")
    refused = await client.post("/v1/units", json={**DRAFT, "main_energy": "nuclear"}, headers=owner)
    assert refused.status_code == 422 and refused.headers["content-type"] == "application/problem+json"
    assert (await client.get("/v1/units", headers=owner)).json()["items"] == []


async def outbox_data(unit_id: str, event_type: str) -> list[dict[str, Any]]:
    engine = create_async_engine(database_url("listings"))
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                sa.text("SELECT data FROM event_outbox WHERE message_key = :k AND event_type = :t ORDER BY seq"),
                {"k": unit_id, "t": event_type},
            )
            return [row[0] if isinstance(row[0], dict) else json.loads(row[0]) for row in rows]
    finally:
        await engine.dispose()


def test_every_list_of_main_energies_is_the_same() -> None:
    """The contract, the domain, the migration's check constraint and the owner's form name the same energies."""
    import importlib
    import typing

    from abri_contracts.listings import MainEnergy
    from abri_gateway.web.pages.owner.shared import MAIN_ENERGIES
    from abri_listings.domain.energy_cost import ENERGIES

    migration = importlib.import_module("abri_listings.migrations.versions.0012_main_energy")
    assert set(typing.get_args(MainEnergy)) == set(ENERGIES) == set(MAIN_ENERGIES) == set(migration.ENERGIES)
    assert {t.energy for t in POLICY.energy_tariffs} == set(ENERGIES)  # a price for each


async def test_the_search_shows_the_stored_bill_priced_again_when_the_price_table_changes(
    api: tuple[FastAPI, httpx.AsyncClient], issuer: TestIssuer
) -> None:
    app, client = api
    owner = as_(issuer, f"owner-energy-{uuid.uuid4().hex[:8]}")
    worker = as_(issuer, "sw-energy", role="social_worker", org_id="assoc-energy")
    unit = (await create(client, owner, main_energy="natural_gas", final_energy_kwh=250.0, living_area_m2=60.0)).json()
    published = await client.post(f"/v1/units/{unit['id']}/publish", headers={**owner, "if-match": '"1"'})
    assert published.status_code == 200, published.text

    async def shown() -> int | None:
        answer = await client.get(
            "/v1/search/units", params={"commune": DRAFT["insee_code"], "sort": "newest", "limit": 100}, headers=worker
        )
        assert answer.status_code == 200, answer.text
        [hit] = [hit for hit in answer.json()["items"] if hit["id"] == unit["id"]]
        return int(hit["energy_cost_cents"]) if hit["energy_cost_cents"] is not None else None

    assert await shown() == 13_377 == published.json()["energy_cost"]["monthly_cents"]
    engine = create_async_engine(database_url("listings"))
    try:
        async with engine.begin() as conn:  # as if it had been priced with an earlier table
            await conn.execute(
                sa.text("UPDATE units SET energy_cost_cents = 1, energy_prices_since = '2021-07-01' WHERE id = :id"), {"id": unit["id"]}
            )
        assert await shown() == 1
        priced = await price_stale(app.state.sessionmaker, datetime.now(UTC))
        assert priced >= 1
        assert await shown() == 13_377
        async with engine.connect() as conn:
            version, since = (
                await conn.execute(sa.text("SELECT version, energy_prices_since FROM units WHERE id = :id"), {"id": unit["id"]})
            ).one()
        assert (version, since) == (2, date(2024, 7, 1))  # a price changed, not the unit: its version stays
    finally:
        await engine.dispose()
