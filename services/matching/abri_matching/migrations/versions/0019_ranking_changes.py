"""Issue 22: the ranking's columns patched, not reloaded, after a write. The triggers of migration 0007 that
bump a scope's generation now also note, in the same statement, which rows each generation changed
(``ranking_changes``: scope, generation, row id; no personal data). A process whose columns are at
generation ``b`` reads the rows changed in ``(b, g]`` and loads only those (``usecases/ranking_cache.py``).

Generations of one scope are handed out under the row lock of its ``ranking_generations`` row, held to
the commit: a committed generation ``g`` means every change up to ``g`` is committed. Changes are pruned
after a while (``ranking_changes.py``); ``ranking_pruned`` says, per scope, up to which generation some
may be gone, and columns older than that are loaded whole again. It is a table of its own so that the
pruning never takes the lock of a generation row, which every write to the scope needs.

Revision ID: 0019
Revises: 0018
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

NOTE = """
    WITH changed AS ({changed}),
    bumped AS (
        INSERT INTO ranking_generations (scope, generation)
        SELECT DISTINCT scope, 1 FROM changed
        ORDER BY 1
        ON CONFLICT (scope) DO UPDATE SET generation = ranking_generations.generation + 1
        RETURNING scope, generation
    )
    INSERT INTO ranking_changes (scope, generation, row_id)
    SELECT DISTINCT bumped.scope, bumped.generation, changed.row_id FROM changed JOIN bumped USING (scope)
    ON CONFLICT DO NOTHING;
"""
"""Bump each scope the statement touched once, and note each row it changed under the new generation."""

HOUSEHOLDS = "SELECT 'households:' || org_id AS scope, id AS row_id FROM {table}"
UNITS = "SELECT 'units' AS scope, unit_id AS row_id FROM {table}"


def note_function(name: str, rows: str) -> str:
    """A statement trigger's function: the new rows (an insert, an update) or the old ones (a delete); an
    update notes both, so that a row moved out of a scope (another association, by hand) leaves it too."""
    new_or_old = NOTE.format(changed=rows.format(table="changed_rows"))
    both = NOTE.format(changed=f"{rows.format(table='changed_rows')} UNION {rows.format(table='previous_rows')}")
    return f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN {both}
    ELSE {new_or_old}
    END IF;
    RETURN NULL;
END $$
"""


TRIGGERS = (("households", "bump_household_generations", HOUSEHOLDS), ("unit_view", "bump_unit_generation", UNITS))
"""Each table, its trigger function (the names of migration 0007, kept), and the rows it notes."""

OLD_HOUSEHOLDS = """
CREATE OR REPLACE FUNCTION bump_household_generations() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO ranking_generations (scope, generation)
    SELECT DISTINCT 'households:' || org_id, 1 FROM changed_households
    ORDER BY 1
    ON CONFLICT (scope) DO UPDATE SET generation = ranking_generations.generation + 1;
    RETURN NULL;
END $$
"""
OLD_UNITS = """
CREATE OR REPLACE FUNCTION bump_unit_generation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO ranking_generations (scope, generation) VALUES ('units', 1)
    ON CONFLICT (scope) DO UPDATE SET generation = ranking_generations.generation + 1;
    RETURN NULL;
END $$
"""


def create_triggers(table: str, function: str) -> None:
    referencing = {
        "insert": "REFERENCING NEW TABLE AS changed_rows",
        "update": "REFERENCING NEW TABLE AS changed_rows OLD TABLE AS previous_rows",
        "delete": "REFERENCING OLD TABLE AS changed_rows",
    }
    for event, transition in referencing.items():
        op.execute(f"DROP TRIGGER {table}_{event}_generation ON {table}")
        op.execute(
            f"CREATE TRIGGER {table}_{event}_generation AFTER {event.upper()} ON {table} {transition} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
        )


def upgrade() -> None:
    op.create_table(
        "ranking_changes",
        sa.Column("scope", sa.String(220), primary_key=True),
        sa.Column("generation", sa.BigInteger, primary_key=True),
        sa.Column("row_id", sa.Uuid, primary_key=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_index("ix_ranking_changes_changed_at", "ranking_changes", ["changed_at"])
    op.create_table(
        "ranking_pruned",
        sa.Column("scope", sa.String(220), primary_key=True),
        sa.Column("pruned_through", sa.BigInteger, nullable=False),
    )
    for table, function, rows in TRIGGERS:
        op.execute(note_function(function, rows))
        create_triggers(table, function)
    # Columns loaded before this migration know no change: every generation so far counts as pruned.
    op.execute("INSERT INTO ranking_pruned (scope, pruned_through) SELECT scope, generation FROM ranking_generations")


def downgrade() -> None:
    for table, function, _ in TRIGGERS:
        for event, transition in (("insert", "NEW"), ("update", "NEW"), ("delete", "OLD")):
            op.execute(f"DROP TRIGGER {table}_{event}_generation ON {table}")
            referencing = f"REFERENCING {transition} TABLE AS changed_households " if table == "households" else ""
            op.execute(
                f"CREATE TRIGGER {table}_{event}_generation AFTER {event.upper()} ON {table} {referencing}"
                f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
            )
    op.execute(OLD_HOUSEHOLDS)
    op.execute(OLD_UNITS)
    op.drop_table("ranking_pruned")
    op.drop_index("ix_ranking_changes_changed_at", table_name="ranking_changes")
    op.drop_table("ranking_changes")
