"""Listings' unit events → matching's read model (``db/units.py``), newest version wins."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from abri_bus.consumer import ReceivedEvent
from abri_contracts.listings import UnitSnapshot, UnitWithdrawn
from abri_matching.db.units import UnitView

COLUMNS = frozenset(column.name for column in UnitView.__table__.columns) - {"changed_at"}


def _row(snapshot: UnitSnapshot, status: str) -> dict[str, Any]:
    values = snapshot.model_dump()
    row = {name: values.get(name) for name in COLUMNS}
    row["status"] = status
    row["accessibility"] = list(values.get("accessibility") or [])
    row["schemes"] = list(values.get("schemes") or [])
    return row


async def _upsert(session: AsyncSession, row: dict[str, Any], *, full: bool = True) -> None:
    """Insert, or update a row holding an older version; a same or newer version is left alone."""
    statement = insert(UnitView).values(**row, changed_at=sa.func.now())
    changed = {name: statement.excluded[name] for name in (row if full else ("version", "status")) if name != "unit_id"}
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[UnitView.unit_id],
            set_={**changed, "changed_at": sa.func.now()},
            where=UnitView.version < statement.excluded.version,
        )
    )


async def on_unit_snapshot(session: AsyncSession, event: ReceivedEvent[UnitSnapshot]) -> None:
    """Published, updated, reserved, let, republished: the snapshot, with the status the event implies."""
    data = event.data
    implied = {"published": "published", "updated": "published", "republished": "published", "reserved": "reserved", "let": "let"}
    status = data.status or implied[event.envelope.type.split(".")[3]]
    await _upsert(session, _row(data, status))


async def on_unit_withdrawn(session: AsyncSession, event: ReceivedEvent[UnitWithdrawn]) -> None:
    """Withdrawn (or back to draft): out of every pool; the snapshot when the event carries it."""
    data = event.data
    if data.unit is not None:
        await _upsert(session, _row(data.unit, "withdrawn"))
        return
    minimal = {name: None for name in COLUMNS} | {"unit_id": data.unit_id, "version": data.version, "owner_id": data.owner_id}
    await _upsert(session, {**minimal, "status": "withdrawn", "accessibility": [], "schemes": []}, full=False)
