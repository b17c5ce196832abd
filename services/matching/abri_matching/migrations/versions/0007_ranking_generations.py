"""Ranking generations: a counter per association's households and one for the read model of units,
bumped by triggers on every write, so that each service process can keep the ranking's columns in
memory and know, with one primary-key read, when they are stale (``ranking_cache.py``).

Statement-level triggers with transition tables: a COPY or a bulk update bumps each scope once.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

BUMP_HOUSEHOLDS = """
CREATE FUNCTION bump_household_generations() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO ranking_generations (scope, generation)
    SELECT DISTINCT 'households:' || org_id, 1 FROM changed_households
    ORDER BY 1
    ON CONFLICT (scope) DO UPDATE SET generation = ranking_generations.generation + 1;
    RETURN NULL;
END $$
"""
BUMP_UNITS = """
CREATE FUNCTION bump_unit_generation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO ranking_generations (scope, generation) VALUES ('units', 1)
    ON CONFLICT (scope) DO UPDATE SET generation = ranking_generations.generation + 1;
    RETURN NULL;
END $$
"""
EVENTS = (("insert", "NEW"), ("update", "NEW"), ("delete", "OLD"))


def upgrade() -> None:
    op.create_table(
        "ranking_generations",
        sa.Column("scope", sa.String(220), primary_key=True),
        sa.Column("generation", sa.BigInteger, nullable=False),
    )
    op.execute(BUMP_HOUSEHOLDS)
    op.execute(BUMP_UNITS)
    for event, table in EVENTS:
        op.execute(
            f"CREATE TRIGGER households_{event}_generation AFTER {event.upper()} ON households "
            f"REFERENCING {table} TABLE AS changed_households "
            "FOR EACH STATEMENT EXECUTE FUNCTION bump_household_generations()"
        )
        op.execute(
            f"CREATE TRIGGER unit_view_{event}_generation AFTER {event.upper()} ON unit_view "
            "FOR EACH STATEMENT EXECUTE FUNCTION bump_unit_generation()"
        )


def downgrade() -> None:
    for event, _ in EVENTS:
        op.execute(f"DROP TRIGGER households_{event}_generation ON households")
        op.execute(f"DROP TRIGGER unit_view_{event}_generation ON unit_view")
    op.execute("DROP FUNCTION bump_household_generations()")
    op.execute("DROP FUNCTION bump_unit_generation()")
    op.drop_table("ranking_generations")
