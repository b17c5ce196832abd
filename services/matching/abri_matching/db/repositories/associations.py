"""Associations' own matching settings: a social worker reads and sets its association's
(``org_id``); the service reads every association's for a batch run."""

from __future__ import annotations

from abri_kit.repository import ScopedRepository
from abri_matching.db.associations import AssociationSettings
from abri_matching.domain.policy import ALL_SCHEMES, MatchingPolicy

Settings = tuple[float, frozenset[str]]
"""An association's rent-burden threshold and the schemes it works with."""


class Associations(ScopedRepository[AssociationSettings]):
    model = AssociationSettings
    org_column = "org_id"
    kind = "association settings"

    async def settings(self, org_id: str, policy: MatchingPolicy) -> Settings:
        """The association's threshold and schemes (the policy's defaults until it sets its own)."""
        own = await self.find(org_id)
        return (own.rent_burden_threshold, frozenset(own.schemes)) if own is not None else defaults(policy)

    async def every(self) -> dict[str, Settings]:
        """The settings of every association that set its own, by ``org_id`` (others: :func:`defaults`)."""
        return {row.org_id: (row.rent_burden_threshold, frozenset(row.schemes)) for row in await self.session.scalars(self.select())}


def defaults(policy: MatchingPolicy) -> Settings:
    """An association's settings until it sets its own: the policy's threshold, every scheme."""
    return policy.rent_burden_threshold, ALL_SCHEMES
