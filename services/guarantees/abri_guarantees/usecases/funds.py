"""Funds and their versioned policies: ops registers a fund with its kind's default policy, the fund's
agents publish new versions of their own, associations list the funds and read their policies. A file is
checked against the version current when it was (re)submitted, and records it."""

from __future__ import annotations

from typing import Any

from abri_guarantees.db.files import GuaranteeFile
from abri_guarantees.db.funds import Fund, FundPolicyVersion
from abri_guarantees.db.repositories.funds import Funds
from abri_guarantees.domain.policy import DEFAULTS, FundKind, FundPolicy, PolicyError, policy_from_dict, policy_to_dict
from abri_kit.errors import Conflict, Problem
from abri_kit.pagination import PageRequest
from abri_kit.usecase import Context


async def policy_version(funds: Funds, fund_id: str, version: int) -> FundPolicy:
    """Version ``version`` of a fund's policy (the foreign key and the write path make a missing one impossible)."""
    row = await funds.policy(fund_id, version)
    if row is None:
        raise RuntimeError(f"fund {fund_id} has no policy version {version}")
    return policy_from_dict(row.body)


async def current_policy(ctx: Context, fund: Fund) -> FundPolicy:
    """The fund's policy as it is now."""
    return await policy_version(Funds.of(ctx), fund.fund_id, fund.current_version)


async def file_policy(ctx: Context, file: GuaranteeFile) -> FundPolicy:
    """The policy version the file was (last) checked against."""
    return await policy_version(Funds.of(ctx), file.fund_id, file.policy_version)


async def create_fund(ctx: Context, fund_id: str, name: str, kind: FundKind) -> Fund:
    """A new fund (ops), with its kind's default policy as version 1."""
    funds = Funds.of(ctx)
    if await funds.exists(fund_id):
        raise Conflict(f"fund {fund_id} exists", title="Fund exists")
    fund = funds.add(
        Fund(fund_id=fund_id, name=name, kind=kind.value, current_version=1, created_by=ctx.principal.subject, created_at=ctx.now)
    )
    await ctx.uow.flush("the fund")
    body = policy_to_dict(DEFAULTS[kind]())
    funds.add_policy(FundPolicyVersion(fund_id=fund_id, version=1, body=body, created_by=ctx.principal.subject, created_at=ctx.now))
    return fund


async def list_funds(ctx: Context, page: PageRequest) -> tuple[list[Fund], str | None]:
    """One page of the funds an association may file with, by id."""
    return await Funds.of(ctx).page_by_id(page)


async def read_policy(ctx: Context, fund_id: str) -> tuple[Fund, FundPolicy]:
    """A fund's current policy (published: associations see what a file is checked against)."""
    fund = await Funds.of(ctx).get(fund_id)
    return fund, await current_policy(ctx, fund)


async def update_policy(ctx: Context, fund_id: str, changes: dict[str, Any]) -> tuple[Fund, FundPolicy]:
    """A new version of the caller's fund's policy: ``changes`` over the current one (422 naming the field
    a rule refuses; another fund's is 404)."""
    funds = Funds.of(ctx)
    fund = await funds.get(fund_id, for_update=True)
    try:
        current = await current_policy(ctx, fund)
        policy = policy_from_dict({"name": current.name, **changes, "kind": fund.kind, "version": fund.current_version + 1})
    except PolicyError as exc:
        raise Problem(422, str(exc), errors=[{"field": f"body.{exc.field}", "message": exc.problem}]) from exc
    fund.current_version += 1
    body = policy_to_dict(policy)
    funds.add_policy(
        FundPolicyVersion(fund_id=fund_id, version=fund.current_version, body=body, created_by=ctx.principal.subject, created_at=ctx.now)
    )
    return fund, policy
