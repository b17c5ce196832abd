"""Funds and their versioned policies: thin adapters over ``usecases/funds.py``.

Ops registers a fund (an organisation: its agents carry its id as ``org_id``) with the default policy of
its kind; the fund's agents publish new versions of their own policy; associations list the funds to
choose one. A file is always checked against the version current when it was (re)submitted, and
records it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from abri_guarantees.api.dependencies import FundAgent, FundReader, Ops
from abri_guarantees.db.models import Fund
from abri_guarantees.domain.policy import FundKind, FundPolicy, policy_to_dict
from abri_guarantees.usecases import funds
from abri_kit.dependencies import Ctx, PageParams
from abri_kit.idempotency import Idempotent
from abri_kit.input import Input
from abri_kit.pagination import Page

router = APIRouter(prefix="/v1/funds", tags=["funds"])
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


def policy_out(fund: Fund, policy: FundPolicy) -> PolicyOut:
    return PolicyOut(fund_id=fund.fund_id, version=fund.current_version, policy=policy_to_dict(policy))


@router.post("", status_code=201, summary="Register a fund with its kind's default policy (ops)")
async def create_fund(body: FundIn, _: Ops, ctx: Ctx, idempotency: Idempotent) -> FundOut:
    await idempotency.claim(body)
    created = fund_out(await funds.create_fund(ctx, body.fund_id, body.name, body.kind))
    await idempotency.remember(201, created)
    return created


@router.get("", summary="The funds an association may file with, by id, in pages")
async def list_funds(_: FundReader, ctx: Ctx, page: PageParams) -> Page[FundOut]:
    rows, next_cursor = await funds.list_funds(ctx, page)
    return Page[FundOut](items=[fund_out(fund) for fund in rows], next_cursor=next_cursor)


@router.get("/{fund_id}/policy", summary="A fund's current policy (published: associations see what a file is checked against)")
async def read_policy(fund_id: FundId, _: FundReader, ctx: Ctx) -> PolicyOut:
    return policy_out(*await funds.read_policy(ctx, fund_id))


@router.put("/{fund_id}/policy", summary="Publish a new version of my fund's policy (fund agent)")
async def update_policy(fund_id: FundId, body: dict[str, Any], _: FundAgent, ctx: Ctx) -> PolicyOut:
    return policy_out(*await funds.update_policy(ctx, fund_id, body))
