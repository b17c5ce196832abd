"""What the guarantees service knows of other services (units, placements), written by their events.
An association's social workers see the placements of their association; units are read for the service."""

from __future__ import annotations

from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from abri_guarantees.db.read_models import PlacementView, UnitFacts
from abri_guarantees.db.repositories.scoping import ByRole, Whose
from abri_kit.repository import ScopedRepository


class Placements(ByRole[PlacementView]):
    model = PlacementView
    kind = "placement"
    seen_by_role: ClassVar[dict[str, tuple[str, Whose]]] = {"social_worker": ("org_id", "org")}

    async def record_request(self, values: dict[str, Any]) -> None:
        """A placement that asks for a guarantee; one already known is left as it is."""
        statement = insert(PlacementView).values(**values)
        await self.session.execute(statement.on_conflict_do_nothing(index_elements=[PlacementView.placement_id]))


class Units(ScopedRepository[UnitFacts]):
    """Units' facts, as listings' events carry them: read by the service for a file's pre-check."""

    model = UnitFacts
    kind = "unit"

    def _filter(self, *, writing: bool) -> sa.ColumnElement[bool]:
        return sa.true() if self.principal is None or not writing else sa.false()

    async def upsert(self, values: dict[str, Any]) -> None:
        """Insert, or update a row holding an older version; a same or newer version changes nothing."""
        statement = insert(UnitFacts).values(**values)
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[UnitFacts.unit_id],
                set_={name: statement.excluded[name] for name in values if name != "unit_id"},
                where=UnitFacts.version < statement.excluded.version,
            )
        )
