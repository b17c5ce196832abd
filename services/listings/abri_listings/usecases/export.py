"""A household's export from listings (GDPR art. 15 and 20): listings holds nothing about a household.

Units, their owners and their placements' reservations are kept here; no household's id, name or
situation ever is (a placement's events tell listings which unit is reserved, not for whom). The export
says so explicitly, so that the household's archive shows every service and what each holds. Nothing
is read, so nothing is written to an access log.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from abri_kit.usecase import Context

SCHEMA_VERSION = 1
"""The version of the export document's shape."""
HOLDS = "nothing"
"""What listings holds about a household: a code the archive's labels explain."""


@dataclass(frozen=True)
class HouseholdExport:
    generated_at: datetime
    household_id: uuid.UUID


async def export_household(ctx: Context, household_id: uuid.UUID) -> HouseholdExport:
    """The (empty) export of any household, the same for every caller allowed to ask: it tells no one
    whether the household exists."""
    return HouseholdExport(generated_at=ctx.now, household_id=household_id)
