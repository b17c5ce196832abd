"""The unit's non-personal snapshot, as every unit event carries it: the street stays here, and the position
goes out snapped to the policy's grid (``domain/position.py``, about 200 m)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar, cast

from abri_contracts.listings import UnitSnapshot, UnitWithdrawn, WithdrawalReason
from abri_listings.db.models import Unit
from abri_listings.domain.position import public_position
from abri_listings.usecases.publishing import derived_facts, home_facts, policy

S = TypeVar("S", bound=UnitSnapshot)

DERIVED = frozenset(
    {"unit_id", "published_at", "description", "overseas", "letting_banned_from", "dpe_valid_until", "energy_cost", "shared_home"}
)
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
        "shared_home": shared_home_of(unit),
    }


def shared_home_of(unit: Unit) -> dict[str, Any] | None:
    """A room's shared home as its events carry it (``abri_contracts.listings.SharedHome``): the whole home's facts,
    the lease form, the house rules and the room's capacity (None: no home). Nothing that changes with the other
    rooms (their events would go stale), and not the owner's free-text name of the room."""
    found = home_facts(unit)
    if found is None or unit.home is None:
        return None
    facts = unit.home.facts
    return {
        "home_id": unit.home.id,
        "lease_form": found.lease_form,
        "kind": found.kind,
        "rooms": found.rooms,
        "living_area_m2": float(found.living_area_m2),
        "occupants_max": unit.occupants_max or 1,
        "spaces": [{"kind": kind, "area_m2": float(area)} for kind, area in found.spaces],
        "smoke_free": facts["smoke_free"],
        "quiet_hours": facts.get("quiet_hours"),
    }


def unit_event(contract: type[S], unit: Unit, **extra: Any) -> S:
    """An event of type ``contract`` carrying the unit as it is now (after its version was bumped)."""
    return contract(**snapshot_fields(unit), **extra)


def note_withdrawal(unit: Unit, at: datetime, rules: list[str] | None = None) -> None:
    """Record on the unit why it leaves the market or is withdrawn ``at`` (its owner's ``UnitOut`` shows it
    until it is published again): the rules that refuse it, none when its owner withdrew it. Before the
    flush that bumps its version; :func:`withdrawn_event` then reads it back."""
    unit.withdrawal_reason = withdrawal_reason(rules or [])
    unit.withdrawal_rules = sorted(set(rules or []))
    unit.withdrawn_at = at


def clear_withdrawal(unit: Unit) -> None:
    """The unit is published again: no withdrawal to show any more."""
    unit.withdrawal_reason, unit.withdrawal_rules, unit.withdrawn_at = None, None, None


def withdrawn_event(unit: Unit) -> UnitWithdrawn:
    """``unit.withdrawn.v1`` of the withdrawal recorded on the unit (:func:`note_withdrawal`): its v1 fields,
    and the snapshot, the reason and the rules that refused it (added later)."""
    assert unit.withdrawal_reason is not None and unit.withdrawn_at is not None, "note_withdrawal first"
    return UnitWithdrawn(
        unit_id=unit.id,
        version=unit.version,
        owner_id=unit.owner_id,
        withdrawn_at=unit.withdrawn_at,
        unit=unit_event(UnitSnapshot, unit),
        reason=cast(WithdrawalReason, unit.withdrawal_reason),
        rules=list(unit.withdrawal_rules or []),
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
