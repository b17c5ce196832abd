"""The household's pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from abri_gateway.web.visit import Visit, for_roles

router = APIRouter(prefix="/household")
Page = Annotated[Visit, Depends(for_roles("household"))]
