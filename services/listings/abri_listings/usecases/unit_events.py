"""The unit's non-personal snapshot, as every unit event carries it: the street stays here, and the position
goes out snapped to the policy's grid (``domain/position.py``, about 200 m)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from abri_contracts.listings import UnitSnapshot, UnitWithdrawn, WithdrawalReason
from abri_listings.db.models import Unit
from abri_listings.domain.position import public_position
from abri_listings.usecases.publishing import derived_facts, policy

S = TypeVar("S", bound=UnitSnapshot)

DERIVED = frozenset({"unit_id", "published_at", "description", "overseas", "letting_banned_from", "dpe_valid_until"})
"""Snapshot fields that are not columns of the unit (derived from its facts, the commune and the policy)."""

SNAPSHOT_COLUMNS = tuple(name for name in UnitSnapshot.model_fields if name not in DERIVED)


def snapshot_fields(unit: Unit) -> dict[str, Any]:
    """The snapshot's fields, read from the unit's columns (a unit never published carries its last change)."""
    fields = {name: getattr(unit, name) for name in SNAPSHOT_COLUMNS}
    fields["latitude"], fields["longitude"] = public_position(unit.latitude, unit.longitude, policy().position_grid_deg)
    return {
        **fields,
        **derived_facts(unit),
        "unit_id": unit.id,
        "accessibility": list(unit.accessibility),
        "schemes": list(unit.schemes),
        "description": dict(unit.description),
        "published_at": unit.published_at or unit.updated_at,
    }


def unit_event(contract: type[S], unit: Unit, **extra: Any) -> S:
    """An event of type ``contract`` carrying the unit as it is now (after its version was bumped)."""
    return contract(**snapshot_fields(unit), **extra)


def withdrawn_event(unit: Unit, at: datetime, *, rules: list[str] | None = None) -> UnitWithdrawn:
    """``unit.withdrawn.v1`` (withdrawn ``at``): its v1 fields, and the snapshot, the reason and the rules
    that refused it (added later). No rules: its owner withdrew it."""
    return UnitWithdrawn(
        unit_id=unit.id,
        version=unit.version,
        owner_id=unit.owner_id,
        withdrawn_at=at,
        unit=unit_event(UnitSnapshot, unit),
        reason=withdrawal_reason(rules or []),
        rules=rules or [],
    )


def withdrawal_reason(rules: list[str]) -> WithdrawalReason:
    """Why a unit left the market: its owner (no rule), a letting ban or an expired diagnosis alone, or rules."""
    distinct = set(rules)
    if not distinct:
        return "owner"
    if distinct == {"energy_letting_ban"}:
        return "letting_ban"
    if distinct == {"dpe_validity"}:
        return "dpe_expired"
    return "rules"
