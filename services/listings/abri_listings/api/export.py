"""A household's export from listings: an empty, explicit document (listings holds nothing about a
household), so that the archive the gateway assembles names every service."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from pydantic import Field

from abri_auth.dependencies import require_roles
from abri_auth.principal import Principal
from abri_kit.dependencies import Ctx
from abri_kit.exports import HouseholdExport
from abri_listings.usecases import export as exporting

router = APIRouter(prefix="/v1/households", tags=["export"])
Exporter = Annotated[Principal, Depends(require_roles("social_worker", "household"))]


class ListingsExport(HouseholdExport):
    """What the listings service holds about one household: nothing."""

    service: Literal["listings"] = "listings"
    holds: Literal["nothing"] = Field(description="Listings keeps units and their owners, never a household's data.")
    documents: list[str] = Field(default_factory=list, description="Listings keeps no document about a household.")


@router.get("/{household_id}/export", summary="What listings holds about a household: nothing (an explicit, empty export)")
async def export_household(household_id: uuid.UUID, _: Exporter, ctx: Ctx) -> ListingsExport:
    found = await exporting.export_household(ctx, household_id)
    return ListingsExport(
        schema_version=exporting.SCHEMA_VERSION, generated_at=found.generated_at, household_id=found.household_id, holds=exporting.HOLDS
    )
