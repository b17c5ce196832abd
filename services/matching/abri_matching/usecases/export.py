"""A household's export (GDPR art. 15, right of access, and art. 20, portability): everything matching
holds about it, in one document. The household signed in exports its own, its association's social
workers export it on its behalf; anyone else gets 404. The export opens the household's personal data,
so it is written to the household's access log (purpose ``export``) before it is answered, and it lists
that log, this export included. It holds the household's move-in and move-out inventories too, opened: the
export's entry in the log covers them."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from abri_kit.envelope import KeyEncryption
from abri_kit.usecase import Context
from abri_matching.db.access_log import AccessLogEntry
from abri_matching.db.allocations import Suggestion
from abri_matching.db.households import Consent, Household
from abri_matching.db.placements import Placement, PlacementStep
from abri_matching.db.repositories.access_log import AccessLog
from abri_matching.db.repositories.export import ExportedAccessLog, ExportedConsents, ExportedPlacements, ExportedSuggestions
from abri_matching.db.repositories.households import Households
from abri_matching.usecases import inventories
from abri_matching.usecases.inventories import Exported
from abri_matching.usecases.sealing import Erased, open_personal

EXPORT_PURPOSE = "export"
"""The coded purpose an export writes to the access log."""
SCHEMA_VERSION = 1
"""The version of the export document's shape: a change that removes or renames a key takes a new one."""


@dataclass(frozen=True)
class HouseholdExport:
    """What matching holds about one household, read in one transaction."""

    generated_at: datetime
    household: Household
    personal: dict[str, Any] | None
    """Identity, contact and priority situations, opened for the export; None once erased."""
    consents: list[Consent]
    placements: list[Placement]
    steps: dict[uuid.UUID, list[PlacementStep]]
    suggestions: list[Suggestion]
    access_log: list[AccessLogEntry]
    inventories: list[Exported]
    """The move-in and move-out inventories of its placements, opened (kept as the lease's evidence, even once the
    household's file is erased, until their own period ends)."""


async def export_household(ctx: Context, keyring: KeyEncryption, household_id: uuid.UUID) -> HouseholdExport:
    """Everything about one of the caller's households (a household person: its own), its personal data
    opened and the export logged in the same transaction."""
    household = await Households.of(ctx).get(household_id)
    personal = await _open_for_export(ctx, keyring, household)
    placements = ExportedPlacements.of(ctx)
    rows = await placements.every_of(household.id)
    steps: dict[uuid.UUID, list[PlacementStep]] = defaultdict(list)
    for step in await placements.steps_of(rows):
        steps[step.placement_id].append(step)
    return HouseholdExport(
        generated_at=ctx.now,
        household=household,
        personal=personal,
        consents=await ExportedConsents.of(ctx).every_of(household.id),
        placements=rows,
        steps=dict(steps),
        suggestions=await ExportedSuggestions.of(ctx).every_of(household.id),
        access_log=await ExportedAccessLog.of(ctx).every_of(household.id),
        inventories=await inventories.for_export(ctx, keyring, household.id),
    )


async def _open_for_export(ctx: Context, keyring: KeyEncryption, household: Household) -> dict[str, Any] | None:
    """The household's personal data, the read logged; an erased household's export is logged too (it read
    the record), and has none."""
    if household.erased_at is None:
        try:
            return await open_personal(ctx, keyring, household, EXPORT_PURPOSE)
        except Erased:
            pass
    await AccessLog.for_system(ctx.uow).append(household.id, ctx.principal, purpose=EXPORT_PURPOSE, at=ctx.now)
    return None
