"""HTTP routes of the guarantees service (the probes come from the service kit)."""

from __future__ import annotations

from fastapi import APIRouter

from abri_guarantees.api.documents import router as documents
from abri_guarantees.api.export import router as export
from abri_guarantees.api.files import router as files
from abri_guarantees.api.funds import router as funds
from abri_guarantees.api.guarantees import router as guarantees
from abri_guarantees.api.household_access_log import router as household_access_log
from abri_guarantees.api.household_files import router as household_files
from abri_guarantees.api.visas import public
from abri_guarantees.api.visas import router as visas

routers: list[APIRouter] = [funds, files, documents, visas, guarantees, household_access_log, household_files, export]
public_routers: list[APIRouter] = [public]
"""Named public by the guarantees issue: the visa check and the keys of visa tokens."""
