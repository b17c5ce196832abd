"""The social worker's pages: my association's households (register, edit, consents, the privacy notice,
who read their personal data), searching units, explained matches both ways, batch suggestions,
proposals, placements and their timeline (lease, sliding-lease reviews), and guarantee files with their
documents and visa.

Every call goes to the services with the worker's own token: they scope everything to the association,
so another association's id answers the 404 page. Personal data never go in a URL: filters and ids only.
"""

from __future__ import annotations

import hmac
import re
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import aiohttp
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData, UploadFile

from abri_gateway.web import forms
from abri_gateway.web.api import ApiError
from abri_gateway.web.i18n import gettext as _
from abri_gateway.web.visit import PageError, Visit, for_roles

router = APIRouter(prefix="/association")
Page = Annotated[Visit, Depends(for_roles("social_worker"))]

PARIS = ZoneInfo("Europe/Paris")
NOTICE_VERSION = "2026-01"
"""The version of the privacy notice the household form shows (recorded with each consent)."""

SCHEMES = (
    "intermediated_letting",
    "management_mandate",
    "sliding_lease",
    "loc_avantages_1",
    "loc_avantages_2",
    "loc_avantages_3",
    "direct_lease",
)
ACCESSIBILITY = ("step_free_access", "accessible_bathroom", "wide_doors", "ground_floor", "lift_access")
PRIORITY_SITUATIONS = (
    "dalo_decision",
    "disability",
    "domestic_violence",
    "forced_marriage_or_prostitution",
    "leaving_shelter_or_therapeutic_housing",
    "unfit_or_dangerous_housing",
    "threatened_with_eviction",
    "no_home",
    "non_decent_or_overcrowded_with_minor_or_disabled",
)
CONSENT_PURPOSES = ("matching", "share_with_owner_after_acceptance", "guarantee_file", "notifications")
WITHDRAW_REASONS = ("household_withdrew", "household_housed_elsewhere", "association_decision", "other")
LEASE_TYPES = ("direct", "sub_let", "sliding")
REVIEW_OUTCOMES = ("continue", "ready_to_slide")
SORTS = ("available_from", "total_cost", "distance", "newest")
DOCUMENT_KINDS = ("identity", "proof_of_address", "professional_situation", "resources")
SUB_KINDS = {
    "identity": ("national_identity_card", "passport", "driving_licence", "residence_permit"),
    "proof_of_address": (
        "rent_receipts",
        "previous_landlord_certificate",
        "domiciliation_certificate",
        "host_statement",
        "property_tax_or_title_deed",
    ),
    "professional_situation": (
        "employment_contract",
        "employer_certificate",
        "trade_register_extract",
        "crafts_register_extract",
        "insee_registration",
        "professional_card",
        "evidence_of_activity",
        "student_card",
    ),
    "resources": (
        "tax_notice",
        "payslips",
        "internship_allowance",
        "balance_sheets",
        "benefit_statements",
        "housing_aid_simulation",
        "student_grant_notice",
        "property_title_or_tax",
        "investment_income",
    ),
}
DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
"""The guarantees service's limit per document (``DocumentLimits.max_bytes``)."""
UPLOAD_LIMIT = DOCUMENT_MAX_BYTES + 64 * 1024
"""An upload form: one document and a few short fields."""
DOCUMENT_TYPES = "application/pdf,image/jpeg,image/png"
ACTIVE_PLACEMENTS = ("proposed", "accepted", "awaiting_guarantee", "guaranteed")
FILE_OPEN = ("under_review", "information_requested", "resubmitted")
INSEE = re.compile(r"^[0-9][0-9AB][0-9]{3}$")
DEPARTEMENT = re.compile(r"^(\d{2,3}|2A|2B)$")


