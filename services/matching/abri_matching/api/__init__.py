"""HTTP routes of the matching service (the probes come from the service kit)."""

from __future__ import annotations

from fastapi import APIRouter

from abri_matching.api.allocations import router as allocations_router
from abri_matching.api.associations import router as associations_router
from abri_matching.api.cohabitation import router as cohabitation_router
from abri_matching.api.export import router as export_router
from abri_matching.api.households import router as households_router
from abri_matching.api.inventories import router as inventories_router
from abri_matching.api.invitations import accepting as invitation_accept_router
from abri_matching.api.invitations import router as invitations_router
from abri_matching.api.matches import router as matches_router
from abri_matching.api.placements import router as placements_router

routers: list[APIRouter] = [
    households_router,
    invitations_router,
    invitation_accept_router,
    matches_router,
    associations_router,
    allocations_router,
    placements_router,
    inventories_router,
    cohabitation_router,
    export_router,
]
