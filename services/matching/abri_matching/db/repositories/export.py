"""Everything matching holds about one household, for its export (GDPR art. 15 and 20): whole lists, not
pages, since an export is complete or is nothing. Each row is seen through its household, as consents
and log entries are (``OfHousehold``): the household signed in sees its own, its association's social
workers theirs, anyone else nothing."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, ClassVar, TypeVar

import sqlalchemy as sa

from abri_matching.db.access_log import AccessLogEntry
from abri_matching.db.allocations import Suggestion
from abri_matching.db.households import Consent
from abri_matching.db.placements import Placement, PlacementStep
from abri_matching.db.repositories.households import OfHousehold

M = TypeVar("M")


class Exported(OfHousehold[M]):
    """Rows of one household, every one, in :attr:`order`."""

    order: ClassVar[tuple[Any, ...]] = ()

    async def every_of(self, household_id: uuid.UUID) -> list[M]:
        household: Any = self.model.household_id
        statement = self.select().where(household == household_id).order_by(*self.order)
        return list((await self.session.scalars(statement)).all())


class ExportedConsents(Exported[Consent]):
    """The household's consents, the oldest given first."""

    model, kind, order = Consent, "consent", (Consent.consented_at, Consent.id)


class ExportedSuggestions(Exported[Suggestion]):
    """The household's suggestions made by batch allocations, by run."""

    model, kind, order = Suggestion, "suggestion", (Suggestion.run_id, Suggestion.id)


class ExportedAccessLog(Exported[AccessLogEntry]):
    """The reads of the household's personal data, oldest first (by time, then hash, as the log's pages)."""

    model, kind, order = AccessLogEntry, "access log entry", (AccessLogEntry.at, AccessLogEntry.mac)


class ExportedPlacements(Exported[Placement]):
    """The household's placements, the oldest proposed first, and their steps."""

    model, kind, order = Placement, "placement", (Placement.proposed_at, Placement.id)

    async def steps_of(self, placements: Sequence[Placement]) -> list[PlacementStep]:
        """The steps of ``placements`` (already seen by the caller), in the order they were made."""
        ids = [placement.id for placement in placements]
        if not ids:
            return []
        statement = sa.select(PlacementStep).where(PlacementStep.placement_id.in_(ids)).order_by(PlacementStep.seq)
        return list((await self.session.scalars(statement)).all())