# --- words for the codes these pages show ----------------------------------------------------------
def words() -> dict[str, dict[str, str]]:
    """Labels by kind of code, in the current language (a code without one shows as itself)."""
    return {
        "household_status": {
            "searching": _("Searching"),
            "proposed": _("Proposed for a home"),
            "placed": _("Housed"),
            "archived": _("Archived"),
        },
        "priority_level": {"0": _("No priority"), "1": _("Priority group (L441-1)"), "2": _("DALO decision")},
        "priority_situation": {
            "dalo_decision": _("DALO decision (enforceable right to housing)"),
            "disability": _("Disability, or a disabled person in the household"),
            "domestic_violence": _("Domestic violence"),
            "forced_marriage_or_prostitution": _("Threatened with forced marriage, or leaving prostitution"),
            "leaving_shelter_or_therapeutic_housing": _("Leaving a shelter or therapeutic housing"),
            "unfit_or_dangerous_housing": _("Living in unfit or dangerous housing"),
            "threatened_with_eviction": _("Threatened with eviction without rehousing"),
            "no_home": _("Without a home, or housed by others"),
            "non_decent_or_overcrowded_with_minor_or_disabled": _("Non-decent or overcrowded housing, with a child or a disabled person"),
        },
        "consent": {
            "matching": _("Matching: looking for homes that fit the household"),
            "share_with_owner_after_acceptance": _("Sharing the name and contact with the owner who accepts"),
            "guarantee_file": _("Filing a rent guarantee with a fund"),
            "notifications": _("Receiving messages about the search"),
        },
        "access_purpose": {
            "support_follow_up": _("Social follow-up"),
            "contact": _("Contacting the household"),
            "placement_proposal": _("Proposing a home"),
            "guarantee_file": _("Guarantee file"),
            "lease_signature": _("Lease signature"),
            "household_own_request": _("The household's own request"),
            "owner_after_acceptance": _("The owner, after accepting"),
        },
        "match_rule": {
            "overcrowding": _("Enough space for the household"),
            "accessibility": _("Accessibility needs"),
            "bedrooms": _("Bedrooms"),
            "rent_burden": _("Rent burden"),
            "wanted_place": _("Wanted place"),
            "availability": _("Available soon enough"),
            "scheme": _("Letting scheme"),
        },
        "component": {
            "priority": _("Priority"),
            "waiting_time": _("Waiting time"),
            "size_fit": _("Size fit"),
            "distance": _("Distance"),
        },
        "suggestion_status": {"pending": _("To review"), "dismissed": _("Dismissed"), "proposed": _("Proposed")},
        "withdraw_reason": {
            "household_withdrew": _("The household withdrew"),
            "household_housed_elsewhere": _("The household was housed elsewhere"),
            "association_decision": _("The association's decision"),
            "other": _("Another reason"),
        },
        "lease_type": {"direct": _("Direct lease"), "sub_let": _("Sub-let (occupancy agreement)"), "sliding": _("Sliding lease")},
        "review_outcome": {
            "continue": _("Not yet: another joint review later"),
            "ready_to_slide": _("Ready: the lease may slide to the household"),
        },
        "placement_step": {
            "propose": _("Proposed to the owner"),
            "accept": _("Accepted by the owner"),
            "decline": _("Declined by the owner"),
            "expire": _("Expired without an answer"),
            "request_guarantee": _("Guarantee asked for"),
            "approve_guarantee": _("Guarantee approved"),
            "reject_guarantee": _("Guarantee rejected"),
            "sign_lease": _("Lease signed"),
            "review": _("Joint review"),
            "slide": _("The lease slid to the household"),
            "withdraw": _("Withdrawn by the association"),
            "guarantee_not_activated": _("The guarantee was not activated"),
        },
        "role": {
            "social_worker": _("Association"),
            "owner": _("Owner"),
            "fund_agent": _("Guarantee fund"),
            "ops": _("Operations"),
            "system": _("Abri"),
        },
        "file_action": {
            "submit": _("Filed with the fund"),
            "request_information": _("Information requested by the fund"),
            "resubmit": _("Answered and filed again"),
            "approve": _("Approved: visa issued"),
            "reject": _("Rejected"),
            "withdraw": _("Withdrawn by the association"),
            "remove_document": _("Document removed"),
            "erase": _("Personal data erased (retention period over)"),
        },
        "guarantee_rule": {
            "age_or_situation": _("The fund does not guarantee this tenant at this age and in this situation."),
            "close_family": _("The fund does not guarantee a tenant who is a close relative of the landlord."),
            "rent_cap": _("The rent and charges are above the fund's cap."),
            "student_rent_cap": _("The rent and charges are above the fund's cap for students."),
            "rent_burden": _("The rent burden is too high for the household's resources."),
            "energy_class": _("The fund does not guarantee units of this energy class."),
            "departement": _("The fund does not cover this unit's département."),
            "documents_missing": _("Documents are missing."),
            "documents_inconsistent": _("The documents do not match each other."),
            "resources_not_proven": _("The resources are not proven."),
            "situation_not_proven": _("The situation is not proven."),
            "already_guaranteed": _("The tenant already has a guarantee."),
            "information_not_provided": _("The information asked for was not given."),
        },
        "document_kind": {
            "identity": _("Identity document"),
            "proof_of_address": _("Proof of address"),
            "professional_situation": _("Proof of professional situation"),
            "resources": _("Proof of resources"),
        },
        "document_sub_kind": {
            "national_identity_card": _("National identity card"),
            "passport": _("Passport"),
            "driving_licence": _("Driving licence"),
            "residence_permit": _("Residence permit"),
            "rent_receipts": _("Last three rent receipts"),
            "previous_landlord_certificate": _("Certificate from the previous landlord"),
            "domiciliation_certificate": _("Domiciliation certificate"),
            "host_statement": _("Sworn statement of the host"),
            "property_tax_or_title_deed": _("Property tax notice or title deed"),
            "employment_contract": _("Employment or internship contract"),
            "employer_certificate": _("Employer's certificate"),
            "trade_register_extract": _("Trade register extract"),
            "crafts_register_extract": _("Crafts register extract"),
            "insee_registration": _("INSEE registration (self-employed)"),
            "professional_card": _("Professional card"),
            "evidence_of_activity": _("Recent evidence of activity"),
            "student_card": _("Student card or certificate of enrolment"),
            "tax_notice": _("Tax notice"),
            "payslips": _("Last three payslips"),
            "internship_allowance": _("Internship allowance"),
            "balance_sheets": _("Last two balance sheets"),
            "benefit_statements": _("Benefit or pension statements"),
            "housing_aid_simulation": _("Housing aid simulation"),
            "student_grant_notice": _("Student grant notice"),
            "property_title_or_tax": _("Title deed or property tax notice"),
            "investment_income": _("Income from property, annuities or investments"),
        },
        "document_refusal": {
            "forbidden_document_kind": _("No landlord may ask for this document (loi 89-462, art. 22-2)."),
            "unknown_document_kind": _("This document is not on the legal list (décret 2015-1437)."),
            "unknown_document_sub_kind": _("This document is not of the chosen category."),
            "second_identity_document": _("The file already holds its one identity document: remove it first to replace it."),
            "too_many_documents": _("The file holds as many documents as it may."),
            "empty_document": _("The file you chose is empty."),
            "document_too_large": _("The file is too large: 10 MB at most."),
            "unsupported_content_type": _("Send a PDF, JPEG or PNG file."),
            "content_type_mismatch": _("The file's content is not what its type says: send a PDF, JPEG or PNG file."),
        },
        "fund_kind": {
            "visale": _("National guarantee (Visale-like)"),
            "fsl": _("Housing solidarity fund (FSL)"),
            "gli": _("Unpaid-rent insurance (GLI)"),
        },
    }


def term(kind: str, code: object) -> str:
    """The word for ``code`` (itself if it has none)."""
    return words().get(kind, {}).get(str(code), str(code))


def choices(codes: object, kind: str) -> list[tuple[str, str]]:
    return [(str(code), term(kind, code)) for code in codes]  # type: ignore[attr-defined]


