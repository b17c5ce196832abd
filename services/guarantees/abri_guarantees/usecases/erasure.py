"""A household erased in matching (``household.erased``) → every guarantee file of the household erased
here, and the receipt published (``abri.guarantees.erasure.completed.v1``).

Each file of the household (named by its id, or by one of its placements for files filed before the
placement events carried it) is crypto-shredded (``Erasure.shred``: its data key and documents deleted,
its messages emptied): the tenant's identity and situation, the documents, the information requests
and their answers, the visa's PDF (it prints the holder's name, opened with that key) can no longer be
opened anywhere; the visa holder's MAC is wiped too, so the public visa check answers ``unknown`` for
the holder's name; the file is unlinked from the household. What the law requires is kept,
pseudonymised, and said in the receipt (``domain/erasure.py``): paid claims (accounting), activated
guarantees and their claims (limitation period). Once done, a repeat of the same request changes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from abri_contracts.erasure import GuaranteesErasureCompleted, Kept
from abri_guarantees.db.files import FileStep
from abri_guarantees.db.read_models import HouseholdErasureDone
from abri_guarantees.db.repositories.erasure import Erasure
from abri_guarantees.db.repositories.files import Files
from abri_guarantees.db.repositories.households import HouseholdErasures, Households
from abri_guarantees.db.repositories.visas import Visas
from abri_guarantees.domain.erasure import ErasurePolicy, kept
from abri_kit.calendar import day_in_france
from abri_kit.keystore import Requester
from abri_kit.usecase import Context

ACTOR = "abri-guarantees"
REASON = "household_erased"


async def erase_household(
    ctx: Context,
    request_id: uuid.UUID,
    household_id: uuid.UUID,
    org_id: str,
    placement_ids: Sequence[uuid.UUID],
    processed_at: datetime,
    policy: ErasurePolicy = ErasurePolicy(),
    *,
    requested_by: Requester = "association",
) -> None:
    """Erase every file of the household and publish the receipt (once per request); ``requested_by`` (who
    asked matching) goes to the erasure ledger with the request."""
    erasures = HouseholdErasures.for_system(ctx.uow)
    if await erasures.find(request_id) is not None:
        return
    files = await erasures.files_of(household_id, placement_ids)
    shredder, steps, visas = Erasure.for_system(ctx.uow), Files.for_system(ctx.uow), Visas.for_system(ctx.uow)
    for file in files:
        await shredder.shred(file, at=ctx.now, request_id=request_id, requested_by=requested_by)
        visa = await visas.of_file(file.id, for_update=True)
        if visa is not None:
            visa.holder_mac = b""  # nothing left to compare a name with
            visa.lease_not_before = None  # the tenant's birthday of age: of the person, not of the visa's terms
        file.household_id = None
        file.household_reference = None  # the association's reference of the erased household
        steps.add_step(FileStep.note(file, "erase", actor=ACTOR, role="system", at=ctx.now, reasons=[REASON]))
    file_ids = [file.id for file in files]
    paid = [day_in_france(claim.paid_at) for claim in await erasures.paid_claims(file_ids) if claim.paid_at is not None]
    ends = [record.ended_on for record in await erasures.guarantees_of(file_ids)]
    keeps = kept(paid, ends, policy)
    await Households.for_system(ctx.uow).erased(household_id, org_id, ctx.now)
    stored = [{**item, "until": str(item["until"]) if item["until"] is not None else None} for item in keeps]
    erasures.add(
        HouseholdErasureDone(request_id=request_id, household_id=household_id, completed_at=processed_at, files=len(files), kept=stored)
    )
    await ctx.uow.flush("the erasure")
    receipt = GuaranteesErasureCompleted(
        request_id=request_id,
        household_id=household_id,
        erased_in="guarantees",
        completed_at=processed_at,
        kept=[Kept.model_validate(item) for item in keeps],
    )
    await ctx.uow.publish(receipt, at=processed_at)
