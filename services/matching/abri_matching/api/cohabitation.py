"""An intergenerational cohabitation contract's document (CCH art. L631-17), for its parties and its association."""

from __future__ import annotations

import uuid
from typing import Annotated

import anyio
from fastapi import APIRouter, Depends, Query, Response

from abri_auth.dependencies import require_roles
from abri_auth.principal import Principal
from abri_kit.dependencies import Ctx
from abri_kit.pdf import font_uri, render_pdf
from abri_matching.api.state import Keys, Settings
from abri_matching.cohabitation_pdf import agreement_html
from abri_matching.inventory_words import Language
from abri_matching.usecases import cohabitation

router = APIRouter(tags=["placements"])
Party = Annotated[Principal, Depends(require_roles("owner", "social_worker", "household"))]


@router.get(
    "/v1/placements/{placement_id}/cohabitation-contract",
    summary="An intergenerational cohabitation contract and its charter as a tagged PDF, in its reader's language",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}, 409: {"description": "No cohabitation contract is recorded yet"}},
)
async def contract_pdf(
    placement_id: uuid.UUID,
    _: Party,
    ctx: Ctx,
    keys: Keys,
    settings: Settings,
    lang: Annotated[Language, Query(description="fr (the contract's language), en, ar or uk.")] = "fr",
) -> Response:
    found = await cohabitation.agreement(ctx, keys, placement_id)
    font = font_uri(settings.pdf_font_path, "cohabitation contract")
    html = await anyio.to_thread.run_sync(agreement_html, found, lang, font)
    body = await render_pdf(html, font, "cohabitation contract PDF")
    name = f"contrat-cohabitation-intergenerationnelle-{found.starts_on.isoformat()}.pdf"
    return Response(
        body,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "private, no-store"},
    )
