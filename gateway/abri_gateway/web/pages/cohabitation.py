"""An intergenerational cohabitation contract's document, for its parties and its association: matching writes it
in the reader's language (a PDF); anyone else gets the 404 page."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from abri_gateway.web.api import ApiError
from abri_gateway.web.conflicts import explained
from abri_gateway.web.i18n import gettext as _
from abri_gateway.web.visit import PageError, Visit, for_roles

router = APIRouter(prefix="/cohabitation")
Party = Annotated[Visit, Depends(for_roles("owner", "social_worker", "household"))]


@router.get("/placements/{placement_id}/contract.pdf", summary="The cohabitation contract and its charter, as a PDF in my language")
async def contract(placement_id: uuid.UUID, page: Party) -> Response:
    language = page.lang if page.lang in ("fr", "en", "ar", "uk") else "fr"
    try:
        return await page.download("matching", f"/v1/placements/{placement_id}/cohabitation-contract", lang=language)
    except ApiError as exc:
        if exc.status == 409:  # the placement's, but no contract recorded yet
            raise PageError(409, explained(exc)) from exc
        if exc.status in (403, 404):
            raise PageError(404, _("This page does not exist, or it is not yours.")) from exc
        raise
