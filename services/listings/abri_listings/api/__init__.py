"""HTTP routes of the listings service (the probes come from the service kit)."""

from __future__ import annotations

from fastapi import APIRouter

from abri_listings.api.export import router as export_router
from abri_listings.api.search import router as search_router
from abri_listings.api.shared_homes import router as shared_homes_router
from abri_listings.api.units import router as units_router

routers: list[APIRouter] = [units_router, shared_homes_router, search_router, export_router]
