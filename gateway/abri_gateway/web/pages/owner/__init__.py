"""The owner's pages: my units (create, edit, publish, withdraw), my shared homes and their rooms, proposals to answer, my guarantees
with unpaid-rent claims, and the visa check. Each module holds one part and its own router; this one puts
them under ``/owner``."""

from __future__ import annotations

from fastapi import APIRouter

from abri_gateway.web.pages.owner import guarantees, proposals, shared_homes, units

router = APIRouter(prefix="/owner")
for part in (units, shared_homes, proposals, guarantees):
    router.include_router(part.router)
