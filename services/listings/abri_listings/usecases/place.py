"""Where a unit is, settled against the official commune table (``abri_kit.communes``) before it is stored.

The INSEE code decides: the commune must exist this year, the postal code must be one of its own, a
département typed with it must be its département, a position given must lie near it (none given: the
commune's own). The stored département, commune name and overseas status come from the table, so that
nothing a form typed can move a home to another ban calendar or another fund's caps.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from abri_kit.communes import Commune, communes, place_problems
from abri_kit.errors import Refused
from abri_kit.legal import coded_error
from abri_listings.domain.policy import ListingsPolicy
from abri_listings.domain.sources import source_of

EARTH_RADIUS_KM = 6371.0088


def settle_place(facts: dict[str, Any], policy: ListingsPolicy) -> dict[str, Any]:
    """``facts`` with the département and commune name of the table, and a position (422 naming each
    problem otherwise: nothing is stored)."""
    table = communes()
    problems = [
        coded_error(p.code, p.message, source=source_of(p.code), params=p.params, fields=(f"body.{p.field}",))
        for p in place_problems(table, facts["insee_code"], facts["postal_code"])
    ]
    commune = table.get(facts["insee_code"])
    if commune is not None:
        problems += _departement_problems(commune, facts.get("departement")) + _position_problems(commune, facts, policy)
    if problems:
        raise Refused(f"{len(problems)} problem(s) with where the unit is; nothing was changed", title="Unknown place", errors=problems)
    assert commune is not None
    settled = {**facts, "departement": commune.departement, "commune": commune.name}
    if facts.get("latitude") is None or facts.get("longitude") is None:
        settled["latitude"], settled["longitude"] = commune.latitude, commune.longitude
    return settled


def _departement_problems(commune: Commune, typed: str | None) -> list[dict[str, Any]]:
    if typed is None or typed == commune.departement:
        return []
    message = f"{commune.name} ({commune.insee_code}) is in département {commune.departement}, not {typed}"
    params = {"insee_code": commune.insee_code, "departement": typed, "expected": commune.departement}
    return [coded_error("departement_mismatch", message, params=params, fields=("body.departement",))]


def _position_problems(commune: Commune, facts: dict[str, Any], policy: ListingsPolicy) -> list[dict[str, Any]]:
    latitude, longitude = facts.get("latitude"), facts.get("longitude")
    if latitude is None and longitude is None:
        return []
    if latitude is None or longitude is None:
        return [
            coded_error("position_incomplete", "give both latitude and longitude, or neither", fields=("body.latitude", "body.longitude"))
        ]
    limit = policy.overseas_max_distance_from_commune_km if commune.overseas else policy.max_distance_from_commune_km
    distance = Decimal(str(round(distance_km(latitude, longitude, commune.latitude, commune.longitude), 1)))
    if distance <= limit:
        return []
    message = f"the position is {distance} km from {commune.name}; a home lies within {limit} km of its commune"
    params = {"distance_km": str(distance), "limit_km": str(limit), "commune": commune.name}
    return [coded_error("position_far_from_commune", message, params=params, fields=("body.latitude", "body.longitude"))]


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine) in kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))
