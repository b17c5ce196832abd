"""Funds and their versioned policies.

Ops registers a fund (an organisation: its agents carry its id as ``org_id``) with the default policy of
its kind; the fund's agents publish new versions of their own policy; associations list the funds to
choose one. A file is always checked against the version current when it was (re)submitted, and
records it.
"""

from __future__ import annotations

from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from abri_auth.dependencies import require_roles
from abri_auth.principal import Principal
from abri_guarantees.db.funds import Fund, FundPolicyVersion
from abri_guarantees.domain.policy import DEFAULTS, FundKind, FundPolicy, PolicyError, policy_from_dict, policy_to_dict
from abri_kit.db import SessionDep
from abri_kit.idempotency import Idempotent
from abri_kit.input import Input
from abri_kit.problems import Problem

router = APIRouter(prefix="/v1/funds", tags=["funds"])
Ops = Annotated[Principal, Depends(require_roles("ops"))]
FundAgent = Annotated[Principal, Depends(require_roles("fund_agent"))]
Reader = Annotated[Principal, Depends(require_roles("social_worker", "fund_agent", "ops"))]
FundId = Annotated[str, Path(min_length=2, max_length=200, pattern=r"^[a-z0-9][a-z0-9-]*$", description="The fund's organisation id.")]


class FundIn(Input):
    fund_id: str = Field(min_length=2, max_length=200, pattern=r"^[a-z0-9][a-z0-9-]*$", description="The fund's organisation id.")
    name: str = Field(min_length=2, max_length=200)
    kind: FundKind


class FundOut(BaseModel):
    fund_id: str
    name: str
    kind: FundKind
    current_version: int


class PolicyOut(BaseModel):
    fund_id: str
    version: int
    policy: dict[str, Any] = Field(description="The policy as data (domain/policy.py), money in cents.")


def fund_out(fund: Fund) -> FundOut:
    return FundOut(fund_id=fund.fund_id, name=fund.name, kind=FundKind(fund.kind), current_version=fund.current_version)


async def current_policy(session: AsyncSession, fund: Fund) -> FundPolicy:
    row = await session.get(FundPolicyVersion, (fund.fund_id, fund.current_version))
    if row is None:  # the foreign key and the write path make this impossible
        raise RuntimeError(f"fund {fund.fund_id} has no policy version {fund.current_version}")
    return policy_from_dict(row.body)


@router.post("", status_code=201, summary="Register a fund with its kind's default policy (ops)")
async def create_fund(body: FundIn, principal: Ops, session: SessionDep, idempotency: Idempotent) -> FundOut:
    await idempotency.claim(body)
    if await session.get(Fund, body.fund_id) is not None:
        raise Problem(409, f"fund {body.fund_id} exists", title="Fund exists")
    fund = Fund(fund_id=body.fund_id, name=body.name, kind=body.kind.value, current_version=1, created_by=principal.subject)
    session.add(fund)
    await session.flush()
    policy = DEFAULTS[body.kind]()
    session.add(FundPolicyVersion(fund_id=fund.fund_id, version=1, body=policy_to_dict(policy), created_by=principal.subject))
    created = fund_out(fund)
    await idempotency.remember(201, created)
    return created


@router.get("", summary="The funds an association may file with")
async def list_funds(principal: Reader, session: SessionDep) -> list[FundOut]:
    return [fund_out(fund) for fund in (await session.execute(sa.select(Fund).order_by(Fund.fund_id))).scalars()]


@router.get("/{fund_id}/policy", summary="A fund's current policy (published: associations see what a file is checked against)")
async def read_policy(fund_id: FundId, principal: Reader, session: SessionDep) -> PolicyOut:
    fund = await session.get(Fund, fund_id)
    if fund is None:
        raise Problem(404, f"fund {fund_id} not found")
    return PolicyOut(fund_id=fund_id, version=fund.current_version, policy=policy_to_dict(await current_policy(session, fund)))


@router.put("/{fund_id}/policy", summary="Publish a new version of my fund's policy (fund agent)")
async def update_policy(fund_id: FundId, body: dict[str, Any], principal: FundAgent, session: SessionDep) -> PolicyOut:
    fund = await session.get(Fund, fund_id, with_for_update=True)
    if fund is None or fund.fund_id != principal.org_id:
        raise Problem(404, f"fund {fund_id} not found")
    try:
        current = await current_policy(session, fund)
        policy = policy_from_dict({"name": current.name, **body, "kind": fund.kind, "version": fund.current_version + 1})
    except PolicyError as exc:
        raise Problem(422, str(exc), errors=[{"field": f"body.{exc.field}", "message": exc.problem}]) from exc
    fund.current_version += 1
    session.add(FundPolicyVersion(fund_id=fund_id, version=fund.current_version, body=policy_to_dict(policy), created_by=principal.subject))
    return PolicyOut(fund_id=fund_id, version=fund.current_version, policy=policy_to_dict(policy))
