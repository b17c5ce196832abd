"""The household's pages: my file as my association registered it, my personal data on request (a read
the matching service logs), who read them and why in every service, my consents, my rent guarantee files
(where each stands, the state of each category of documents, my visa and its certificate), and my
messages; the erasure of my data, asked for after a confirmation step.

A household signed in reads only what is keyed by its own sign-in subject (the record's
``account_subject``): each service scopes every query to it. Who read its data comes from each service's
access log (matching: its record; guarantees: its guarantee files; notifications: its addresses and
messages; the assistant: the conversations it handed to its association), each
reader named by its organisation's name (``organisations.py``) and its role, never by its subject id.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response

from abri_gateway.web.api import ApiError
from abri_gateway.web.i18n import gettext as _
from abri_gateway.web.organisations import Organisations
from abri_gateway.web.visit import PageError, Visit, for_roles

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
            "inventory": _("Reading the inventory of your home (état des lieux)"),
            "export": _("Your data were exported (downloaded)"),
            "review_file": _("Reviewing your rent guarantee file"),
            "check_identity": _("Checking your identity"),
            "check_resources": _("Checking your resources"),
            "information_request_answer": _("Answering the fund's request for more information"),
            "read_messages": _("Reading the messages about your file"),
            "visa_certificate": _("Drawing up your rent guarantee certificate"),
            "support": _("Helping you with a problem with your messages"),
            "account_linked": _("Your account was linked to your file (you accepted the invitation)"),
            "account_unlinked": _("Your association unlinked an account from your file"),
            "handover": _("Reading the conversation with the assistant that you handed to your association"),
        },
        "role": {
            "social_worker": _("Social worker"),
            "fund_agent": _("Rent guarantee fund agent"),
            "owner": _("Owner"),
            "ops": _("Abri's operations team"),
            "household": _("The household itself"),
        },
        "service": {
            "matching": _("Your search file"),
            "guarantees": _("Your rent guarantee file"),
            "notifications": _("Your contact details for messages"),
            "listings": _("Homes offered on Abri"),
            "assistant": _("Your conversations with the assistant"),
        },
        "erased_in": {
            "matching": _("Your file, your personal data and your consents"),
            "guarantees": _("Your rent guarantee files and their documents"),
            "notifications": _("Your messages and your contact details"),
            "listings": _("Homes offered on Abri (nothing about you is held there)"),
            "assistant": _("Your conversations with the assistant"),
        },
        "kept": {
            "consent_proof": _("The dates of your consents, as the proof that your data were processed lawfully"),
            "placement_history": _("The steps of the housing proposals made to you, without your name"),
            "erasure_record": _("The record that your data were erased"),
            "inventories": _("The inventories of the homes you rented (their condition, notes and photos), the lease's evidence"),
            "paid_claims": _("The rent guarantee payments a fund made (accounting records), without your name"),
            "guarantee_records": _("A rent guarantee and its unpaid claims, without your name"),
        },
        "guarantee_status": {
            "ineligible": _("The file does not meet the fund's conditions"),
            "under_review": _("The fund is reading your file"),
            "information_requested": _("The fund asked your association for more information"),
            "resubmitted": _("Your association sent the information: the fund is reading your file again"),
            "approved": _("Accepted: your visa is ready"),
            "rejected": _("The fund said no"),
            "withdrawn": _("Your association withdrew this file"),
        },
        "document_state": {
            "received": _("Received"),
            "missing": _("Still needed"),
            "to_follow": _("Still needed before the lease"),
            "not_required": _("Not asked by this fund"),
        },
        "visa_status": {
            "valid": _("Valid"),
            "expired": _("Expired"),
            "revoked": _("Withdrawn by the fund"),
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


LOGS = {
    "matching": "/v1/households/{id}/access-log",
    "guarantees": "/v1/households/{id}/access-log",
    "notifications": "/v1/households/{id}/access-log",
    "assistant": "/v1/me/access-log",
}
"""Where each service lists who read the household's data: matching its record, guarantees its guarantee
files, notifications what it holds under the household's account (its addresses, its messages), the
assistant the conversations the person handed to its association (kept by the person's account: its own
log, ``/v1/me``)."""


@dataclass(frozen=True)
class Read:
    """One reading of the household's data, in words: never the reader's subject id."""

    at: datetime
    service: str
    who: str
    role: str
    purpose: str


def reader(entry: dict[str, Any], me: str, my_org: str | None, organisations: Organisations) -> tuple[str, str]:
    """Who read (an organisation's name, or what it is when the deployment gave it no name) and in which
    role, in words."""
    role, org = entry.get("actor_role"), entry.get("actor_org")
    role_words = say("role", role) if role else _("Role not recorded")
    if entry.get("actor") == me:
        return _("You"), role_words
    named = organisations.name(org)
    if role == "owner" or entry.get("purpose") == "owner_after_acceptance":
        return _("The owner who accepted you"), say("role", "owner")
    if named:
        return named, role_words
    if role == "ops":
        return _("Abri"), role_words
    if org and org == my_org:
        return _("Your association"), role_words
    if role == "fund_agent":
        return _("A rent guarantee fund"), role_words
    return _("An organisation"), role_words


async def reads_of(page: Visit, household: dict[str, Any]) -> tuple[list[Read], list[str]]:
    """Every reading of the household's data in every service, the latest first; and the services whose
    list could not be read (the page says so rather than showing a list as complete)."""
    caller = page.signed().principal
    organisations = Organisations.of(page.site.settings)
    reads: list[Read] = []
    missing: list[str] = []
    for service, path in LOGS.items():
        try:
            entries = await page.every(service, path.format(id=household["id"]))
        except ApiError as exc:
            if exc.status == 404:  # the service has not heard of the household yet: nothing read there
                continue
            missing.append(service)
            continue
        for entry in entries:
            who, role = reader(entry, caller.subject, caller.org_id, organisations)
            at = datetime.fromisoformat(str(entry["at"]).replace("Z", "+00:00"))
            reads.append(Read(at, service, who, role, say("purpose", entry["purpose"])))
    reads.sort(key=lambda read: read.at, reverse=True)
    return reads, missing


@dataclass(frozen=True)
class Steps:
    """Where a guarantee file stands, as DSFR's stepper shows it: step ``current`` of ``total``, its title and
    the next one (None at the end)."""

    current: int
    total: int
    title: str
    next: str | None


GUARANTEE_STEPS = 3
"""Sent to the fund, read by the fund, decided."""


def steps_of(file: dict[str, Any]) -> Steps:
    """The household's file in three steps: sent, read by the fund, decided (the decision, whatever it is,
    ends the steps)."""
    status = str(file["status"])
    title = say("guarantee_status", status)
    if status in ("under_review", "information_requested", "resubmitted"):
        return Steps(2, GUARANTEE_STEPS, title, _("The fund's answer"))
    return Steps(GUARANTEE_STEPS, GUARANTEE_STEPS, title, None)


async def guarantee_files(page: Visit, household: dict[str, Any]) -> tuple[list[dict[str, Any]], bool]:
    """My guarantee files from the guarantees service (its household-scoped read), and whether they could
    be read (the page says so rather than show none)."""
    try:
        answer = await page.api("GET", "guarantees", f"/v1/households/{household['id']}/files")
    except ApiError as exc:
        if exc.status == 404:  # the service has not heard of the household yet: no file
            return [], True
        if exc.status >= 500:
            return [], False
        raise
    return list(answer["items"]), True


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
    reads: list[Read] = []
    unread: list[str] = []
    placements: list[dict[str, Any]] = []
    guarantees: list[dict[str, Any]] = []
    guarantees_read = True
    if household is not None:
        path = f"/v1/households/{household['id']}"
        consents = await page.every("matching", f"{path}/consents")
        reads, unread = await reads_of(page, household)
        placements = await page.every("matching", "/v1/placements")  # the service lists a household only its own
        guarantees, guarantees_read = await guarantee_files(page, household)
    return page.render(
        "household/file.html",
        status=status,
        household=household,
        personal=personal,
        consents=consents,
        reads=reads,
        unread=unread,
        placements=placements,
        guarantees=guarantees,
        guarantees_read=guarantees_read,
        steps_of=steps_of,
        say=say,
    )


@router.get("/guarantees/{file_id}/visa.pdf", summary="Download my visa certificate (a logged read)")
async def my_visa_pdf(file_id: uuid.UUID, page: Page) -> Response:
    """The certificate names its holder: it comes through the export of my data (logged as such)."""
    household = await _mine(page)
    if household is None:
        raise PageError(404, _("This page does not exist, or it is not yours."))
    try:
        return await page.download("guarantees", f"/v1/households/{household['id']}/export/visas/{file_id}")
    except ApiError as exc:
        if exc.status in (403, 404, 410):
            raise PageError(404, _("This page does not exist, or it is not yours.")) from exc
        raise


# --- the erasure of my data -------------------------------------------------------------------------
@router.get("/erasure", response_class=HTMLResponse, summary="Ask for the erasure of my data: what is erased, what the law keeps")
async def erasure(page: Page) -> HTMLResponse:
    household = await _mine(page)
    if household is None:
        return page.render("household/erasure.html", household=None, erasure=None, say=say)
    try:
        state = await page.api("GET", "matching", f"/v1/households/{household['id']}/erasure")
    except ApiError as exc:
        if exc.status != 404:  # 404: none asked yet
            raise
        state = None
    return page.render("household/erasure.html", household=household, erasure=state, say=say)


@router.post("/erasure", response_class=HTMLResponse, summary="Erase my data in every service (confirmed), and see where it stands")
async def erase(page: Page) -> HTMLResponse:
    await page.form()
    household = await _mine(page)
    if household is None:
        return page.render("household/erasure.html", household=None, erasure=None, say=say)
    state = await page.api("POST", "matching", f"/v1/households/{household['id']}/erasure", json_body={})
    # The answer is the only time the household sees it: its account is unlinked from the erased record.
    return page.render("household/erasure.html", household=household, erasure=state, just_asked=True, say=say)


async def _mine(page: Visit) -> dict[str, Any] | None:
    mine = await _households(page)
    return next((h for h in mine if not h["erased"]), None)
