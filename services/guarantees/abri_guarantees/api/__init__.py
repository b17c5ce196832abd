"""HTTP routes of the guarantees service (the probes come from the service kit)."""

from __future__ import annotations

from fastapi import APIRouter

from abri_guarantees.api.files import router as files
from abri_guarantees.api.funds import router as funds

routers: list[APIRouter] = [funds, files]
