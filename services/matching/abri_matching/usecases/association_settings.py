"""An association's own matching settings: its rent-burden threshold and the schemes it works with."""

from __future__ import annotations

from dataclasses import dataclass

from abri_kit.usecase import Context
from abri_matching.db.associations import AssociationSettings
from abri_matching.db.repositories.associations import Associations, defaults
from abri_matching.domain.policy import ALL_SCHEMES, MatchingPolicy
from abri_matching.usecases.households import org_of


@dataclass(frozen=True)
class Settings:
    org_id: str
    rent_burden_threshold: float
    schemes: list[str]
    default: bool
    """True while the association has not set its own (the policy's defaults apply)."""


async def read_settings(ctx: Context, policy: MatchingPolicy) -> Settings:
    org_id = org_of(ctx)
    own = await Associations.of(ctx).find(org_id)
    if own is None:
        threshold, schemes = defaults(policy)
        return Settings(org_id, threshold, sorted(schemes), default=True)
    return Settings(org_id, own.rent_burden_threshold, sorted(own.schemes), default=False)


async def write_settings(ctx: Context, rent_burden_threshold: float, schemes: list[str]) -> Settings:
    org_id = org_of(ctx)
    associations = Associations.of(ctx)
    row = await associations.find(org_id, for_update=True)
    if row is None:
        row = associations.add(AssociationSettings(org_id=org_id))
    row.rent_burden_threshold = rent_burden_threshold
    row.schemes = sorted(set(schemes) & ALL_SCHEMES)
    row.updated_by = ctx.principal.subject
    row.updated_at = ctx.now
    await ctx.uow.flush("the settings")
    return Settings(org_id, row.rent_burden_threshold, row.schemes, default=False)
