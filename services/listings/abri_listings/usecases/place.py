"""Where a unit is, settled against the official commune table (``abri_kit.communes``) before it is stored.

The INSEE code decides: the commune must exist this year, the postal code must be one of its own, a
département typed with it must be its département, a position given must lie near it (none given: the
commune's own). The stored département, commune name and overseas status come from the table, so that
nothing a form typed can move a home to another ban calendar or another fund's caps.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from abri_kit.communes import Commune, communes, distance_km, place_problems
from abri_kit.errors import Refused
from abri_kit.legal import coded_error
from abri_listings.domain.policy import ListingsPolicy
from abri_listings.domain.position import public_position_of
from abri_listings.domain.sources import source_of


@dataclass(frozen=True)
class PlaceFailure:
    """Something about where a unit is that the commune table refuses (a rule id of ``domain/sources.py``)."""

    rule: str
    fields: tuple[str, ...]
    message: str
    params: dict[str, str]


def place_failures(
    insee_code: str, postal_code: str, departement: str | None, latitude: float | None, longitude: float | None, policy: ListingsPolicy
) -> list[PlaceFailure]:
    """Every problem with a unit's INSEE code, postal code, département and position, judged against the
    commune table: on create and edit (``settle_place``) and by every publishing decision (``publishing.py``),
    so that a unit stored before the table was checked is held to it too."""
    table = communes()
    failures = [PlaceFailure(p.code, (p.field,), p.message, p.params) for p in place_problems(table, insee_code, postal_code)]
    commune = table.get(insee_code)
    if commune is not None:
        failures += _departement_failures(commune, departement) + _position_failures(commune, latitude, longitude, policy)
    return failures


class Placed(Protocol):
    """What ``settle_place`` reads of a stored unit or home: its commune and position."""

    insee_code: str
    latitude: float
    longitude: float


def settle_place(facts: dict[str, Any], policy: ListingsPolicy, stored: Placed | None = None) -> dict[str, Any]:
    """``facts`` with the département and commune name of the table, and a position (422 naming each
    problem otherwise: nothing is stored). No position given: the stored one if the commune is unchanged
    (``stored``: the unit being edited), else the commune's. With it, the position everyone else sees,
    snapped to the policy's grid (what the search reads)."""
    failures = place_failures(
        facts["insee_code"], facts["postal_code"], facts.get("departement"), facts.get("latitude"), facts.get("longitude"), policy
    )
    if failures:
        errors = [
            coded_error(f.rule, f.message, source=source_of(f.rule), params=f.params, fields=tuple(f"body.{name}" for name in f.fields))
            for f in failures
        ]
        raise Refused(f"{len(errors)} problem(s) with where the unit is; nothing was changed", title="Unknown place", errors=errors)
    commune = communes().get(facts["insee_code"])
    assert commune is not None
    settled = {**facts, "departement": commune.departement, "commune": commune.name}
    if facts.get("latitude") is None or facts.get("longitude") is None:
        kept = stored is not None and stored.insee_code == commune.insee_code
        settled["latitude"], settled["longitude"] = (
            (stored.latitude, stored.longitude) if kept and stored else (commune.latitude, commune.longitude)
        )
    return settled | public_position_of(settled["latitude"], settled["longitude"], policy.position_grid_deg)


def _departement_failures(commune: Commune, typed: str | None) -> list[PlaceFailure]:
    if typed is None or typed == commune.departement:
        return []
    message = f"{commune.name} ({commune.insee_code}) is in département {commune.departement}, not {typed}"
    params = {"insee_code": commune.insee_code, "departement": typed, "expected": commune.departement}
    return [PlaceFailure("departement_mismatch", ("departement",), message, params)]


def _position_failures(commune: Commune, latitude: float | None, longitude: float | None, policy: ListingsPolicy) -> list[PlaceFailure]:
    if latitude is None and longitude is None:
        return []
    if latitude is None or longitude is None:
        return [PlaceFailure("position_incomplete", ("latitude", "longitude"), "give both latitude and longitude, or neither", {})]
    limit = policy.overseas_max_distance_from_commune_km if commune.overseas else policy.max_distance_from_commune_km
    distance = Decimal(str(round(distance_km(latitude, longitude, commune.latitude, commune.longitude), 1)))
    if distance <= limit:
        return []
    message = f"the position is {distance} km from {commune.name}; a home lies within {limit} km of its commune"
    params = {"distance_km": str(distance), "limit_km": str(limit), "commune": commune.name}
    return [PlaceFailure("position_far_from_commune", ("latitude", "longitude"), message, params)]
