"""Matching's migrations of issue 18's review keep what was there: on a fresh database migrated to 0014, rows
as the service left them, then migrated to the head. 0015 gives leases recorded before their term's end (the
head lease's end for a sub-let or a sliding lease, three years unfurnished, one year furnished); 0016 says a
unit's ban date is known where its snapshot came with it (``overseas`` set), unknown otherwise."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

import abri_matching.migrate
from abri_kit.migrations import upgrade
from tests.services.test_migration_round_trip import fresh_database as fresh_database

MIGRATIONS = Path(abri_matching.migrate.__file__).parent / "migrations"


async def run(url: str, statement: str, values: dict[str, Any] | list[dict[str, Any]] | None = None) -> list[Any]:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            result = await connection.execute(sa.text(statement), values or {})
            return list(result) if result.returns_rows else []
    finally:
        await engine.dispose()


HOUSEHOLD = (
    "INSERT INTO households (id, org_id, reference, status, version, adults, children, resources_cents, housing_benefit_cents,"
    " needs_step_free, needs_ground_floor, min_bedrooms, wanted_communes, priority_level, registered_since, created_by)"
    " VALUES (:id, 'assoc-m', 'ref-m', 'placed', 1, 1, 0, 150000, 0, false, false, 0, '{}', 0, '2027-01-01', 'sw-m')"
)
UNIT = (
    "INSERT INTO unit_view (unit_id, version, status, owner_id, accessibility, schemes, furnished, overseas)"
    " VALUES (:id, 2, 'let', 'owner-m', '{}', '{}', :furnished, :overseas)"
)
PLACEMENT = (
    "INSERT INTO placements (id, org_id, household_id, unit_id, owner_id, scheme, status, version, guarantee_required,"
    " proposed_by, proposed_at, answer_by, ready_to_slide, lease_type, lease_signed_on, lease_starts_on, head_lease_ends_on)"
    " VALUES (:id, 'assoc-m', :household, :unit, 'owner-m', 'direct_lease', :status, 1, false, 'sw-m', now(), now(), false,"
    " :lease_type, :starts, :starts, :head)"
)


def test_leases_and_units_recorded_before_keep_their_facts(fresh_database: str) -> None:
    upgrade(MIGRATIONS, fresh_database, "0014")
    household = uuid.uuid4()
    units = {name: uuid.uuid4() for name in ("bare", "furnished", "older", "absent")}
    starts = date(2027, 4, 12)
    leases = {
        "direct": ("bare", "direct", None),
        "furnished": ("furnished", "direct", None),
        "sliding": ("bare", "sliding", date(2029, 12, 31)),
        "no_unit": ("absent", "direct", None),
    }
    placements = {name: uuid.uuid4() for name in [*leases, "proposed"]}

    async def before() -> None:
        await run(fresh_database, HOUSEHOLD, {"id": household})
        await run(
            fresh_database,
            UNIT,
            [
                {"id": units["bare"], "furnished": False, "overseas": False},
                {"id": units["furnished"], "furnished": True, "overseas": True},
                {"id": units["older"], "furnished": False, "overseas": None},  # a snapshot older than issue 18
            ],
        )
        rows = [
            {"id": placements[name], "household": household, "unit": units[unit], "status": "lease_signed", "lease_type": kind}
            | {"starts": starts, "head": head}
            for name, (unit, kind, head) in leases.items()
        ]
        rows.append({"id": placements["proposed"], "household": household, "unit": units["older"], "status": "proposed"} | {
            "lease_type": None, "starts": None, "head": None,
        })  # fmt: skip
        await run(fresh_database, PLACEMENT, rows)

    asyncio.run(before())
    upgrade(MIGRATIONS, fresh_database)

    terms = dict(asyncio.run(run(fresh_database, "SELECT id, lease_term_ends_on FROM placements")))
    assert terms[placements["direct"]] == date(2030, 4, 11)  # three years, unfurnished
    assert terms[placements["furnished"]] == date(2028, 4, 11)  # one year, furnished
    assert terms[placements["sliding"]] == date(2029, 12, 31)  # the head lease's end
    assert terms[placements["no_unit"]] == date(2030, 4, 11)  # a unit the read model lost: unfurnished
    assert terms[placements["proposed"]] is None  # no lease yet
    assert asyncio.run(run(fresh_database, "SELECT count(*) FROM placements WHERE lease_renewals <> '{}'")) == [(0,)]
    known = dict(asyncio.run(run(fresh_database, "SELECT unit_id, letting_ban_known FROM unit_view")))
    assert known == {units["bare"]: True, units["furnished"]: True, units["older"]: False}
