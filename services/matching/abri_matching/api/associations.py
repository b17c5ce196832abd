"""An association's own matching settings: its rent-burden threshold and the schemes it works with."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import Field

from abri_auth.dependencies import require_roles
from abri_auth.principal import Principal
from abri_contracts.listings import SCHEME_COUNT, LettingScheme
from abri_kit.dependencies import Ctx
from abri_kit.input import Input, Output
from abri_matching.api.state import Policy
from abri_matching.usecases import association_settings
from abri_matching.usecases.association_settings import Settings

router = APIRouter(prefix="/v1/association", tags=["association"])
SocialWorker = Annotated[Principal, Depends(require_roles("social_worker"))]


class SettingsIn(Input):
    rent_burden_threshold: float = Field(
        ge=0.05, le=1, description="Highest rent burden (rent + charges − housing benefit) / resources your households may take on."
    )
    schemes: list[LettingScheme] = Field(
        min_length=1, max_length=SCHEME_COUNT, description="The letting schemes your association works with."
    )


class SettingsOut(SettingsIn, Output):
    org_id: str
    default: bool = Field(description="True while the association has not set its own (the policy's defaults apply).")


def out(settings: Settings) -> SettingsOut:
    return SettingsOut(
        org_id=settings.org_id,
        rent_burden_threshold=settings.rent_burden_threshold,
        schemes=settings.schemes,
        default=settings.default,
    )


@router.get("/settings", summary="My association's matching settings")
async def read_settings(_: SocialWorker, ctx: Ctx, policy: Policy) -> SettingsOut:
    return out(await association_settings.read_settings(ctx, policy))


@router.put("/settings", summary="Set my association's matching settings")
async def write_settings(body: SettingsIn, _: SocialWorker, ctx: Ctx) -> SettingsOut:
    return out(await association_settings.write_settings(ctx, body.rent_burden_threshold, list(body.schemes)))
