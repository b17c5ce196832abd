"""The household's consent as a gate on its guarantee file (``domain/consent.py``): filing needs
``guarantee_file`` in force (422), the fund's reading of the tenant's data too (403, saying what the
fund still sees); the association that filed keeps reading what it collected. A file or placement from
before matching's events named the household (``household_id`` None) is not gated: nothing tells whose
it is. Matching's ``household.consents_changed`` feeds the read model (:func:`consents_changed`)."""

from __future__ import annotations

import uuid
from datetime import datetime

from abri_guarantees.db.files import GuaranteeFile
from abri_guarantees.db.repositories.households import Households
from abri_guarantees.domain.consent import FUND_STILL_SEES, in_force, refusal
from abri_kit.errors import NotAllowed, Refused
from abri_kit.usecase import Context


async def household_in_force(ctx: Context, household_id: uuid.UUID | None) -> bool:
    """Whether the household's data may go to a fund now (True for an unnamed, older household)."""
    if household_id is None:
        return True
    view = await Households.for_system(ctx.uow).find(household_id)
    return view is not None and in_force(view.purposes, erased=view.erased_at is not None)


async def require_for_filing(ctx: Context, household_id: uuid.UUID | None) -> None:
    """422 ``consent_required`` unless the household consented to its guarantee file (nothing is stored)."""
    if not await household_in_force(ctx, household_id):
        item = refusal()
        raise Refused(str(item["message"]), title="No consent", errors=[item])


def fund_reader(ctx: Context, file: GuaranteeFile) -> bool:
    """Whether the caller reads ``file`` as the fund's agent (not as the association that filed it)."""
    principal = ctx.principal
    return principal.has_role("fund_agent") and principal.org_id == file.fund_id and not principal.has_role("social_worker")


async def fund_may_open(ctx: Context, file: GuaranteeFile) -> bool:
    """Whether the caller may open the tenant's data of ``file`` now."""
    return not fund_reader(ctx, file) or await household_in_force(ctx, file.household_id)


async def require_for_reading(ctx: Context, file: GuaranteeFile) -> None:
    """403 ``consent_required`` when the fund's agent asks for the tenant's data of a household that
    withdrew its consent (or was erased), saying what the fund still sees."""
    if not await fund_may_open(ctx, file):
        item = refusal()
        raise NotAllowed(f"{item['message']}: {FUND_STILL_SEES}", title="No consent", code=item["code"], errors=[item])


async def consents_changed(
    ctx: Context, household_id: uuid.UUID, org_id: str, account_subject: str | None, purposes: list[str], changed_at: datetime
) -> None:
    """What matching last said of the household's purposes (an older message changes nothing)."""
    values = {
        "household_id": household_id,
        "org_id": org_id,
        "account_subject": account_subject,
        "purposes": sorted(set(purposes)),
        "changed_at": changed_at,
    }
    await Households.for_system(ctx.uow).upsert(values)
