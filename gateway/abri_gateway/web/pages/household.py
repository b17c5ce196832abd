"""The household's pages: my file as my association registered it, my personal data on request (a read
the matching service logs), who read them and why, my consents, and my messages.

A household signed in reads only what is keyed by its own sign-in subject (the record's
``account_subject``): the matching service scopes every query to it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse

from abri_gateway.web.api import ApiError
from abri_gateway.web.i18n import gettext as _
from abri_gateway.web.visit import Visit, for_roles

router = APIRouter(prefix="/household")
Page = Annotated[Visit, Depends(for_roles("household"))]
OWN_REQUEST = "household_own_request"


def words() -> dict[str, dict[str, str]]:
    """The household's codes in words (translated in the current language)."""
    return {
        "status": {
            "searching": _("Looking for a home"),
            "proposed": _("A home is proposed"),
            "placed": _("Housed"),
            "archived": _("Closed"),
        },
        "consent": {
            "matching": _("Looking for a home for you among the units on Abri"),
            "share_with_owner_after_acceptance": _("Giving your name and contact details to an owner who accepted you"),
            "guarantee_file": _("Sending your file to a rent guarantee fund"),
            "notifications": _("Sending you messages about your file"),
        },
        "purpose": {
            "support_follow_up": _("Following up your support"),
            "contact": _("Contacting you"),
            "placement_proposal": _("Proposing a home"),
            "guarantee_file": _("Preparing your rent guarantee file"),
            "lease_signature": _("Signing your lease"),
            "household_own_request": _("You asked to see your data"),
            "owner_after_acceptance": _("The owner who accepted you"),
            "export": _("Your data were exported (downloaded)"),
        },
        "priority": {
            "dalo_decision": _("A favourable DALO decision"),
            "disability": _("Disability"),
            "domestic_violence": _("Domestic violence"),
            "forced_marriage_or_prostitution": _("Threat of forced marriage, or leaving prostitution"),
            "leaving_shelter_or_therapeutic_housing": _("Leaving a shelter or therapeutic housing"),
            "unfit_or_dangerous_housing": _("Unfit or dangerous housing"),
            "threatened_with_eviction": _("Threatened with eviction"),
            "no_home": _("Without a home"),
            "non_decent_or_overcrowded_with_minor_or_disabled": _("Non-decent or overcrowded housing, with a child or a disabled person"),
        },
    }


def say(kind: str, code: object) -> str:
    """The word for a code of the household's pages (a code without one shows as itself)."""
    return words().get(kind, {}).get(str(code), str(code))


@router.get("", response_class=HTMLResponse, summary="My file: what my association registered, my consents, who read my data")
async def my_file(page: Page) -> HTMLResponse:
    return await _page(page)


@router.post("/personal-data", response_class=HTMLResponse, summary="Show my personal data (the read is logged)")
async def my_personal_data(page: Page) -> HTMLResponse:
    await page.form()
    mine = await _households(page)
    if not mine:
        return await _page(page)
    household = next((h for h in mine if not h["erased"]), mine[0])
    try:
        personal = await page.api("GET", "matching", f"/v1/households/{household['id']}/personal-data", params={"purpose": OWN_REQUEST})
    except ApiError as exc:
        if exc.status != 410:
            raise
        page.notices.append(("info", _("Your personal data were erased at your association's request: Abri no longer holds them.")))
        return await _page(page, status=410)
    return await _page(page, personal=personal)


async def _households(page: Visit) -> list[dict[str, Any]]:
    """The household records keyed by my sign-in (the service lists a household only its own)."""
    return await page.every("matching", "/v1/households")


async def _page(page: Visit, *, status: int = 200, personal: dict[str, Any] | None = None) -> HTMLResponse:
    mine = await _households(page)
    household = next((h for h in mine if not h["erased"]), mine[0] if mine else None)
    consents: list[dict[str, Any]] = []
    reads: list[dict[str, Any]] = []
    placements: list[dict[str, Any]] = []
    if household is not None:
        path = f"/v1/households/{household['id']}"
        consents = await page.every("matching", f"{path}/consents")
        reads = await page.every("matching", f"{path}/access-log")
        placements = await page.every("matching", "/v1/placements")  # the service lists a household only its own
    caller = page.signed().principal
    return page.render(
        "household/file.html",
        status=status,
        household=household,
        personal=personal,
        consents=consents,
        reads=list(reversed(reads)),
        placements=placements,
        me=caller.subject,
        my_org=caller.org_id,
        say=say,
    )
