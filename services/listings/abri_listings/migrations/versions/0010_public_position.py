"""The position everyone but the owner sees, stored: ``public_latitude`` and ``public_longitude`` (snapped
to the grid of ``position_grid_deg``, written with the unit by ``usecases/place.py``), indexed for the
search, which no longer snaps every row it reads.

Expand-only: nullable columns, so that pods of the previous version keep writing units during the
rolling upgrade. A unit they create has no public position until the positions sweeper
(``public_positions.py``) snaps it (searches leave it out meanwhile: at most a sweep); a unit they move
(its exact position changed, its public one not) is snapped again at once by a trigger, at the grid its
row holds. The existing rows are snapped here at the default grid (0.002°) with the expression the search
used until now; a deployment with another grid has them snapped by the sweeper. The index on the exact
position and the trigger stay until a later contract migration drops them.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

PUBLISHED = sa.text("status = 'published'")
GRID = 0.002


def snapped(coordinate: str, grid: str) -> str:
    """SQL of ``coordinate`` snapped to ``grid``, as ``domain/position.py`` ``snap`` does (frozen here)."""
    return f"round((floor({coordinate} / {grid} + 0.5) * {grid})::numeric, 6)::float8"


def upgrade() -> None:
    op.add_column("units", sa.Column("public_latitude", sa.Float, nullable=True))
    op.add_column("units", sa.Column("public_longitude", sa.Float, nullable=True))
    op.add_column("units", sa.Column("position_grid_deg", sa.Float, nullable=True))
    op.execute(
        sa.text(
            f"UPDATE units SET public_latitude = {snapped('latitude', ':grid')},"  # noqa: S608 (no input: column names)
            f" public_longitude = {snapped('longitude', ':grid')}, position_grid_deg = :grid"
        ).bindparams(grid=GRID)
    )
    op.execute("UPDATE units SET public_longitude = public_longitude - 360 WHERE public_longitude > 180")
    op.create_index("ix_units_search_public_position", "units", ["public_latitude", "public_longitude"], postgresql_where=PUBLISHED)
    op.create_index("ix_units_position_grid_deg", "units", ["position_grid_deg"])
    op.execute(SNAP_MOVED)
    op.execute(
        "CREATE TRIGGER units_snap_moved_position BEFORE UPDATE OF latitude, longitude ON units FOR EACH ROW"
        " WHEN ((NEW.latitude IS DISTINCT FROM OLD.latitude OR NEW.longitude IS DISTINCT FROM OLD.longitude)"
        " AND NEW.public_latitude IS NOT DISTINCT FROM OLD.public_latitude"
        " AND NEW.public_longitude IS NOT DISTINCT FROM OLD.public_longitude)"
        " EXECUTE FUNCTION units_snap_moved_position()"
    )


SNAP_MOVED = f"""
CREATE FUNCTION units_snap_moved_position() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- a version before 0010 moved the unit without its public position: snap it at the row's grid
    IF NEW.position_grid_deg IS NOT NULL AND NEW.position_grid_deg > 0 THEN
        NEW.public_latitude := {snapped("NEW.latitude", "NEW.position_grid_deg")};
        NEW.public_longitude := {snapped("NEW.longitude", "NEW.position_grid_deg")};
        IF NEW.public_longitude > 180 THEN
            NEW.public_longitude := NEW.public_longitude - 360;
        END IF;
    END IF;
    RETURN NEW;
END
$$
"""


def downgrade() -> None:
    op.execute("DROP TRIGGER units_snap_moved_position ON units")
    op.execute("DROP FUNCTION units_snap_moved_position()")
    op.drop_index("ix_units_position_grid_deg", table_name="units")
    op.drop_index("ix_units_search_public_position", table_name="units")
    for column in ("position_grid_deg", "public_longitude", "public_latitude"):
        op.drop_column("units", column)
