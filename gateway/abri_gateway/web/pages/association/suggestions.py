"""The batch allocation's suggestions: reviewed, proposed from the suggestion's page, or dismissed."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse

from abri_gateway.web.i18n import gettext as _
from abri_gateway.web.labels import SCHEMES
from abri_gateway.web.pages.association.shared import Cursor, Page, act, household_references, not_found, render

router = APIRouter()


@router.get("/suggestions", response_class=HTMLResponse, summary="Batch allocation suggestions to review")
async def suggestions(page: Page, cursor: Cursor = None) -> HTMLResponse:
    found, next_cursor = await page.page_of("matching", "/v1/suggestions", cursor)
    references = await household_references(page)
    next_link = next_cursor and page.link("/association/suggestions", cursor=next_cursor)
    return render(page, "suggestions.html", suggestions=found, references=references, next_link=next_link)


@router.get("/suggestions/{suggestion_id}", response_class=HTMLResponse, summary="A suggestion: the unit, the reasons, propose")
async def suggestion(suggestion_id: uuid.UUID, page: Page) -> HTMLResponse:
    found = next((s for s in await page.every("matching", "/v1/suggestions") if s["id"] == str(suggestion_id)), None)
    if found is None:
        raise not_found()
    record = await page.get("matching", f"/v1/households/{found['household_id']}")
    match = None
    if record["status"] == "searching":
        matches = await page.api("GET", "matching", f"/v1/households/{record['id']}/matches", params={"limit": 100})
        match = next((m for m in matches if m["unit"]["unit_id"] == found["unit_id"]), None)
    schemes = [s for s in SCHEMES if s in match["unit"]["schemes"]] if match else list(SCHEMES)
    return render(page, "suggestion.html", suggestion=found, household=record, match=match, schemes=schemes)


@router.post("/suggestions/{suggestion_id}/dismiss", summary="Dismiss a suggestion (no penalty for anyone)")
async def dismiss_suggestion(suggestion_id: uuid.UUID, page: Page) -> RedirectResponse:
    await page.form()
    return await act(
        page, "POST", "matching", f"/v1/suggestions/{suggestion_id}/dismiss", back="/association/suggestions",
        done=_("The suggestion is dismissed. Nobody is penalised for it."), refused=_("This suggestion was already reviewed."),
    )  # fmt: skip
