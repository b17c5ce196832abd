"""Demo data for ``make run``: a few published units of ``owner1`` and households of ``sw1``'s
association, created through the gateway with the demo people's own sign-ins (the real path: tokens,
rules, events). Idempotent: nothing is added when ``owner1`` already has the demo units.

The people and places are fictional; the identities are sealed like any household's.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from abri_idp.testing import login

DEMO_CONSENTS = ("share_with_owner_after_acceptance", "guarantee_file", "notifications")
"""Besides matching: the demo households consented to every purpose, so that the whole journey can be walked."""


def place(
    commune: str, insee: str, postal: str, at: tuple[float, float], kind: str, rooms: int, area: float, rent: int, **extra: Any
) -> dict[str, Any]:
    return {"commune": commune, "insee_code": insee, "postal_code": postal, "latitude": at[0], "longitude": at[1], "kind": kind,
            "rooms": rooms, "living_area_m2": area, "rent_cents": rent, **extra}  # fmt: skip


UNITS: list[dict[str, Any]] = [
    place("Montpellier", "34172", "34000", (43.6108, 3.8767), "apartment", 2, 42.0, 52_000, charges_cents=6_000,
          schemes=["intermediated_letting", "sliding_lease"]),
    place("Montpellier", "34172", "34070", (43.5960, 3.8600), "apartment", 3, 64.0, 68_000, charges_cents=9_000,
          schemes=["intermediated_letting"], accessibility=["step_free_access", "accessible_bathroom"], floor=0),
    place("Castelnau-le-Lez", "34057", "34170", (43.6330, 3.8990), "studio", 1, 24.0, 41_000, charges_cents=4_000,
          schemes=["direct_lease", "management_mandate"]),
]  # fmt: skip

HOUSEHOLDS: list[dict[str, Any]] = [
    {"reference": "DEMO-001", "adults": 1, "children": 2, "resources_cents": 150_000, "housing_benefit_cents": 38_000,
     "needs": {"min_bedrooms": 1}, "priority_situations": ["dalo_decision"],
     "identity": {"first_name": "Amina", "last_name": "Démo", "phone": "+33 6 00 00 00 01"}},
    {"reference": "DEMO-002", "adults": 1, "children": 0, "resources_cents": 110_000, "housing_benefit_cents": 25_000,
     "needs": {"step_free_access": True}, "priority_situations": [],
     "identity": {"first_name": "Oleksandr", "last_name": "Démo", "email": "demo@example.org"}},
]  # fmt: skip


def unit_body(place: dict[str, Any]) -> dict[str, Any]:
    return {
        "street": DEMO_STREET,
        "ceiling_height_m": 2.5,
        "floor": 2,
        "elevator": True,
        "accessibility": [],
        "furnished": False,
        "deposit_cents": place["rent_cents"],
        "energy_class": "D",
        "primary_energy_kwh": 230.0,  # class D for every demo home, the 24 m² studio's small-surface bounds included
        "emissions_kg": 40.0,
        "final_energy_kwh": 150.0,
        "dpe_date": "2024-05-01",
        "available_from": (date.today() + timedelta(days=30)).isoformat(),
        "description": {"fr": "Logement de démonstration", "en": "Demo home"},
        **place,
    }


DEMO_STREET = "1 rue de la Démo"
FUNDS = (
    {"fund_id": "fund-1", "name": "Garantie Visale (démonstration)", "kind": "visale"},
    {"fund_id": "fund-2", "name": "FSL du Gard (démonstration)", "kind": "fsl"},
)


async def every(http: httpx.AsyncClient, path: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    """All the rows of a list, page after page."""
    rows: list[dict[str, Any]] = []
    params: dict[str, str] = {"limit": "200"}
    while True:
        answer = await http.get(path, params=params, headers=headers)
        answer.raise_for_status()
        rows += answer.json()["items"]
        if not answer.json()["next_cursor"]:
            return rows
        params["cursor"] = answer.json()["next_cursor"]


async def seed(gateway: str, issuer: str, passwords: dict[str, str], client_secret: str, redirect_uri: str) -> str:
    """Create the demo data if absent; returns what was done, for the log."""

    async def bearer(username: str, scope: str) -> dict[str, str]:
        tokens = await login(issuer, username, passwords[username], "abri-web", client_secret, redirect_uri, f"openid {scope}")
        return {"authorization": f"Bearer {tokens['access_token']}"}

    owner = await bearer("owner1", "listings:read listings:write matching:read")
    worker = await bearer("sw1", "listings:read matching:read matching:write")
    ops = await bearer("ops1", "guarantees:read guarantees:write")
    async with httpx.AsyncClient(base_url=gateway, timeout=20) as http:
        for fund in FUNDS:  # the demo fund agents' organisations (infra/idp/abri_idp/users.py); 409: there already
            registered = await http.post("/api/guarantees/v1/funds", json=fund, headers=ops)
            if registered.status_code != 409:
                registered.raise_for_status()
        if any(unit["street"] == DEMO_STREET for unit in await every(http, "/api/listings/v1/units", owner)):
            return "demo data already there"
        for place in UNITS:
            created = await http.post("/api/listings/v1/units", json=unit_body(place), headers=owner)
            created.raise_for_status()
            published = await http.post(
                f"/api/listings/v1/units/{created.json()['id']}/publish", headers={**owner, "if-match": created.headers["etag"]}
            )
            published.raise_for_status()
        given = datetime.now(UTC).isoformat()
        consent = {"purpose": "matching", "notice_version": "demo", "consented_at": given}
        for household in HOUSEHOLDS:
            body = {**household, "wanted": {"communes": ["34172", "34057"]}, "registered_since": "2025-09-01", "consent": consent}
            registered = await http.post("/api/matching/v1/households", json=body, headers=worker)
            registered.raise_for_status()
            for purpose in DEMO_CONSENTS:  # the demo households agreed to every step of the journey
                more = {"purpose": purpose, "notice_version": "demo", "consented_at": given}
                path = f"/api/matching/v1/households/{registered.json()['id']}/consents"
                (await http.post(path, json=more, headers=worker)).raise_for_status()
    return (
        f"demo data: {len(UNITS)} published units of owner1, {len(HOUSEHOLDS)} households of sw1's association, "
        f"{len(FUNDS)} guarantee funds"
    )
