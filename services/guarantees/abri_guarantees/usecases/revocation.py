"""Revoking a visa: the fund's decision (``usecases/visas.py``) or its placement's end before a lease
(``usecases/placements.py``). Recorded as a step of the file (who, when, why) and published."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from abri_contracts.guarantees import GuaranteeVisaRevoked
from abri_guarantees.db.files import FileStep, GuaranteeFile
from abri_guarantees.db.repositories.files import Files
from abri_guarantees.db.visas import VisaRecord
from abri_kit.calendar import day_in_france
from abri_kit.usecase import Context

Reason = Literal["fraud", "error", "file_withdrawn", "placement_ended", "other"]


async def revoke_visa(
    ctx: Context, files: Files, file: GuaranteeFile, visa: VisaRecord, *, actor: str, role: str, at: datetime, reason: Reason
) -> None:
    """Revoke ``visa`` (locked by the caller) from ``at``'s day; the file keeps its status."""
    visa.revoked_on = day_in_france(at)
    files.add_step(FileStep.note(file, "revoke_visa", actor=actor, role=role, at=at, reasons=[reason]))
    event = GuaranteeVisaRevoked(
        file_id=file.id, placement_id=file.placement_id, fund_id=file.fund_id, org_id=file.org_id, revoked_at=at, reason=reason
    )
    await ctx.uow.publish(event, at=at)
