"""A household's consents: listed, recorded as the household gave them, withdrawn."""

from __future__ import annotations

import uuid
from typing import Any

from abri_auth.scoping import NotFound
from abri_kit.errors import Conflict
from abri_kit.pagination import PageRequest
from abri_kit.usecase import Context
from abri_matching.db.households import Consent
from abri_matching.db.repositories.households import Consents, Households
from abri_matching.usecases.consent_gate import refresh


async def list_consents(ctx: Context, household_id: uuid.UUID, page: PageRequest) -> tuple[list[Consent], str | None]:
    """One page of the consents of one of the caller's households, the oldest given first."""
    household = await Households.of(ctx).get(household_id)
    return await Consents.of(ctx).page_of(household.id, page)


async def record_consent(ctx: Context, household_id: uuid.UUID, consent: dict[str, Any]) -> Consent:
    """A consent the household gave (``purpose``, ``notice_version``, ``consented_at``), recorded by the caller."""
    household = await Households.of(ctx).get(household_id, for_update=True)
    if household.erased_at is not None:
        raise Conflict("this household's personal data were erased: it consents to nothing any more", title="Erased")
    recorded = Consents.of(ctx).add(Consent(household_id=household.id, recorded_by=ctx.principal.subject, **consent))
    await ctx.uow.flush("the consent")
    await refresh(ctx, household, publish=True)
    return recorded


async def withdraw_consent(ctx: Context, household_id: uuid.UUID, consent_id: uuid.UUID) -> Consent:
    """The household withdrew a consent (now; a second withdrawal keeps the first date). It takes effect
    at once: what the purpose covered stops (``consent_gate.refresh``) and the other services are told."""
    household = await Households.of(ctx).get(household_id, for_update=True)
    consent = await Consents.of(ctx).of_household(household.id, consent_id)
    if consent is None:
        raise NotFound("consent", consent_id)
    if consent.withdrawn_at is None:
        consent.withdrawn_at = ctx.now
        await ctx.uow.flush("the consent")
        await refresh(ctx, household, publish=True)
    return consent


async def republish(ctx: Context, after: uuid.UUID | None, batch: int) -> list[uuid.UUID]:
    """Tell the other services again the purposes in force of up to ``batch`` households after ``after`` (in id
    order): ``household.consents_changed`` for each one not erased, as of ``ctx.now``. For an upgrade from a
    version that did not publish them yet, or a consumer's read model rebuilt; the consumers keep the newest.
    Returns the households told, in id order (empty: none left)."""
    households = await Households.for_system(ctx.uow).not_erased_after(after, batch)
    for household in households:
        await refresh(ctx, household, publish=True)
    return [household.id for household in households]
