"""The batch allocation's suggestions: reviewed, proposed from the suggestion's page, or dismissed."""

from __future__ import annotations

import uuid
from typing import Any

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
    return render(page, "suggestions.html", suggestions=once_per_household(found), references=references, next_link=next_link)


def once_per_household(suggestions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each household once: its best suggestion still to review (the service lists the best first), else its
    best reviewed one; with how many others it has (several batch runs suggest homes to the same household)."""
    chosen: dict[str, dict[str, Any]] = {}
    others: dict[str, int] = {}
    for suggestion in suggestions:
        household = suggestion["household_id"]
        current = chosen.get(household)
        if current is None:
            chosen[household] = suggestion
            continue
        others[household] = others.get(household, 0) + 1
        if current["status"] != "pending" and suggestion["status"] == "pending":
            chosen[household] = suggestion
    return [{**suggestion, "others": others.get(household, 0)} for household, suggestion in chosen.items()]


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
