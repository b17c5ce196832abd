"""An owner reads the names and contact of the household it accepted to house, with the household's
consent; the read goes to the household's access log."""

from __future__ import annotations

import uuid
from typing import Any

from abri_auth.scoping import NotFound
from abri_kit.envelope import KeyEncryption
from abri_kit.errors import NotAllowed
from abri_kit.legal import coded_error
from abri_kit.usecase import Context
from abri_matching.db.repositories.households import Households
from abri_matching.db.repositories.placements import Placements
from abri_matching.domain.consents import Purpose
from abri_matching.domain.households import AccessPurpose
from abri_matching.domain.placements import PlacementPolicy, PlacementStatus
from abri_matching.domain.sources import source_of
from abri_matching.usecases.consent_gate import require
from abri_matching.usecases.sealing import open_personal

SHARED_AFTER = frozenset({"accepted", "awaiting_guarantee", "guaranteed", "lease_signed", "slid"})


async def household_contact(ctx: Context, keyring: KeyEncryption, journey: PlacementPolicy, placement_id: uuid.UUID) -> dict[str, Any]:
    """The identity (names, phone, e-mail) of the household of one of the caller's placements, once it
    accepted it, if its scheme makes the owner the household's landlord (``PlacementPolicy.discloses``:
    not where the association is the tenant, until a sliding lease slid) and if the household consented;
    403 otherwise (coded), 410 if erased. The owner never reads the household itself: the service reaches
    it through the placement."""
    placement = await Placements.of(ctx).get(placement_id)
    if placement.status not in SHARED_AFTER:
        raise NotAllowed("the household stays anonymous until you accept the proposal", title="Not accepted")
    if not journey.discloses(placement.scheme, "contact", slid=placement.status == PlacementStatus.SLID.value):
        rule = "scheme_does_not_disclose"
        message = f"under {placement.scheme} the association is your tenant: it answers for the household, whose contact stays with it"
        raise NotAllowed(
            message, title="Not disclosed", errors=[coded_error(rule, message, source=source_of(rule), params={"scheme": placement.scheme})]
        )
    household = await Households.for_system(ctx.uow).find(placement.household_id)
    if household is None:
        raise NotFound("placement", placement_id)
    await require(ctx, household, Purpose.SHARE_WITH_OWNER_AFTER_ACCEPTANCE, forbidden=True)  # 403: the association keeps the contact
    opened = await open_personal(ctx, keyring, household, AccessPurpose.OWNER_AFTER_ACCEPTANCE.value)
    identity: dict[str, Any] = opened["identity"]
    return identity
