"""HTTP routes of the insights service (the probes come from the service kit)."""

from __future__ import annotations

from fastapi import APIRouter

from abri_insights.api.insights import members, public

routers: list[APIRouter] = [members]
public_routers: list[APIRouter] = [public]
