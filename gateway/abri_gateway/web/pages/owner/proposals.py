"""The proposals made for the owner's units: the anonymous household summary, accept, decline, agree to a slide.

The list is paged and filtered by what the owner has to do with it (to answer, accepted, declined or
ended, all), each filter with its true count (matching's ``/v1/placements/counts``, in the list's scope)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, RedirectResponse

from abri_gateway.web import forms
from abri_gateway.web.api import ApiError
from abri_gateway.web.conflicts import explained
from abri_gateway.web.i18n import gettext as _
from abri_gateway.web.pages.owner.shared import DECLINE_REASONS, Owner
from abri_gateway.web.visit import Visit

router = APIRouter()


SHOWN = {
    "to_answer": ("proposed",),
    "accepted": ("accepted", "awaiting_guarantee", "guaranteed", "lease_signed", "slid"),
    "ended": ("declined", "expired", "withdrawn", "guarantee_rejected"),
    "all": (),
}
"""The filters of the list, by what the owner has to do: each the placement statuses it shows (all: any)."""
Shown = Literal["to_answer", "accepted", "ended", "all"]
PER_PAGE = 20
"""Proposals per page: each shows its household's summary and its answer forms."""


@router.get("/proposals", response_class=HTMLResponse, summary="Proposals for my units, filtered by what to do, in pages")
async def proposals(page: Owner, show: Shown | None = None, cursor: Annotated[str | None, Query(max_length=1000)] = None) -> HTMLResponse:
    counted = (await page.api("GET", "matching", "/v1/placements/counts"))["counts"]
    counts = {name: sum(counted.get(s, 0) for s in statuses) if statuses else sum(counted.values()) for name, statuses in SHOWN.items()}
    if show is None:  # what waits for an answer first; with none, everything (a slide to agree to among it)
        show = "to_answer" if counts["to_answer"] else "all"
    placements, next_cursor = await page.page_of("matching", "/v1/placements", cursor, status=list(SHOWN[show]), limit=PER_PAGE)
    units = {u["id"]: u for u in await page.every("listings", "/v1/units")} if placements else {}
    return page.render(
        "owner/proposals.html", placements=placements, units=units, decline_reasons=DECLINE_REASONS, show=show, counts=counts,
        next_link=next_cursor and page.link("/owner/proposals", show=show, cursor=next_cursor),
        first_link=cursor and page.link("/owner/proposals", show=show),
    )  # fmt: skip


@router.post("/proposals/{placement_id}/accept", summary="Accept a proposal")
async def accept(placement_id: uuid.UUID, page: Owner) -> RedirectResponse:
    form = await page.form()
    body = {"require_guarantee": forms.checked(form, "require_guarantee")}
    return await _answer(page, placement_id, "accept", body, _("You accepted the proposal: the association is told."))


@router.post("/proposals/{placement_id}/decline", summary="Decline a proposal (no penalty for the household)")
async def decline(placement_id: uuid.UUID, page: Owner) -> RedirectResponse:
    form = await page.form()
    reason = forms.text(form, "reason")
    if reason not in DECLINE_REASONS:
        page.notify("error", _("Choose why you decline."))
        return page.redirect("/owner/proposals")
    return await _answer(page, placement_id, "decline", {"reason": reason}, _("You declined the proposal: the association is told."))


@router.post("/proposals/{placement_id}/slide-agreement", summary="Agree that a sliding lease slides to the household")
async def agree_slide(placement_id: uuid.UUID, page: Owner) -> RedirectResponse:
    await page.form()
    return await _answer(page, placement_id, "slide-agreement", None, _("You agreed to the slide: the association is told."))


async def _answer(page: Visit, placement_id: uuid.UUID, verb: str, body: dict[str, Any] | None, done: str) -> RedirectResponse:
    placement = await page.get("matching", f"/v1/placements/{placement_id}")
    try:
        await page.api(
            "POST", "matching", f"/v1/placements/{placement_id}/{verb}", json_body=body, headers={"if-match": f'"{placement["version"]}"'}
        )
    except ApiError as exc:
        if exc.status >= 500:
            raise
        page.notify("error", explained(exc))
        return page.redirect("/owner/proposals")
    page.notify("success", done)
    return page.redirect("/owner/proposals")
