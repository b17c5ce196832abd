"""Listings' unit events → the unit facts a policy needs (``db/read_models.py``), newest version wins."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from abri_bus.consumer import ReceivedEvent
from abri_contracts.listings import UnitSnapshot, UnitWithdrawn
from abri_guarantees.db.read_models import UnitFacts

STATUS_OF = {"published": "published", "updated": "published", "republished": "published", "reserved": "reserved", "let": "let"}


async def _upsert(session: AsyncSession, values: dict[str, Any]) -> None:
    """Insert, or update a row holding an older version; a same or newer version changes nothing."""
    statement = insert(UnitFacts).values(**values, changed_at=sa.func.now())
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[UnitFacts.unit_id],
            set_={name: statement.excluded[name] for name in (*values, "changed_at") if name != "unit_id"},
            where=UnitFacts.version < statement.excluded.version,
        )
    )


def _facts(unit: UnitSnapshot, status: str) -> dict[str, Any]:
    return {
        "unit_id": unit.unit_id,
        "version": unit.version,
        "owner_id": unit.owner_id,
        "status": status,
        "departement": unit.departement,
        "rent_cents": unit.rent_cents,
        "charges_cents": unit.charges_cents,
        "energy_class": unit.energy_class,
    }


async def on_unit_snapshot(session: AsyncSession, event: ReceivedEvent[UnitSnapshot]) -> None:
    data = event.data
    await _upsert(session, _facts(data, data.status or STATUS_OF[event.envelope.type.split(".")[3]]))


async def on_unit_withdrawn(session: AsyncSession, event: ReceivedEvent[UnitWithdrawn]) -> None:
    data = event.data
    if data.unit is not None:
        await _upsert(session, _facts(data.unit, "withdrawn"))
    else:
        await _upsert(session, {"unit_id": data.unit_id, "version": data.version, "owner_id": data.owner_id, "status": "withdrawn"})
