"""Reading a household's personal data (every read logged: who, when, why) and the log of those reads."""

from __future__ import annotations

import uuid
from typing import Any

from abri_kit.envelope import KeyEncryption
from abri_kit.errors import NotAllowed
from abri_kit.pagination import PageRequest
from abri_kit.usecase import Context
from abri_matching.db.access_log import AccessLogEntry
from abri_matching.db.repositories.access_log import AccessLog
from abri_matching.db.repositories.households import Households
from abri_matching.domain.households import AccessPurpose
from abri_matching.usecases.sealing import open_personal


async def read_personal_data(ctx: Context, keyring: KeyEncryption, household_id: uuid.UUID, purpose: AccessPurpose) -> dict[str, Any]:
    """The personal data of one of the caller's households (a household person: its own, for its own
    request only), once the read is logged; 410 if erased."""
    household = await Households.of(ctx).get(household_id)
    principal = ctx.principal
    if principal.has_role("household") and not principal.has_role("social_worker") and purpose != AccessPurpose.HOUSEHOLD_OWN_REQUEST:
        raise NotAllowed("a household reads its own data with purpose=household_own_request")
    return await open_personal(ctx, keyring, household, purpose.value)


async def access_log(ctx: Context, household_id: uuid.UUID, page: PageRequest) -> tuple[list[AccessLogEntry], str | None]:
    """One page of who read one of the caller's households' personal data, when and why, in the log's order."""
    household = await Households.of(ctx).get(household_id)
    return await AccessLog.of(ctx).page_of(household.id, page)
