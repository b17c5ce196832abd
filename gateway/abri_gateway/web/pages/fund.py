"""The fund agent's pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from abri_gateway.web.visit import Visit, for_roles

router = APIRouter(prefix="/fund")
Page = Annotated[Visit, Depends(for_roles("fund_agent"))]
