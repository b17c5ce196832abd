"""Funds and their policy versions. Every caller the routes let in reads every fund (associations choose
one; the policies are published); a fund's agents change only their own fund."""

from __future__ import annotations

import sqlalchemy as sa

from abri_guarantees.db.funds import Fund, FundPolicyVersion
from abri_kit.pagination import PageRequest
from abri_kit.repository import ScopedRepository


class Funds(ScopedRepository[Fund]):
    model = Fund
    kind = "fund"

    def _filter(self, *, writing: bool) -> sa.ColumnElement[bool]:
        if self.principal is None or not writing:
            return sa.true()
        if self.principal.org_id and self.principal.has_role("fund_agent"):
            return Fund.fund_id == self.principal.org_id
        return sa.false()

    async def exists(self, fund_id: str) -> bool:
        """Whether a fund has this id (whoever may see it)."""
        return await self.session.get(Fund, fund_id) is not None

    async def page_by_id(self, request: PageRequest) -> tuple[list[Fund], str | None]:
        """One page of the funds, in the order of their ids."""
        return await self.page(request, (Fund.fund_id,))

    async def policy(self, fund_id: str, version: int) -> FundPolicyVersion | None:
        """Version ``version`` of a fund's policy (versions are never changed)."""
        return await self.session.get(FundPolicyVersion, (fund_id, version))

    def add_policy(self, version: FundPolicyVersion) -> FundPolicyVersion:
        self.session.add(version)
        return version
