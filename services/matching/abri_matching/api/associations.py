"""An association's own matching settings: its rent-burden threshold and the schemes it works with."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import Field

from abri_auth.dependencies import require_roles
from abri_auth.principal import Principal
from abri_contracts.listings import LettingScheme
from abri_kit.clock import Now
from abri_kit.db import SessionDep
from abri_kit.input import Input, Output
from abri_kit.problems import Problem
from abri_matching.db.associations import AssociationSettings
from abri_matching.domain.policy import MatchingPolicy
from abri_matching.ranking_queries import ALL_SCHEMES, association_settings

router = APIRouter(prefix="/v1/association", tags=["association"])
SocialWorker = Annotated[Principal, Depends(require_roles("social_worker"))]


class SettingsIn(Input):
    rent_burden_threshold: float = Field(
        ge=0.05, le=1, description="Highest rent burden (rent + charges − housing benefit) / resources your households may take on."
    )
    schemes: list[LettingScheme] = Field(min_length=1, max_length=7, description="The letting schemes your association works with.")


class SettingsOut(SettingsIn, Output):
    org_id: str
    default: bool = Field(description="True while the association has not set its own (the policy's defaults apply).")


def org_of(principal: Principal) -> str:
    if not principal.org_id:
        raise Problem(403, "a social worker acts for an association: the token has no org_id")
    return principal.org_id


@router.get("/settings", summary="My association's matching settings")
async def read_settings(principal: SocialWorker, session: SessionDep, request: Request) -> SettingsOut:
    org_id = org_of(principal)
    policy: MatchingPolicy = request.app.state.policy
    threshold, schemes = await association_settings(session, org_id, policy)
    own = await session.get(AssociationSettings, org_id)
    return SettingsOut(org_id=org_id, rent_burden_threshold=threshold, schemes=sorted(schemes), default=own is None)


@router.put("/settings", summary="Set my association's matching settings")
async def write_settings(body: SettingsIn, principal: SocialWorker, session: SessionDep, now: Now) -> SettingsOut:
    org_id = org_of(principal)
    row = await session.get(AssociationSettings, org_id, with_for_update=True)
    if row is None:
        row = AssociationSettings(org_id=org_id)
        session.add(row)
    row.rent_burden_threshold = body.rent_burden_threshold
    row.schemes = sorted(set(body.schemes) & ALL_SCHEMES)
    row.updated_by = principal.subject
    row.updated_at = now
    await session.flush()
    return SettingsOut(org_id=org_id, rent_burden_threshold=row.rent_burden_threshold, schemes=row.schemes, default=False)