def render(page: Visit, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page of this area (with its own words for codes)."""
    return page.render(f"association/{template}", status=status, term=term, choices=choices, **context)


def if_match(version: object) -> dict[str, str]:
    return {"if-match": f'"{version}"'}


def api_errors(exc: ApiError, fields: dict[str, str] | None = None) -> forms.FieldErrors:
    """A service's refusal as errors next to the form's fields (else at the top of the form)."""
    if exc.status >= 500:
        raise exc
    errors = forms.api_field_errors(exc, fields)
    if not errors:
        errors.add("_form", exc.detail)
    return errors


def today_in_france() -> str:
    return datetime.now(PARIS).date().isoformat()


def euros_typed(cents: int | None) -> str:
    """Cents back as people type euros (``450``, ``450.50``)."""
    return "" if cents is None else f"{cents / 100:.2f}".replace(".00", "")


# --- households --------------------------------------------------------------------------------------
HOUSEHOLD_FIELDS = {
    "resources_cents": "resources",
    "housing_benefit_cents": "housing_benefit",
    "needs.min_bedrooms": "min_bedrooms",
    "needs": "min_bedrooms",
    "wanted": "communes",
    "wanted.communes": "communes",
    "wanted.around": "latitude",
    "wanted.around.latitude": "latitude",
    "wanted.around.longitude": "longitude",
    "wanted.around.radius_km": "radius_km",
    "identity.first_name": "first_name",
    "identity.last_name": "last_name",
    "identity.birth_date": "birth_date",
    "identity.phone": "phone",
    "identity.email": "email",
    "identity": "first_name",
    "priority_situations": "priority_situations",
    "consent": "consents",
}


@router.get("/households", response_class=HTMLResponse, summary="My association's households (no personal data)")
async def households(page: Page) -> HTMLResponse:
    ours = await page.api("GET", "matching", "/v1/households")
    return render(page, "households.html", households=ours)


@router.get("/households/new", response_class=HTMLResponse, summary="Register a household")
async def new_household(page: Page) -> HTMLResponse:
    values = {"registered_since": today_in_france(), "adults": "1", "children": "0", "min_bedrooms": "0"}
    return _household_form(page, None, values | {"priority_situations": [], "consents": []}, {})


@router.post("/households/new", response_class=HTMLResponse, summary="Register a household, with its consent to matching")
async def create_household(page: Page) -> Response:
    form = await page.form()
    body, errors = household_body(form)
    consents = [c for c in forms.chosen(form, "consents") if c in CONSENT_PURPOSES]
    if "matching" not in consents:
        errors.add("consents", _("Tick the consent to matching: a household is registered only with it."))
    if errors:
        return _household_form(page, None, _household_values(form), errors, status=422)
    now = datetime.now(UTC).isoformat()
    body["consent"] = {"purpose": "matching", "notice_version": NOTICE_VERSION, "consented_at": now}
    try:
        created = await page.api("POST", "matching", "/v1/households", json_body=body)
    except ApiError as exc:
        errors = _household_errors(exc)
        return _household_form(page, None, _household_values(form), errors, status=exc.status if exc.status < 500 else 502)
    for purpose in consents:
        if purpose != "matching":
            consent = {"purpose": purpose, "notice_version": NOTICE_VERSION, "consented_at": now}
            await page.api("POST", "matching", f"/v1/households/{created['id']}/consents", json_body=consent)
    page.notify("success", _("The household is registered, with its consents."))
    return page.redirect(f"/association/households/{created['id']}")


@router.get("/households/{household_id}", response_class=HTMLResponse, summary="A household: record, consents, who read its data")
async def household(household_id: uuid.UUID, page: Page) -> HTMLResponse:
    return await _household_page(page, household_id, {}, {})


async def _household_page(
    page: Visit, household_id: uuid.UUID, values: dict[str, Any], errors: dict[str, str], status: int = 200
) -> HTMLResponse:
    record = await page.get("matching", f"/v1/households/{household_id}")
    consents = await page.api("GET", "matching", f"/v1/households/{household_id}/consents")
    log = await page.api("GET", "matching", f"/v1/households/{household_id}/access-log")
    placements = [p for p in await page.api("GET", "matching", "/v1/placements") if p.get("household_id") == str(household_id)]
    return render(
        page, "household.html", status=status, household=record, consents=consents, access_log=log, placements=placements,
        values=values, errors=errors, purposes=CONSENT_PURPOSES,
    )  # fmt: skip


@router.get("/households/{household_id}/edit", response_class=HTMLResponse, summary="Edit a household (reads its personal data, logged)")
async def edit_household(household_id: uuid.UUID, page: Page) -> HTMLResponse:
    record = await page.get("matching", f"/v1/households/{household_id}")
    return _household_form(page, record, await _stored_values(page, record), {})


@router.post("/households/{household_id}/edit", response_class=HTMLResponse, summary="Save a household (If-Match)")
async def save_household(household_id: uuid.UUID, page: Page) -> Response:
    form = await page.form()
    record = await page.get("matching", f"/v1/households/{household_id}")
    body, errors = household_body(form)
    if errors:
        return _household_form(page, record, _household_values(form), errors, status=422)
    version = forms.text(form, "version") or str(record["version"])
    try:
        await page.api("PUT", "matching", f"/v1/households/{household_id}", json_body=body, headers=if_match(version))
    except ApiError as exc:
        if exc.status == 412:
            page.notices.append(
                ("warning", _("Someone changed this household meanwhile: here it is as it is now. Make your change again."))
            )
            fresh = await page.get("matching", f"/v1/households/{household_id}")
            return _household_form(page, fresh, await _stored_values(page, fresh), {}, status=409)
        return _household_form(
            page, record, _household_values(form), _household_errors(exc), status=exc.status if exc.status < 500 else 502
        )
    page.notify("success", _("The household's record is saved."))
    return page.redirect(f"/association/households/{household_id}")


@router.post("/households/{household_id}/consents", response_class=HTMLResponse, summary="Record a consent the household gave")
async def record_consent(household_id: uuid.UUID, page: Page) -> Response:
    form = await page.form()
    await page.get("matching", f"/v1/households/{household_id}")
    purpose = forms.text(form, "purpose")
    if purpose not in CONSENT_PURPOSES:
        errors = forms.FieldErrors()
        errors.add("purpose", _("Choose what the household consents to."))
        return await _household_page(page, household_id, {"purpose": purpose}, errors, status=422)
    consent = {"purpose": purpose, "notice_version": NOTICE_VERSION, "consented_at": datetime.now(UTC).isoformat()}
    try:
        await page.api("POST", "matching", f"/v1/households/{household_id}/consents", json_body=consent)
    except ApiError as exc:
        return await _household_page(page, household_id, {"purpose": purpose}, api_errors(exc, {"purpose": "purpose"}), status=422)
    page.notify("success", _("The consent is recorded."))
    return page.redirect(f"/association/households/{household_id}")


@router.post("/households/{household_id}/consents/{consent_id}/withdraw", summary="Record that the household withdrew a consent")
async def withdraw_consent(household_id: uuid.UUID, consent_id: uuid.UUID, page: Page) -> RedirectResponse:
    await page.form()
    try:
        await page.api("POST", "matching", f"/v1/households/{household_id}/consents/{consent_id}/withdraw")
    except ApiError as exc:
        if exc.status in (403, 404):
            raise PageError(404, _("This page does not exist, or it is not yours.")) from exc
        raise
    page.notify("success", _("The withdrawal of the consent is recorded."))
    return page.redirect(f"/association/households/{household_id}")


def _household_form(
    page: Visit, record: dict[str, Any] | None, values: dict[str, Any], errors: dict[str, str], status: int = 200
) -> HTMLResponse:
    return render(
        page, "household_form.html", status=status, household=record, values=values, errors=errors,
        situations=PRIORITY_SITUATIONS, purposes=CONSENT_PURPOSES, notice_version=NOTICE_VERSION,
    )  # fmt: skip


def _household_errors(exc: ApiError) -> forms.FieldErrors:
    if exc.status == 409 and "reference" in exc.detail:
        errors = forms.FieldErrors()
        errors.add("reference", _("Your association already has a household with this reference: choose another one."))
        return errors
    return api_errors(exc, HOUSEHOLD_FIELDS)


def _household_values(form: FormData) -> dict[str, Any]:
    values = forms.summary(dict(form))
    values["priority_situations"] = forms.chosen(form, "priority_situations")
    values["consents"] = forms.chosen(form, "consents")
    return values


async def _stored_values(page: Visit, record: dict[str, Any]) -> dict[str, Any]:
    """The stored household as the form's values; its personal data read for the social follow-up (logged)."""
    around = record["wanted"].get("around") or {}
    values: dict[str, Any] = {
        "reference": record["reference"],
        "adults": str(record["adults"]),
        "children": str(record["children"]),
        "resources": euros_typed(record["resources_cents"]),
        "housing_benefit": euros_typed(record["housing_benefit_cents"]),
        "registered_since": record["registered_since"],
        "min_bedrooms": str(record["needs"].get("min_bedrooms", 0)),
        "step_free_access": record["needs"].get("step_free_access"),
        "ground_floor": record["needs"].get("ground_floor"),
        "communes": ", ".join(record["wanted"].get("communes") or []),
        "latitude": f"{around['latitude']:g}" if around else "",
        "longitude": f"{around['longitude']:g}" if around else "",
        "radius_km": f"{around['radius_km']:g}" if around else "",
        "priority_situations": [],
        "account_subject": "",
        "version": str(record["version"]),
    }
    if record.get("erased"):
        page.notices.append(("info", _("This household's personal data were erased: only its other facts remain.")))
        return values
    try:
        personal = await page.api(
            "GET", "matching", f"/v1/households/{record['id']}/personal-data", params={"purpose": "support_follow_up"}
        )
    except ApiError as exc:
        if exc.status != 410:
            raise
        page.notices.append(("info", _("This household's personal data were erased: only its other facts remain.")))
        return values
    identity = personal.get("identity") or {}
    for name in ("first_name", "last_name", "birth_date", "phone", "email"):
        values[name] = identity.get(name) or ""
    values["priority_situations"] = list(personal.get("priority_situations") or [])
    return values


def household_body(form: FormData) -> tuple[dict[str, Any], forms.FieldErrors]:
    """The household's API body from the form, or the errors to show next to the fields."""
    errors = forms.FieldErrors()
    reference = forms.text(form, "reference")
    if not reference:
        errors.add("reference", _("Enter your association's reference for this household (letters, digits, dots, dashes)."))
    elif not re.fullmatch(r"[A-Za-z0-9_.-]{1,60}", reference):
        errors.add("reference", _("Use only letters without accents, digits, dots, dashes and underscores (60 at most)."))
    adults = forms.number(form, "adults", errors, whole=True)
    if isinstance(adults, int) and not 1 <= adults <= 10:
        errors.add("adults", _("Enter a number of adults from 1 to 10."))
    children = forms.number(form, "children", errors, whole=True)
    if isinstance(children, int) and not 0 <= children <= 15:
        errors.add("children", _("Enter a number of children from 0 to 15."))
    min_bedrooms = forms.number(form, "min_bedrooms", errors, required=False, whole=True) or 0
    if isinstance(min_bedrooms, int) and not 0 <= min_bedrooms <= 10:
        errors.add("min_bedrooms", _("Enter a number of bedrooms from 0 to 10."))
    communes = [c.upper() for c in re.split(r"[\s,;]+", forms.text(form, "communes")) if c]
    if any(not INSEE.fullmatch(c) for c in communes):
        errors.add("communes", _("Enter the communes' 5-character INSEE codes, separated by commas (for example 69123, 69266)."))
    around = None
    point = [forms.text(form, name) for name in ("latitude", "longitude", "radius_km")]
    if any(point):
        latitude = forms.number(form, "latitude", errors)
        longitude = forms.number(form, "longitude", errors)
        radius = forms.number(form, "radius_km", errors)
        if latitude is not None and longitude is not None and radius is not None:
            around = {"latitude": latitude, "longitude": longitude, "radius_km": radius}
    if not communes and not any(point):
        errors.add("communes", _("Name at least one commune, or a point with a radius."))
    email = forms.optional_text(form, "email")
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        errors.add("email", _("Enter an email address such as name@example.org."))
    phone = forms.optional_text(form, "phone")
    if phone and not re.fullmatch(r"\+?[0-9 .-]{6,20}", phone):
        errors.add("phone", _("Enter a phone number with digits only, for example 06 12 34 56 78."))
    body: dict[str, Any] = {
        "reference": reference,
        "adults": adults,
        "children": children,
        "resources_cents": forms.cents(form, "resources", errors),
        "housing_benefit_cents": forms.cents(form, "housing_benefit", errors, required=False) or 0,
        "needs": {
            "step_free_access": forms.checked(form, "step_free_access"),
            "ground_floor": forms.checked(form, "ground_floor"),
            "min_bedrooms": min_bedrooms,
        },
        "wanted": {"communes": communes, "around": around},
        "registered_since": forms.day(form, "registered_since", errors),
        "account_subject": forms.optional_text(form, "account_subject"),
        "identity": {
            "first_name": forms.optional_text(form, "first_name"),
            "last_name": forms.optional_text(form, "last_name"),
            "birth_date": forms.day(form, "birth_date", errors, required=False),
            "phone": phone,
            "email": email,
        },
        "priority_situations": [s for s in forms.chosen(form, "priority_situations") if s in PRIORITY_SITUATIONS],
    }
    return body, errors


# --- matches and proposals ---------------------------------------------------------------------------
@router.get("/households/{household_id}/matches", response_class=HTMLResponse, summary="A household's best units, with the reasons")
async def household_matches(household_id: uuid.UUID, page: Page) -> HTMLResponse:
    record = await page.get("matching", f"/v1/households/{household_id}")
    matches: list[dict[str, Any]] = []
    if record["status"] == "searching":
        matches = await page.api("GET", "matching", f"/v1/households/{household_id}/matches", params={"limit": 20})
    return render(page, "matches.html", household=record, matches=matches)


@router.get("/units", response_class=HTMLResponse, summary="Search published units (results update in place with htmx)")
async def search_units(request: Request, page: Page) -> HTMLResponse:
    values, pairs, errors = search_filters(request)
    found: dict[str, Any] = {"items": [], "next_cursor": None}
    if not errors:
        try:
            found = await page.api("GET", "listings", "/v1/search/units?" + urlencode(pairs, doseq=True))
        except ApiError as exc:
            if exc.status == 400:  # a cursor from another search: start again
                found = await page.api("GET", "listings", "/v1/search/units?" + urlencode([p for p in pairs if p[0] != "cursor"]))
            else:
                errors = api_errors(exc, {"commune": "commune", "max_total_cents": "max_total", "radius_km": "radius_km"})
    next_link = None
    if found.get("next_cursor"):
        next_link = "/association/units?" + urlencode([p for p in pairs if p[0] != "cursor"] + [("cursor", found["next_cursor"])])
    context = {
        "values": values, "errors": errors, "units": found["items"], "next_link": next_link,
        "sorts": SORTS, "schemes": SCHEMES, "accessibility": ACCESSIBILITY, "searched": bool(pairs),
    }  # fmt: skip
    if request.headers.get("hx-request"):
        return render(page, "_unit_results.html", partial=True, **context)  # htmx swaps 2xx only: errors show in the results
    return render(page, "units.html", status=422 if errors else 200, partial=False, **context)


def search_filters(request: Request) -> tuple[dict[str, Any], list[tuple[str, str]], forms.FieldErrors]:
    """The search form's filters (a GET: none of them is personal data) as the API's query string."""
    query = request.query_params
    errors = forms.FieldErrors()
    values: dict[str, Any] = {name: query.get(name, "").strip() for name in (
        "commune", "departement", "max_total", "min_rooms", "min_area_m2", "available_by", "sort", "lat", "lon", "radius_km"
    )}  # fmt: skip
    values["accessibility"] = [a for a in query.getlist("accessibility") if a in ACCESSIBILITY]
    values["scheme"] = [s for s in query.getlist("scheme") if s in SCHEMES]
    pairs: list[tuple[str, str]] = []
    communes = [c.upper() for c in re.split(r"[\s,;]+", values["commune"]) if c]
    if any(not INSEE.fullmatch(c) for c in communes):
        errors.add("commune", _("Enter the communes' 5-character INSEE codes, separated by commas (for example 69123, 69266)."))
    pairs += [("commune", c) for c in communes]
    departements = [d.upper() for d in re.split(r"[\s,;]+", values["departement"]) if d]
    if any(not DEPARTEMENT.fullmatch(d) for d in departements):
        errors.add("departement", _("Enter département codes such as 69, 2A or 974, separated by commas."))
    pairs += [("departement", d) for d in departements]
    fake = FormData(list(query.multi_items()))
    max_total = forms.cents(fake, "max_total", errors, required=False)
    if max_total is not None:
        pairs.append(("max_total_cents", str(max_total)))
    min_rooms = forms.number(fake, "min_rooms", errors, required=False, whole=True)
    if min_rooms is not None:
        if not 1 <= min_rooms <= 20:
            errors.add("min_rooms", _("Enter a number of rooms from 1 to 20."))
        pairs.append(("min_rooms", str(min_rooms)))
    min_area = forms.number(fake, "min_area_m2", errors, required=False)
    if min_area is not None:
        if not 0 < min_area <= 1000:
            errors.add("min_area_m2", _("Enter an area from 1 to 1,000 m²."))
        pairs.append(("min_area_m2", f"{min_area:g}"))
    available_by = forms.day(fake, "available_by", errors, required=False)
    if available_by:
        pairs.append(("available_by", available_by))
    point = [values[name] for name in ("lat", "lon", "radius_km")]
    if any(point):
        numbers = [forms.number(fake, name, errors) for name in ("lat", "lon", "radius_km")]
        if all(n is not None for n in numbers):
            lat, lon, radius = (float(n) for n in numbers if n is not None)
            if not -90 <= lat <= 90:
                errors.add("lat", _("Enter a latitude from -90 to 90."))
            if not -180 <= lon <= 180:
                errors.add("lon", _("Enter a longitude from -180 to 180."))
            if not 0 < radius <= 200:
                errors.add("radius_km", _("Enter a radius from 1 to 200 km."))
            pairs += [("lat", f"{lat:g}"), ("lon", f"{lon:g}"), ("radius_km", f"{radius:g}")]
    pairs += [("accessibility", a) for a in values["accessibility"]] + [("scheme", s) for s in values["scheme"]]
    sort = values["sort"] or "available_from"
    if sort not in SORTS:
        sort = "available_from"
    if sort == "distance" and not any(point):
        errors.add("sort", _("To sort by distance, give a point and a radius."))
    if sort != "available_from":
        pairs.append(("sort", sort))
    limit = query.get("limit", "")
    if limit.isdigit() and 1 <= int(limit) <= 100:
        pairs.append(("limit", limit))
    cursor = query.get("cursor", "")
    if cursor and len(cursor) <= 500:
        pairs.append(("cursor", cursor))
    return values, pairs, errors


@router.get("/units/{unit_id}", response_class=HTMLResponse, summary="A published unit's best households, with the reasons")
async def unit_candidates(unit_id: uuid.UUID, request: Request, page: Page) -> HTMLResponse:
    candidates = await page.get("matching", f"/v1/units/{unit_id}/candidates", limit=20)
    unit = await _published_unit(page, unit_id, request.query_params.get("commune", ""))
    schemes = [s for s in SCHEMES if s in unit["schemes"]] if unit else list(SCHEMES)
    return render(page, "unit.html", unit_id=str(unit_id), unit=unit, candidates=candidates, schemes=schemes)


async def _published_unit(page: Visit, unit_id: uuid.UUID, commune: str) -> dict[str, Any] | None:
    """The unit as the search shows it, looked up in its commune (listings has no read by id for associations)."""
    if not INSEE.fullmatch(commune.upper()):
        return None
    pairs: list[tuple[str, str]] = [("commune", commune.upper()), ("limit", "100")]
    for _page in range(5):
        found = await page.api("GET", "listings", "/v1/search/units?" + urlencode(pairs))
        for hit in found["items"]:
            if hit["id"] == str(unit_id):
                return dict(hit)
        if not found.get("next_cursor"):
            return None
        pairs = [("commune", commune.upper()), ("limit", "100"), ("cursor", found["next_cursor"])]
    return None


@router.get("/propose", response_class=HTMLResponse, summary="Propose one of my households for a unit: confirm")
async def propose_form(request: Request, page: Page) -> HTMLResponse:
    household_id, unit_id = request.query_params.get("household_id", ""), request.query_params.get("unit_id", "")
    record = await _household_or_404(page, household_id)
    _uuid_or_404(unit_id)
    return render(page, "propose.html", household=record, values={"unit_id": unit_id, "scheme": ""}, errors={}, schemes=SCHEMES)


@router.post("/propose", response_class=HTMLResponse, summary="Propose one of my households for a unit")
async def propose(page: Page) -> Response:
    form = await page.form()
    household_id, unit_id, scheme = forms.text(form, "household_id"), forms.text(form, "unit_id"), forms.text(form, "scheme")
    record = await _household_or_404(page, household_id)
    _uuid_or_404(unit_id)
    errors = forms.FieldErrors()
    if scheme not in SCHEMES:
        errors.add("scheme", _("Choose the scheme under which the household would be housed."))
    if not errors:
        try:
            placement = await page.api(
                "POST", "matching", "/v1/placements", json_body={"household_id": household_id, "unit_id": unit_id, "scheme": scheme}
            )
        except ApiError as exc:
            errors = _proposal_errors(exc)
        else:
            page.notify("success", _("The proposal is sent: the owner has 7 days to answer."))
            return page.redirect(f"/association/placements/{placement['id']}")
    values = {"unit_id": unit_id, "scheme": scheme}
    return render(
        page, "propose.html", status=422 if "scheme" in errors else 409, household=record, values=values, errors=errors, schemes=SCHEMES
    )


def _proposal_errors(exc: ApiError) -> forms.FieldErrors:
    errors = forms.FieldErrors()
    if exc.status == 422:
        errors.add("scheme", _("The unit does not accept this scheme: choose one of the unit's schemes."))
    elif exc.status == 404:
        errors.add("_form", _("This unit is no longer open to proposals."))
    elif exc.status == 409 and "searching" in exc.detail:
        errors.add("_form", _("This household is not searching any more: it already has a proposal or a home."))
    elif exc.status == 409:
        errors.add("_form", _("This unit already has a proposal under way."))
    else:
        return api_errors(exc)
    return errors


async def _household_or_404(page: Visit, household_id: str) -> dict[str, Any]:
    return dict(await page.get("matching", f"/v1/households/{_uuid_or_404(household_id)}"))


def _uuid_or_404(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise PageError(404, _("This page does not exist, or it is not yours.")) from exc


# --- suggestions -------------------------------------------------------------------------------------
@router.get("/suggestions", response_class=HTMLResponse, summary="Batch allocation suggestions to review")
async def suggestions(page: Page) -> HTMLResponse:
    found = await page.api("GET", "matching", "/v1/suggestions")
    references = {h["id"]: h["reference"] for h in await page.api("GET", "matching", "/v1/households")}
    return render(page, "suggestions.html", suggestions=found, references=references)


@router.get("/suggestions/{suggestion_id}", response_class=HTMLResponse, summary="A suggestion: the unit, the reasons, propose")
async def suggestion(suggestion_id: uuid.UUID, page: Page) -> HTMLResponse:
    found = next((s for s in await page.api("GET", "matching", "/v1/suggestions") if s["id"] == str(suggestion_id)), None)
    if found is None:
        raise PageError(404, _("This page does not exist, or it is not yours."))
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
    try:
        await page.api("POST", "matching", f"/v1/suggestions/{suggestion_id}/dismiss")
    except ApiError as exc:
        if exc.status in (403, 404):
            raise PageError(404, _("This page does not exist, or it is not yours.")) from exc
        if exc.status >= 500:
            raise
        page.notify("error", _("This suggestion was already reviewed."))
        return page.redirect("/association/suggestions")
    page.notify("success", _("The suggestion is dismissed. Nobody is penalised for it."))
    return page.redirect("/association/suggestions")


# --- placements --------------------------------------------------------------------------------------
@router.get("/placements", response_class=HTMLResponse, summary="My association's placements")
async def placements(page: Page) -> HTMLResponse:
    ours = await page.api("GET", "matching", "/v1/placements")
    references = {h["id"]: h["reference"] for h in await page.api("GET", "matching", "/v1/households")}
    return render(page, "placements.html", placements=ours, references=references)


@router.get("/placements/{placement_id}", response_class=HTMLResponse, summary="A placement's timeline and what may be done next")
async def placement(placement_id: uuid.UUID, page: Page) -> HTMLResponse:
    return await _placement_page(page, placement_id, _lease_defaults(), {})


async def _placement_page(
    page: Visit, placement_id: uuid.UUID, values: dict[str, Any], errors: dict[str, str], status: int = 200
) -> HTMLResponse:
    current = await page.get("matching", f"/v1/placements/{placement_id}")
    record = await page.get("matching", f"/v1/households/{current['household_id']}") if current.get("household_id") else None
    files = []
    if current["status"] in ("awaiting_guarantee", "guaranteed", "lease_signed", "slid", "guarantee_rejected"):
        files = [
            f for f in await page.api("GET", "guarantees", "/v1/files", params={"limit": 200}) if f["placement_id"] == str(placement_id)
        ]
    reviews = [s for s in current["timeline"] if s["step"] == "review"]
    ready_to_slide = bool(reviews) and reviews[-1].get("reason") == "ready_to_slide"
    return render(
        page, "placement.html", status=status, placement=current, household=record, files=files, values=values, errors=errors,
        withdraw_reasons=WITHDRAW_REASONS, lease_types=LEASE_TYPES, review_outcomes=REVIEW_OUTCOMES, ready_to_slide=ready_to_slide,
    )  # fmt: skip


def _lease_defaults() -> dict[str, Any]:
    return {"signed_on": today_in_france(), "starts_on": today_in_france()}


@router.post("/placements/{placement_id}/withdraw", response_class=HTMLResponse, summary="Withdraw a placement before the lease")
async def withdraw_placement(placement_id: uuid.UUID, page: Page) -> Response:
    form = await page.form()
    reason = forms.text(form, "reason")
    if reason not in WITHDRAW_REASONS:
        errors = forms.FieldErrors()
        errors.add("reason", _("Choose why the placement is withdrawn."))
        return await _placement_page(page, placement_id, _lease_defaults(), errors, status=422)
    return await _placement_step(
        page, placement_id, "withdraw", {"reason": reason}, _("The placement is withdrawn: the household is searching again.")
    )


@router.post("/placements/{placement_id}/lease", response_class=HTMLResponse, summary="Record the signed lease")
async def sign_lease(placement_id: uuid.UUID, page: Page) -> Response:
    form = await page.form()
    errors = forms.FieldErrors()
    lease_type = forms.text(form, "lease_type")
    if lease_type not in LEASE_TYPES:
        errors.add("lease_type", _("Choose the kind of lease."))
    signed_on, starts_on = forms.day(form, "signed_on", errors), forms.day(form, "starts_on", errors)
    body: dict[str, Any] = {
        "signed_on": signed_on,
        "starts_on": starts_on,
        "lease_type": lease_type,
        "rent_cents": forms.cents(form, "rent", errors, required=False),
        "charges_cents": forms.cents(form, "charges", errors, required=False),
    }
    if signed_on and signed_on > today_in_france():
        errors.add("signed_on", _("A lease is recorded once signed: enter a day that is not in the future."))
    elif signed_on and starts_on and starts_on < signed_on:
        errors.add("starts_on", _("The lease cannot start before it is signed."))
    if not errors:
        current = await page.get("matching", f"/v1/placements/{placement_id}")
        try:
            await page.api("POST", "matching", f"/v1/placements/{placement_id}/lease", json_body=body, headers=if_match(current["version"]))
        except ApiError as exc:
            errors = api_errors(exc, {"rent_cents": "rent", "charges_cents": "charges"})
        else:
            page.notify("success", _("The signed lease is recorded: the owner and the fund are told."))
            return page.redirect(f"/association/placements/{placement_id}")
    return await _placement_page(page, placement_id, forms.summary(dict(form)), errors, status=422)


@router.post("/placements/{placement_id}/reviews", response_class=HTMLResponse, summary="Record a joint review of a sliding lease")
async def review(placement_id: uuid.UUID, page: Page) -> Response:
    form = await page.form()
    outcome = forms.text(form, "outcome")
    if outcome not in REVIEW_OUTCOMES:
        errors = forms.FieldErrors()
        errors.add("outcome", _("Choose what the joint review found."))
        return await _placement_page(page, placement_id, _lease_defaults(), errors, status=422)
    return await _placement_step(page, placement_id, "reviews", {"outcome": outcome}, _("The joint review is recorded."))


@router.post("/placements/{placement_id}/slide", response_class=HTMLResponse, summary="The sliding lease slides to the household")
async def slide(placement_id: uuid.UUID, page: Page) -> Response:
    await page.form()
    return await _placement_step(page, placement_id, "slide", None, _("The lease has slid: the household is now the tenant."))


async def _placement_step(page: Visit, placement_id: uuid.UUID, verb: str, body: dict[str, Any] | None, done: str) -> Response:
    current = await page.get("matching", f"/v1/placements/{placement_id}")
    try:
        await page.api("POST", "matching", f"/v1/placements/{placement_id}/{verb}", json_body=body, headers=if_match(current["version"]))
    except ApiError as exc:
        if exc.status >= 500:
            raise
        page.notify("error", _("This cannot be done at this step of the placement (it may have changed meanwhile)."))
        return page.redirect(f"/association/placements/{placement_id}")
    page.notify("success", done)
    return page.redirect(f"/association/placements/{placement_id}")


# --- guarantee files ---------------------------------------------------------------------------------
TENANT_NAMES = (
    "first_names",
    "last_name",
    "birth_date",
    "email",
    "phone",
    "student",
    "hired_or_transferred_on",
    "job_promise_on",
    "bail_mobilite",
    "close_family_to_landlord",
)
TENANT_FIELDS = {
    **{f"tenant.{name}": name for name in TENANT_NAMES},
    "tenant.net_monthly_pay_cents": "net_monthly_pay",
    "tenant.resources_cents": "resources",
    "tenant.housing_benefit_cents": "housing_benefit",
    "fund_id": "fund_id",
    "placement_id": "fund_id",
}
"""Where the guarantees service's validation errors go on the filing form."""
RULE_FIELDS = {
    "age_or_situation": ("birth_date", "hired_or_transferred_on", "net_monthly_pay", "job_promise_on"),
    "close_family": ("close_family_to_landlord",),
    "rent_cap": ("_form",),
    "student_rent_cap": ("student",),
    "rent_burden": ("resources", "housing_benefit"),
    "energy_class": ("_form",),
    "departement": ("_form",),
}
"""Where each failed rule of the fund's pre-check is shown: next to the fields it reads (the unit's
facts are not typed here: those rules go at the top of the form)."""


@router.get("/files", response_class=HTMLResponse, summary="My association's guarantee files, and placements waiting for one")
async def files(page: Page) -> HTMLResponse:
    ours = await page.api("GET", "guarantees", "/v1/files", params={"limit": 200})
    open_for = {f["placement_id"] for f in ours if f["status"] in (*FILE_OPEN, "approved")}
    waiting = [
        p for p in await page.api("GET", "matching", "/v1/placements") if p["status"] == "awaiting_guarantee" and p["id"] not in open_for
    ]
    references = {h["id"]: h["reference"] for h in await page.api("GET", "matching", "/v1/households")}
    return render(page, "files.html", files=ours, waiting=waiting, references=references)


@router.get("/files/new", response_class=HTMLResponse, summary="File the guarantee for a placement waiting for one")
async def new_file(request: Request, page: Page) -> HTMLResponse:
    current = await page.get("matching", f"/v1/placements/{_uuid_or_404(request.query_params.get('placement_id', ''))}")
    values: dict[str, Any] = {"placement_id": current["id"]}
    if current.get("household_id"):
        values |= await _tenant_from_household(page, current["household_id"])
    return await _file_form(page, current, values, {})


@router.post("/files/new", response_class=HTMLResponse, summary="File the guarantee: pre-checked at once against the fund's policy")
async def create_file(page: Page) -> Response:
    form = await page.form()
    current = await page.get("matching", f"/v1/placements/{_uuid_or_404(forms.text(form, 'placement_id'))}")
    tenant, errors = tenant_body(form)
    fund_id = forms.text(form, "fund_id")
    if not fund_id:
        errors.add("fund_id", _("Choose the fund to send the file to."))
    if errors:
        return await _file_form(page, current, _file_values(form), errors, status=422)
    try:
        created = await page.api(
            "POST", "guarantees", "/v1/files", json_body={"placement_id": current["id"], "fund_id": fund_id, "tenant": tenant}
        )
    except ApiError as exc:
        return await _file_form(page, current, _file_values(form), _file_errors(exc), status=exc.status if exc.status < 500 else 502)
    if created["status"] == "ineligible":
        found = _(
            "The fund's pre-check found rules this file does not meet: see each one next to its field. "
            "Correct the file, or choose another fund, and file it again."
        )
        page.notices.append(("error", found))
        return await _file_form(page, current, _file_values(form), failures_on_fields(created["failures"]), status=422)
    page.notify("success", _("The file is sent to the fund: it will be reviewed by the deadline shown."))
    return page.redirect(f"/association/files/{created['id']}")


@router.get("/files/{file_id}", response_class=HTMLResponse, summary="A guarantee file: timeline, documents, visa")
async def file(file_id: uuid.UUID, page: Page) -> HTMLResponse:
    return await _file_page(page, file_id, {})


async def _file_page(page: Visit, file_id: uuid.UUID, errors: dict[str, str], status: int = 200) -> HTMLResponse:
    current = await page.get("guarantees", f"/v1/files/{file_id}")
    documents = await page.api("GET", "guarantees", f"/v1/files/{file_id}/documents")
    held = {d["kind"] for d in documents}
    funds = {f["fund_id"]: f for f in await page.api("GET", "guarantees", "/v1/funds")}
    requests = [s for s in current.get("steps") or [] if s["action"] == "request_information" and s.get("message")]
    return render(
        page, "file.html", status=status, file=current, documents=documents, held=held, fund=funds.get(current["fund_id"]),
        kinds=DOCUMENT_KINDS, sub_kinds=SUB_KINDS, errors=errors, max_mb=DOCUMENT_MAX_BYTES // (1024 * 1024), accept=DOCUMENT_TYPES,
        open_statuses=FILE_OPEN, last_request=requests[-1] if requests else None,
    )  # fmt: skip


@router.post("/files/{file_id}/documents", response_class=HTMLResponse, summary="Add a document of the legal checklist (multipart)")
async def upload_document(file_id: uuid.UUID, request: Request, page: Page) -> Response:
    form = await upload_form(page, request)
    kind, sub_kind, content = forms.text(form, "kind"), forms.text(form, "sub_kind"), form.get("content")
    errors = forms.FieldErrors()
    field = f"content-{kind}" if kind in DOCUMENT_KINDS else "content-identity"
    if kind not in DOCUMENT_KINDS:
        errors.add(field, _("Choose a document of the legal list."))
    elif sub_kind and sub_kind not in SUB_KINDS[kind]:
        errors.add(f"sub_kind-{kind}", _("Choose which document it is, in this category."))
    if not isinstance(content, UploadFile) or not content.filename:
        errors.add(field, _("Choose the file to send (PDF, JPEG or PNG)."))
    elif content.size is not None and content.size > DOCUMENT_MAX_BYTES:
        errors.add(field, term("document_refusal", "document_too_large"))
    if not errors and isinstance(content, UploadFile):
        sent = aiohttp.FormData()
        sent.add_field("kind", kind)
        if sub_kind:
            sent.add_field("sub_kind", sub_kind)
        await content.seek(0)
        sent.add_field(
            "content",
            content.file,
            filename=_safe_filename(content.filename or "document"),
            content_type=content.content_type or "application/octet-stream",
        )
        try:
            await page.api("POST", "guarantees", f"/v1/files/{file_id}/documents", form=sent)
        except ApiError as exc:
            if exc.status in (403, 404):
                raise PageError(404, _("This page does not exist, or it is not yours.")) from exc
            if exc.status >= 500:
                raise
            code = str(exc.problem.get("code") or "")
            errors.add(
                field,
                term("document_refusal", code)
                if code
                else (_("The file is closed: documents are added while it is reviewed.") if exc.status == 409 else exc.detail),
            )
        else:
            page.notify("success", _("The document is added to the file."))
            return page.redirect(f"/association/files/{file_id}")
        finally:
            await content.close()
    return await _file_page(page, file_id, errors, status=422)


async def upload_form(page: Visit, request: Request) -> FormData:
    """A multipart form with one document: its size checked before it is read, its CSRF token before it is used.

    (:meth:`Visit.form` refuses anything above ``FORM_LIMIT``, made for forms of a few fields.)"""
    length = request.headers.get("content-length")
    if length is None or not length.isdigit():
        raise PageError(411, _("Send the document from the file's page."))
    if int(length) > UPLOAD_LIMIT:
        raise PageError(413, _("This document is too large: 10 MB at most."))
    form = await request.form(max_files=1, max_fields=10, max_part_size=4096)
    sent = form.get("csrf_token")
    if not page.csrf_token or not isinstance(sent, str) or not hmac.compare_digest(sent, page.csrf_token):
        await form.close()
        raise PageError(403, _("This form has expired or did not come from Abri: reload the page and try again."))
    return form


def _safe_filename(name: str) -> str:
    """The upload's name without path or quotes (the service keeps only its own name anyway)."""
    return re.sub(r"[^\w.-]", "_", name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1])[:100] or "document"


@router.post("/files/{file_id}/documents/{document_id}/remove", summary="Remove a document while the file is reviewed")
async def remove_document(file_id: uuid.UUID, document_id: uuid.UUID, page: Page) -> RedirectResponse:
    await page.form()
    try:
        await page.api("DELETE", "guarantees", f"/v1/files/{file_id}/documents/{document_id}")
    except ApiError as exc:
        if exc.status in (403, 404):
            raise PageError(404, _("This page does not exist, or it is not yours.")) from exc
        if exc.status >= 500:
            raise
        page.notify("error", _("The file is decided: its documents stay as they were decided on."))
        return page.redirect(f"/association/files/{file_id}")
    page.notify("success", _("The document is removed from the file."))
    return page.redirect(f"/association/files/{file_id}")


@router.post("/files/{file_id}/withdraw", summary="Withdraw a file before the decision")
async def withdraw_file(file_id: uuid.UUID, page: Page) -> RedirectResponse:
    await page.form()
    await page.get("guarantees", f"/v1/files/{file_id}")
    try:
        await page.api("POST", "guarantees", f"/v1/files/{file_id}/withdrawal")
    except ApiError as exc:
        if exc.status >= 500:
            raise
        page.notify("error", _("The file is decided: it can no longer be withdrawn."))
        return page.redirect(f"/association/files/{file_id}")
    page.notify("success", _("The file is withdrawn."))
    return page.redirect(f"/association/files/{file_id}")


@router.get("/files/{file_id}/resubmit", response_class=HTMLResponse, summary="Answer the fund's request: the file updated")
async def resubmit_form(file_id: uuid.UUID, page: Page) -> HTMLResponse:
    current = await page.get("guarantees", f"/v1/files/{file_id}")
    tenant = await page.api("GET", "guarantees", f"/v1/files/{file_id}/tenant", params={"purpose": "information_request_answer"})
    return _resubmit_form(page, current, tenant_values(tenant), {})


@router.post("/files/{file_id}/resubmit", response_class=HTMLResponse, summary="Answer the fund's request: file it again")
async def resubmit(file_id: uuid.UUID, page: Page) -> Response:
    form = await page.form()
    current = await page.get("guarantees", f"/v1/files/{file_id}")
    tenant, errors = tenant_body(form)
    if not errors:
        try:
            answered = await page.api("POST", "guarantees", f"/v1/files/{file_id}/resubmissions", json_body={"tenant": tenant})
        except ApiError as exc:
            if exc.status == 409:
                page.notify("error", _("The fund is not waiting for an answer on this file."))
                return page.redirect(f"/association/files/{file_id}")
            errors = _file_errors(exc)
        else:
            if answered["status"] == "ineligible":
                page.notify(
                    "error", _("The fund's pre-check found rules the updated file does not meet: the file is closed as not eligible.")
                )
            else:
                page.notify("success", _("Your answer is sent: the fund reviews the file again."))
            return page.redirect(f"/association/files/{file_id}")
    return _resubmit_form(page, current, _file_values(form), errors, status=422)


def _resubmit_form(page: Visit, current: dict[str, Any], values: dict[str, Any], errors: dict[str, str], status: int = 200) -> HTMLResponse:
    requests = [s for s in current.get("steps") or [] if s["action"] == "request_information"]
    return render(
        page, "resubmit.html", status=status, file=current, values=values, errors=errors, last_request=requests[-1] if requests else None
    )


@router.get("/files/{file_id}/visa.pdf", summary="The visa certificate (PDF)")
async def visa_pdf(file_id: uuid.UUID, page: Page) -> Response:
    try:
        reply = await page.reply("GET", "guarantees", f"/v1/files/{file_id}/visa.pdf", headers={"accept": "application/pdf"}, raw=True)
    except ApiError as exc:
        if exc.status in (403, 404, 409, 410):
            raise PageError(404, _("This file has no visa to download.")) from exc
        raise
    disposition = reply.headers.get("content-disposition") or f'attachment; filename="visa-{file_id}.pdf"'
    return Response(
        reply.content, media_type="application/pdf",
        headers={"content-disposition": disposition, "cache-control": "no-store", "x-content-type-options": "nosniff"},
    )  # fmt: skip


async def _file_form(
    page: Visit, current: dict[str, Any], values: dict[str, Any], errors: dict[str, str], status: int = 200
) -> HTMLResponse:
    funds = await page.api("GET", "guarantees", "/v1/funds")
    record = await page.get("matching", f"/v1/households/{current['household_id']}") if current.get("household_id") else None
    fund_options = [(f["fund_id"], f"{f['name']} ({term('fund_kind', f['kind'])})") for f in funds]
    return render(
        page, "file_form.html", status=status, placement=current, household=record, values=values, errors=errors, fund_options=fund_options
    )


async def _tenant_from_household(page: Visit, household_id: str) -> dict[str, Any]:
    """The form filled from the household's record, its personal data read for the guarantee file (logged)."""
    record = await page.api("GET", "matching", f"/v1/households/{household_id}")
    values: dict[str, Any] = {
        "resources": euros_typed(record["resources_cents"]),
        "housing_benefit": euros_typed(record["housing_benefit_cents"]),
    }
    try:
        personal = await page.api("GET", "matching", f"/v1/households/{household_id}/personal-data", params={"purpose": "guarantee_file"})
    except ApiError as exc:
        if exc.status != 410:
            raise
        return values
    identity = personal.get("identity") or {}
    values |= {
        "first_names": identity.get("first_name") or "", "last_name": identity.get("last_name") or "",
        "birth_date": identity.get("birth_date") or "", "email": identity.get("email") or "", "phone": identity.get("phone") or "",
    }  # fmt: skip
    return values


def tenant_values(tenant: dict[str, Any]) -> dict[str, Any]:
    values = {k: ("" if v is None else v) for k, v in tenant.items() if not k.endswith("_cents")}
    values["resources"] = euros_typed(tenant.get("resources_cents"))
    values["housing_benefit"] = euros_typed(tenant.get("housing_benefit_cents"))
    values["net_monthly_pay"] = euros_typed(tenant.get("net_monthly_pay_cents"))
    return values


def _file_values(form: FormData) -> dict[str, Any]:
    return forms.summary(dict(form)) | {
        name: forms.checked(form, name) for name in ("student", "bail_mobilite", "close_family_to_landlord")
    }


def _file_errors(exc: ApiError) -> forms.FieldErrors:
    if exc.status == 409 and exc.problem.get("title") == "File open":
        errors = forms.FieldErrors()
        errors.add("_form", _("A file is already open for this placement."))
        return errors
    if exc.status == 409:
        errors = forms.FieldErrors()
        errors.add(
            "_form", _("This placement is not waiting for a guarantee, or its unit is not known to the funds yet: try again in a moment.")
        )
        return errors
    return api_errors(exc, TENANT_FIELDS)


def failures_on_fields(failures: list[dict[str, Any]]) -> forms.FieldErrors:
    """The pre-check's failed rules, each next to the fields it reads."""
    errors = forms.FieldErrors()
    for failure in failures:
        message = term("guarantee_rule", failure["rule"])
        for name in RULE_FIELDS.get(failure["rule"], ("_form",)):
            errors.add(name, message)
    return errors


def tenant_body(form: FormData) -> tuple[dict[str, Any], forms.FieldErrors]:
    """The tenant's part of a guarantee file, or the errors to show next to the fields."""
    errors = forms.FieldErrors()
    first_names, last_name = forms.text(form, "first_names"), forms.text(form, "last_name")
    if not first_names:
        errors.add("first_names", _("Enter the tenant's first names, as on the identity document."))
    if not last_name:
        errors.add("last_name", _("Enter the tenant's last name, as on the identity document."))
    email, phone = forms.optional_text(form, "email"), forms.optional_text(form, "phone")
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        errors.add("email", _("Enter an email address such as name@example.org."))
    if phone and not re.fullmatch(r"\+?[0-9 .-]{6,20}", phone):
        errors.add("phone", _("Enter a phone number with digits only, for example 06 12 34 56 78."))
    body = {
        "first_names": first_names,
        "last_name": last_name,
        "birth_date": forms.day(form, "birth_date", errors),
        "email": email,
        "phone": phone,
        "student": forms.checked(form, "student"),
        "hired_or_transferred_on": forms.day(form, "hired_or_transferred_on", errors, required=False),
        "net_monthly_pay_cents": forms.cents(form, "net_monthly_pay", errors, required=False),
        "job_promise_on": forms.day(form, "job_promise_on", errors, required=False),
        "bail_mobilite": forms.checked(form, "bail_mobilite"),
        "close_family_to_landlord": forms.checked(form, "close_family_to_landlord"),
        "resources_cents": forms.cents(form, "resources", errors),
        "housing_benefit_cents": forms.cents(form, "housing_benefit", errors, required=False) or 0,
    }
    return body, errors
