"""The social worker's pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from abri_gateway.web.visit import Visit, for_roles

router = APIRouter(prefix="/association")
Page = Annotated[Visit, Depends(for_roles("social_worker"))]
