"""The units repository: an owner sees its own units, ops read all of them (and change none). A unit's
exact location is read through ``UnitLocations``: its owner, or the association of the placement the
owner accepted. The retention sweep takes lapsed units for the service itself."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import selectinload

from abri_kit.calendar import OVERSEAS_ZONES, local_day
from abri_kit.pagination import PageRequest
from abri_kit.repository import ScopedRepository
from abri_listings.db.models import SharedHome, Unit, UnitDeadline

WITH_HOME = selectinload(Unit.home).selectinload(SharedHome.rooms)
"""A unit's shared home and the home's rooms, loaded with it (eager loading stops at the cycle unit → home → unit
unless asked)."""


class Units(ScopedRepository[Unit]):
    model = Unit
    owner_column = "owner_id"
    ops_reads_all = True
    kind = "unit"

    def select(self, *, writing: bool = False) -> sa.Select[Any]:
        """The caller's units, each with its shared home and the home's rooms (the rules judge a room with them)."""
        return super().select(writing=writing).options(WITH_HOME)

    async def home_of(self, unit_id: uuid.UUID) -> uuid.UUID | None:
        """The shared home of a unit (None: none, or no such unit), read without loading the unit."""
        home: uuid.UUID | None = await self.session.scalar(sa.select(Unit.home_id).where(Unit.id == unit_id))
        return home

    async def page_of_mine(self, request: PageRequest) -> tuple[list[Unit], str | None]:
        """The caller's own units, oldest first (an owner who is also ops still lists only their own)."""
        assert self.principal is not None, "an owner's list is a caller's"
        return await self.page(request, (Unit.created_at, Unit.id), where=[Unit.owner_id == self.principal.subject])

    async def off_grid(self, grid_deg: float, batch: int) -> list[tuple[uuid.UUID, float, float]]:
        """Up to ``batch`` units whose stored public position is not snapped to ``grid_deg`` (another grid,
        or none), as ``(id, latitude, longitude)``, locked for this transaction (another replica's skipped).
        Written as two ranges and a null test so that the index on ``position_grid_deg`` serves it."""
        grid = Unit.position_grid_deg
        off = (
            sa.select(Unit.id, Unit.latitude, Unit.longitude)
            .where(sa.or_(grid < grid_deg, grid > grid_deg, grid.is_(None), Unit.public_latitude.is_(None)))
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
        return [(row.id, row.latitude, row.longitude) for row in (await self.session.execute(off)).all()]

    async def set_public_positions(self, positions: list[dict[str, Any]]) -> None:
        """Write each ``{"id", "public_latitude", "public_longitude", "position_grid_deg"}`` in one statement
        (an executemany by primary key): the unit's version is left alone, nothing its owner sees changed."""
        if positions:
            table = cast(sa.Table, Unit.__table__)
            columns = ("public_latitude", "public_longitude", "position_grid_deg")
            by_id = (
                sa.update(table)
                .where(table.c.id == sa.bindparam("unit_id"))
                .values({name: sa.bindparam(f"new_{name}") for name in columns})
            )  # Core, not the ORM's bulk update: that one would check and bump the version
            rows = [{"unit_id": p["id"], **{f"new_{name}": p[name] for name in columns}} for p in positions]
            await self.session.execute(by_id, rows)

    async def priced_elsewhere(self, prices_since: date, batch: int) -> list[Unit]:
        """Up to ``batch`` units whose stored energy bill was priced with another table than ``prices_since`` (or
        never), locked for this transaction (another replica's skipped)."""
        stale = (
            sa.select(Unit)
            .options(WITH_HOME)
            .where(Unit.energy_prices_since.is_distinct_from(prices_since))
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
        return list((await self.session.scalars(stale)).all())

    async def set_energy_costs(self, costs: list[dict[str, Any]]) -> None:
        """Write each ``{"id", "energy_cost_cents", "energy_prices_since"}`` by primary key, the version left alone
        (a price table changed, not the unit)."""
        if costs:
            table = cast(sa.Table, Unit.__table__)
            columns = ("energy_cost_cents", "energy_prices_since")
            by_id = (
                sa.update(table)
                .where(table.c.id == sa.bindparam("unit_id"))
                .values({name: sa.bindparam(f"new_{name}") for name in columns})
            )
            await self.session.execute(by_id, [{"unit_id": c["id"], **{f"new_{name}": c[name] for name in columns}} for c in costs])

    async def lapsed(self, statuses: tuple[str, ...], before: datetime, batch: int) -> list[Unit]:
        """Up to ``batch`` units in one of ``statuses`` last changed before ``before``, oldest first, locked
        for this transaction (those another replica holds are skipped): the retention sweep's."""
        lapsed = (
            self.select(writing=True)
            .where(Unit.status.in_(statuses), Unit.updated_at < before)
            .order_by(Unit.updated_at, Unit.id)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
        return list((await self.session.scalars(lapsed)).all())

    async def due_for_deadline_check(self, now: datetime, batch: int) -> list[Unit]:
        """Up to ``batch`` published or let units not yet checked on their own day at ``now`` (the day where
        each stands: :func:`local_today_of`), locked for this transaction (those another replica holds are
        skipped): the deadline sweep's candidates, each to be claimed with :meth:`claim_deadline_check`
        before it is judged."""
        due = (
            self.select(writing=True)  # the service itself: every owner's
            .outerjoin(UnitDeadline, UnitDeadline.unit_id == Unit.id)
            .where(Unit.status.in_(("published", "let")))
            .where(sa.or_(UnitDeadline.checked_on.is_(None), UnitDeadline.checked_on < local_today_of(now)))
            .order_by(Unit.id)
            .limit(batch)
            .with_for_update(of=Unit, skip_locked=True)
        )
        return list((await self.session.scalars(due)).all())

    async def claim_deadline_check(self, unit: Unit, today: date) -> tuple[bool, date | None]:
        """Record that ``unit`` is checked on ``today`` (its day where it stands), atomically: ``(False, None)``
        if another replica already did that day (skip it), else ``(True, the deadline its owner was already
        told about)``."""
        claim = (
            postgresql.insert(UnitDeadline)
            .values(unit_id=unit.id, checked_on=today)
            .on_conflict_do_update(
                index_elements=[UnitDeadline.unit_id],
                set_={"checked_on": today},
                where=UnitDeadline.checked_on < today,
            )
            .returning(UnitDeadline.announced_deadline)
        )
        claimed = (await self.session.execute(claim)).first()
        return (False, None) if claimed is None else (True, claimed[0])

    async def note_announced(self, unit: Unit, deadline: date) -> None:
        """Record the deadline ``unit``'s owner was just told about (so that it is told once)."""
        await self.session.execute(sa.update(UnitDeadline).where(UnitDeadline.unit_id == unit.id).values(announced_deadline=deadline))

    async def delete(self, units: list[Unit]) -> None:
        """Delete ``units`` (the retention sweep's, for the service itself)."""
        if units:
            await self.session.execute(sa.delete(Unit).where(Unit.id.in_([unit.id for unit in units])))


def local_today_of(now: datetime) -> sa.ColumnElement[date]:
    """The day of ``now`` where each unit stands, as SQL: its overseas département's day (each zone's of
    ``abri_kit.calendar``), else the day in France. The days are computed here by ``local_day``, the one helper
    every rule about a unit uses (``publishing.local_today``), and bound as values: the database's own time
    zone table plays no part."""
    return sa.case(
        {departement: local_day(now, departement) for departement in sorted(OVERSEAS_ZONES)},
        value=Unit.departement,
        else_=local_day(now, None),
    )


class UnitLocations(ScopedRepository[Unit]):
    """Units whose exact location the caller may read: their own, or, for a social worker, those reserved
    for or let to a placement of their association. Anyone else's is 404."""

    model = Unit
    kind = "unit"

    def _filter(self, *, writing: bool) -> sa.ColumnElement[bool]:
        if self.principal is None or writing:
            return super()._filter(writing=writing)
        mine: sa.ColumnElement[bool] = Unit.owner_id == self.principal.subject if self.principal.has_role("owner") else sa.false()
        carried: sa.ColumnElement[bool] = sa.false()
        if self.principal.has_role("social_worker") and self.principal.org_id:
            carried = sa.and_(Unit.placement_org_id == self.principal.org_id, Unit.status.in_(("reserved", "let")))
        return sa.or_(mine, carried)
