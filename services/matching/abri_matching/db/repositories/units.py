"""Matching's read model of units (``db/units.py``), fed by listings' events.

A published unit is an offer open to every association: any caller the routes let in may read it (the
owner's identity never leaves matching but as ``owner_id`` on a placement). Only listings' events change
a row, through the service itself (``for_system``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from abri_kit.repository import ScopedRepository
from abri_matching.db.units import UnitView

PUBLISHED = "published"
SNAPSHOT_COLUMNS = frozenset(column.name for column in UnitView.__table__.columns) - {"changed_at"}
"""The columns an event's snapshot fills (``changed_at`` is when this service applied it)."""


class Units(ScopedRepository[UnitView]):
    model = UnitView
    kind = "unit"

    def _filter(self, *, writing: bool) -> sa.ColumnElement[bool]:
        return sa.true() if self.principal is None or not writing else sa.false()

    async def open(self, unit_id: uuid.UUID) -> UnitView | None:
        """The unit if it is published (open to placements)."""
        unit = await self.find(unit_id)
        return unit if unit is not None and unit.status == PUBLISHED else None

    async def by_ids(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, UnitView]:
        rows = await self.session.scalars(self.select().where(UnitView.unit_id.in_(list(ids))))
        return {unit.unit_id: unit for unit in rows}

    async def published_in(self, departement: str) -> list[UnitView]:
        """The département's published units."""
        return list(await self.session.scalars(self.select().where(UnitView.status == PUBLISHED, UnitView.departement == departement)))

    async def apply(self, row: dict[str, Any], *, changed_at: datetime, full: bool = True) -> None:
        """Insert a unit's snapshot, or update a row holding an older version (a same or newer version is
        left alone: duplicates and late events change nothing). ``full=False``: only its version and status."""
        statement = insert(UnitView).values(**row, changed_at=changed_at)
        changed = {name: statement.excluded[name] for name in (row if full else ("version", "status")) if name != "unit_id"}
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[UnitView.unit_id],
                set_={**changed, "changed_at": statement.excluded.changed_at},
                where=UnitView.version < statement.excluded.version,
            )
        )
