"""HTTP routes of the matching service (the probes come from the service kit)."""

from __future__ import annotations

from fastapi import APIRouter

from abri_matching.api.households import router as households_router

routers: list[APIRouter] = [households_router]
