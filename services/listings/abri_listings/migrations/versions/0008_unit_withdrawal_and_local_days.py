"""Why a unit last left the market or was withdrawn (reason, rules, when), so that its owner's view says it;
and the daily sweep on each home's own day.

The withdrawal is filled, where the outbox still holds it, from the unit's last lifecycle event when that
event is a ``unit.withdrawn`` (a unit not published since); older ones stay null.

Until now the sweep recorded the day in France as the day a unit was checked. A home in Guadeloupe,
Martinique or French Guiana is behind Paris: between midnight in Paris and midnight there, it was recorded
as checked on a day it had not reached, and under local days it would wait a day more for its next check.
Its record is moved a day back, so that the first sweep checks it on its own day (a check is idempotent:
each deadline is announced once).

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("units", sa.Column("withdrawal_reason", sa.String(20), nullable=True))
    op.add_column("units", sa.Column("withdrawal_rules", ARRAY(sa.String(60)), nullable=True))
    op.add_column("units", sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        """
        UPDATE units AS u
        SET withdrawal_reason = coalesce(last.data->>'reason', 'owner'),
            withdrawal_rules = ARRAY(SELECT jsonb_array_elements_text(coalesce(last.data->'rules', '[]'::jsonb))),
            withdrawn_at = (last.data->>'withdrawn_at')::timestamptz
        FROM (
            SELECT DISTINCT ON (message_key) message_key, event_type, data
            FROM event_outbox
            WHERE event_type LIKE 'abri.listings.unit.%' AND event_type NOT LIKE 'abri.listings.unit.deadline_announced.%'
            ORDER BY message_key, seq DESC
        ) AS last
        WHERE last.message_key = u.id::text
          AND last.event_type LIKE 'abri.listings.unit.withdrawn.%'
          AND u.status IN ('draft', 'withdrawn')
        """
    )
    op.execute(
        "UPDATE unit_deadlines SET checked_on = checked_on - 1 "
        "WHERE unit_id IN (SELECT id FROM units WHERE departement IN ('971', '972', '973'))"  # behind Paris (UTC-4, UTC-3)
    )


def downgrade() -> None:
    op.drop_column("units", "withdrawn_at")
    op.drop_column("units", "withdrawal_rules")
    op.drop_column("units", "withdrawal_reason")
