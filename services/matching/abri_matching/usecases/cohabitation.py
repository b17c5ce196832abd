"""An intergenerational cohabitation contract's document (CCH art. L631-17), from its placement: for the
association that carries it, the host (the unit's owner) and the person hosted. The person's name is opened from
its sealed identity for the association and the person only (the read logged, purpose ``lease_signature``); the
host writes both names on their copy."""

from __future__ import annotations

import uuid

from abri_kit.envelope import KeyEncryption
from abri_kit.errors import Conflict
from abri_kit.usecase import Context
from abri_matching.cohabitation_pdf import Agreement
from abri_matching.db.repositories.households import Households
from abri_matching.db.repositories.placements import Placements
from abri_matching.db.repositories.units import Units
from abri_matching.domain.households import AccessPurpose
from abri_matching.usecases.sealing import Erased, open_personal


async def agreement(ctx: Context, keyring: KeyEncryption, placement_id: uuid.UUID) -> Agreement:
    """The contract of one of the caller's placements (404 for anyone else's); 409 before a cohabitation contract
    is recorded."""
    placement = await Placements.of(ctx).get(placement_id)
    if (
        placement.lease_type != "cohabitation"
        or placement.lease_signed_on is None
        or placement.lease_starts_on is None
        or (placement.agreement_monthly_cents is None)
    ):
        raise Conflict("no intergenerational cohabitation contract is recorded for this placement", title="No contract")
    unit = await Units.for_system(ctx.uow).find(placement.unit_id)
    name = None
    household = await Households.for_system(ctx.uow).get(placement.household_id)
    caller = ctx.principal
    purpose = None  # the young person's name goes to their association and to themselves, never to the host
    if caller.has_role("social_worker") and caller.org_id == placement.org_id:
        purpose = AccessPurpose.LEASE_SIGNATURE
    elif caller.has_role("household") and household.account_subject == caller.subject:
        purpose = AccessPurpose.HOUSEHOLD_OWN_REQUEST
    if purpose is not None:
        try:
            identity = (await open_personal(ctx, keyring, household, purpose.value)).get("identity") or {}
            name = " ".join(part for part in (identity.get("first_name"), identity.get("last_name")) if part) or None
        except Erased:
            name = None
    place = " ".join(part for part in ((unit.postal_code if unit else None), (unit.commune if unit else None)) if part)
    return Agreement(
        young_name=name,
        association=placement.org_id,
        area_m2=unit.living_area_m2 if unit is not None else None,
        place=place,
        starts_on=placement.lease_starts_on,
        ends_on=placement.lease_term_ends_on or placement.lease_starts_on,
        monthly_cents=placement.agreement_monthly_cents or 0,
        services=tuple(placement.agreement_services or ()),
        signed_on=placement.lease_signed_on,
    )
