"""The fund agent's pages: the review queue with its deadlines, a file's review (pre-check, timeline,
the tenant's data on request, the checklist's documents, the decisions), and the claims to validate.

Every decision goes to the guarantees service, which applies its workflow: a move it refuses (409, 422)
is shown with its reason in the reader's language (a coded rule with its source, a conflict in words:
``web/conflicts.py``, never the service's English detail) and changes nothing. The tenant's data and the documents are read
only on an explicit action, with a purpose the service writes to its access log.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse, Response

from abri_gateway.web import forms, refusals
from abri_gateway.web.api import ApiError
from abri_gateway.web.conflicts import explained
from abri_gateway.web.file_views import IN_QUEUE, VIEWS, view_counts, view_filter, view_names
from abri_gateway.web.i18n import gettext as _
from abri_gateway.web.labels import condition_words
from abri_gateway.web.pages.inventories import change_words
from abri_gateway.web.visit import PageError, Visit, for_roles

router = APIRouter(prefix="/fund")
Page = Annotated[Visit, Depends(for_roles("fund_agent"))]

OPEN_CLAIMS = ("filed", "validated")
"""Claims the fund still handles (validate, pay or reject); the others are shown on "every claim"."""
HANDLED_CLAIMS = ("paid", "rejected")
RULES = ("age_or_situation", "close_family", "rent_cap", "student_rent_cap", "rent_burden", "energy_class", "departement")
"""The eligibility rules of a fund's policy (guarantees: ``domain/policy.py`` ``Rule``)."""
REVIEW_REASONS = (
    "documents_missing",
    "documents_inconsistent",
    "resources_not_proven",
    "situation_not_proven",
    "already_guaranteed",
    "information_not_provided",
)
REJECTION_REASONS = (*RULES, *REVIEW_REASONS)
"""The coded reasons a file's rejection may carry (guarantees: ``domain/workflow.py`` ``REJECTION_REASONS``)."""
REVOCATION_REASONS = ("fraud", "error", "file_withdrawn", "other")
CLAIM_REJECTION_REASONS = ("declaration_late", "formal_notice_missing", "not_covered", "amounts_not_proven", "duplicate", "other")
MISSING_DOCUMENTS_REASONS = ("documents_to_follow", "equivalent_proof_seen", "not_applicable_to_situation", "other")
"""Why an agent approves a file lacking a category the fund requires (guarantees: ``MissingDocumentsReason``)."""
NOTE_MAX_CHARS = 500
APPROVAL_FIELDS = {
    "missing_documents": "missing_reason",
    "missing_documents.reason": "missing_reason",
    "missing_documents.note": "missing_note",
}
"""Where the guarantees service's refusals of an approval go on its form."""
READ_PURPOSES = ("review_file", "check_identity", "check_resources")
"""Why an agent reads the tenant's data (written to the file's access log)."""
DOCUMENT_PURPOSE = "review_file"


def words() -> dict[str, dict[str, str]]:
    """The fund's codes in words (translated in the current language)."""
    rules = {
        "age_or_situation": _("Age, or a situation the fund covers at any age"),
        "close_family": _("No close family tie between landlord and tenant"),
        "rent_cap": _("Rent and charges within the fund's cap"),
        "student_rent_cap": _("Rent and charges within the cap for students"),
        "rent_burden": _("Rent burden within the fund's limit"),
        "energy_class": _("Energy class accepted by the fund"),
        "departement": _("Unit in a département the fund serves"),
    }
    return {
        "rule": rules,
        "rejection": {
            **{code: _("Rule not met: %(rule)s", rule=text) for code, text in rules.items()},
            "documents_missing": _("Documents are missing"),
            "documents_inconsistent": _("The documents are inconsistent"),
            "resources_not_proven": _("The resources are not proven"),
            "situation_not_proven": _("The situation is not proven"),
            "already_guaranteed": _("The tenant already has a guarantee"),
            "information_not_provided": _("The information asked for was not provided"),
        },
        "revocation": {
            "fraud": _("Fraud"),
            "error": _("Issued in error"),
            "file_withdrawn": _("The file was withdrawn"),
            "placement_ended": _("The placement ended before the lease"),
            "other": _("Another reason"),
        },
        "claim_rejection": {
            "declaration_late": _("Declared too late"),
            "formal_notice_missing": _("No formal notice was sent"),
            "not_covered": _("Not covered by the guarantee"),
            "amounts_not_proven": _("The amounts are not proven"),
            "duplicate": _("Already claimed"),
            "other": _("Another reason"),
        },
        "late": {
            "formal_notice_missing": _("No formal notice (mise en demeure) was sent"),
            "formal_notice_late": _("The formal notice was sent after its deadline"),
            "declaration_late": _("The claim was declared after its deadline"),
        },
        "ground": {
            "wholly_unpaid_months": _("Months wholly unpaid"),
            "partial_arrears": _("Arrears above one month of rent"),
            "continuing_arrears": _("Arrears continuing a claim already constituted"),
            "damage": _("Damage at the end of the tenancy"),
        },
        "action": {
            "submit": _("Filed by the association"),
            "request_information": _("Information requested"),
            "resubmit": _("Resubmitted by the association"),
            "approve": _("Approved"),
            "reject": _("Rejected"),
            "withdraw": _("Withdrawn by the association"),
            "remove_document": _("A document was removed"),
            "revoke_visa": _("Visa revoked"),
            "close": _("Closed"),
            "erase": _("Personal data erased"),
        },
        "missing_reason": {
            "documents_to_follow": _("The documents will follow: the fund checks them before the lease is signed"),
            "equivalent_proof_seen": _("The fund saw an equivalent proof"),
            "not_applicable_to_situation": _("The tenant's situation has no such document"),
            "other": _("Another reason"),
        },
        "approval": {"approved_with_missing_documents": _("Approved without every document the fund requires")},
        "actor_role": {"fund_agent": _("The fund"), "social_worker": _("The association"), "system": _("Abri")},
        "document": {
            "identity": _("Identity document"),
            "proof_of_address": _("Proof of address"),
            "professional_situation": _("Professional situation"),
            "resources": _("Resources"),
        },
        "purpose": {
            "review_file": _("Review the file"),
            "check_identity": _("Check the tenant's identity"),
            "check_resources": _("Check the tenant's resources"),
        },
        "visa": {"valid": _("Valid"), "expired": _("Expired"), "revoked": _("Revoked")},
        "view": view_names(),
    }


def say(kind: str, code: object) -> str:
    """The word for a code of the fund's pages (a code without one shows as itself)."""
    return words().get(kind, {}).get(str(code), str(code))


def reason_text(code: object) -> str:
    """A step's coded reason, whatever its kind (a rule, a rejection, a revocation, a document)."""
    said = words()
    for kind in ("rejection", "revocation", "document", "approval", "missing_reason"):
        found = said[kind].get(str(code))
        if found:
            return found
    if str(code).startswith("missing_"):
        return _("Missing: %(document)s", document=say("document", str(code).removeprefix("missing_")))
    return str(code)


def reasons_text(codes: list[str]) -> str:
    return "; ".join(reason_text(code) for code in codes)


def _render(page: Visit, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    return page.render(
        template, status=status, say=say, reason_text=reason_text, reasons_text=reasons_text, missing_words=missing_words, **context
    )


def missing_words(codes: list[str]) -> str:
    """Categories of documents in words, for a sentence."""
    return ", ".join(say("document", code) for code in codes)


def _refused(page: Visit, exc: ApiError) -> int:
    """A decision the service refused: its reason as a notice on this page, in the reader's language (each
    coded rule with its source, else ``conflicts.explained``); the status to answer."""
    if exc.status in (401, 404) or exc.status >= 500:
        raise exc
    if exc.status == 403:
        raise PageError(403, _("Only the fund's agents decide on its files and claims."))
    coded = [item for item in exc.errors if refusals.is_coded(item)]
    if coded:  # each rule in the reader's language, with its source
        page.notices += [("error", refusals.coded(item)) for item in coded]
    else:
        page.notices.append(("error", explained(exc)))
    return exc.status


# --- the review queue -------------------------------------------------------------------------------
@router.get("/files", response_class=HTMLResponse, summary="The review queue: my fund's files by deadline, overdue ones marked, in pages")
async def files(
    page: Page, show: Annotated[str, Query()] = "queue", cursor: Annotated[str | None, Query(max_length=1000)] = None
) -> HTMLResponse:
    view = show if show in VIEWS else "queue"  # the files waiting for a decision by default
    found, next_cursor = await page.page_of("guarantees", "/v1/files", cursor, **view_filter(view))  # nearest deadline first
    counts = view_counts(await page.api("GET", "guarantees", "/v1/files/counts"))
    next_link = page.link("/fund/files", show=view, cursor=next_cursor) if next_cursor else None
    return _render(
        page, "fund/files.html", files=found, view=view, views=VIEWS, counts=counts, overdue_count=counts["overdue"], next_link=next_link
    )


# --- one file ------------------------------------------------------------------------------------------
@router.get("/files/{file_id}", response_class=HTMLResponse, summary="Review a file: pre-check, timeline, documents, decisions")
async def file(file_id: uuid.UUID, page: Page) -> HTMLResponse:
    return await _file_page(page, file_id)


async def _file_page(
    page: Visit,
    file_id: uuid.UUID,
    *,
    status: int = 200,
    tenant: dict[str, Any] | None = None,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
) -> HTMLResponse:
    current = await page.get("guarantees", f"/v1/files/{file_id}")
    documents = await page.every("guarantees", f"/v1/files/{file_id}/documents")
    visa = await page.api("GET", "guarantees", f"/v1/files/{file_id}/visa") if current.get("visa") else None
    checklist = await _checklist(page, file_id)
    return _render(
        page,
        "fund/file.html",
        status=status,
        file=current,
        documents=documents,
        visa=visa,
        checklist=checklist,
        missing_reason_options=[(code, say("missing_reason", code)) for code in MISSING_DOCUMENTS_REASONS],
        note_max_chars=NOTE_MAX_CHARS,
        precheck=await _precheck(page, current),
        tenant=tenant,
        values=values or {},
        errors=errors or {},
        rejection_options=[(code, reason_text(code)) for code in REJECTION_REASONS],
        revocation_options=[(code, say("revocation", code)) for code in REVOCATION_REASONS],
        purpose_options=[(code, say("purpose", code)) for code in READ_PURPOSES],
        in_queue=current["status"] in IN_QUEUE,
    )


async def _checklist(page: Visit, file_id: uuid.UUID) -> dict[str, Any] | None:
    """The documents the fund requires, present or missing (None if the service does not say)."""
    try:
        found = await page.api("GET", "guarantees", f"/v1/files/{file_id}/checklist")
    except ApiError as exc:
        if exc.status >= 500 or exc.status in (401, 403):
            raise
        return None
    return dict(found)


async def _precheck(page: Visit, file: dict[str, Any]) -> list[dict[str, Any]]:
    """Each rule of the policy the file was checked against, met or not (with the service's reason)."""
    failed = {failure["rule"]: refusals.refusal_of(failure) for failure in file["failures"]}
    applied: list[str] = []
    try:
        current = await page.api("GET", "guarantees", f"/v1/funds/{file['fund_id']}/policy")
    except ApiError:
        current = None
    if current is not None and current["version"] == file["policy_version"]:
        policy = current["policy"]
        present = {
            "age_or_situation": policy.get("age") is not None,
            "close_family": bool(policy.get("forbid_close_family")),
            "rent_cap": policy.get("rent_cap") is not None,
            "student_rent_cap": policy.get("student_rent_cap") is not None,
            "rent_burden": policy.get("rent_burden") is not None,
            "energy_class": policy.get("energy_classes") is not None,
            "departement": policy.get("departements") is not None,
        }
        applied = [rule for rule in RULES if present[rule]]
    rules = applied + [rule for rule in failed if rule not in applied]
    return [{"rule": rule, "met": rule not in failed, "refusal": failed.get(rule)} for rule in rules]


@router.post("/files/{file_id}/tenant", response_class=HTMLResponse, summary="Show the tenant's data (a logged read, with its purpose)")
async def show_tenant(file_id: uuid.UUID, page: Page) -> HTMLResponse:
    form = await page.form()
    purpose = forms.text(form, "purpose")
    if purpose not in READ_PURPOSES:
        errors = {"purpose": _("Choose why you read the tenant's data: it is written to the file's access log.")}
        return await _file_page(page, file_id, status=422, errors=errors)
    try:
        tenant = await page.api("GET", "guarantees", f"/v1/files/{file_id}/tenant", params={"purpose": purpose})
    except ApiError as exc:
        if exc.status == 403:
            raise PageError(404, _("This page does not exist, or it is not yours.")) from exc
        return await _file_page(page, file_id, status=_refused(page, exc))
    return await _file_page(page, file_id, tenant=tenant, values={"purpose": purpose})


@router.get("/files/{file_id}/documents/{document_id}", summary="Download a document of the file (a logged read)")
async def document(file_id: uuid.UUID, document_id: uuid.UUID, page: Page) -> Response:
    return await _download(page, f"/v1/files/{file_id}/documents/{document_id}", {"purpose": DOCUMENT_PURPOSE})


@router.get("/files/{file_id}/visa.pdf", summary="Download the visa certificate (a logged read)")
async def visa_pdf(file_id: uuid.UUID, page: Page) -> Response:
    return await _download(page, f"/v1/files/{file_id}/visa.pdf", {})


async def _download(page: Visit, path: str, params: dict[str, Any]) -> Response:
    """The service's file streamed on as an attachment, with its type, never cached."""
    try:
        return await page.download("guarantees", path, **params)
    except ApiError as exc:
        if exc.status in (403, 404):
            raise PageError(404, _("This page does not exist, or it is not yours.")) from exc
        raise


@router.post("/files/{file_id}/information-request", response_class=HTMLResponse, summary="Ask the association for more information")
async def request_information(file_id: uuid.UUID, page: Page) -> Response:
    form = await page.form()
    message = forms.text(form, "message")
    if not message:
        errors = {"message": _("Say what the association should send or explain.")}
        return await _file_page(page, file_id, status=422, values={"message": ""}, errors=errors)
    if len(message) > 2000:
        errors = {"message": _("Write at most 2,000 characters.")}
        return await _file_page(page, file_id, status=422, values={"message": message}, errors=errors)
    try:
        await page.api("POST", "guarantees", f"/v1/files/{file_id}/information-requests", json_body={"message": message})
    except ApiError as exc:
        return await _file_page(page, file_id, status=_refused(page, exc), values={"message": message})
    page.notify("success", _("Your request is sent: the association is told, and the review clock stops until it answers."))
    return page.redirect(f"/fund/files/{file_id}")


@router.post("/files/{file_id}/approval", response_class=HTMLResponse, summary="Approve a file: a visa is issued")
async def approve(file_id: uuid.UUID, page: Page) -> Response:
    form = await page.form()
    reason, note = forms.text(form, "missing_reason"), forms.text(form, "missing_note")
    values = {"missing_reason": reason, "missing_note": note}
    checklist = await _checklist(page, file_id)
    body: dict[str, Any] = {}
    if checklist is not None and not checklist["complete"]:  # approving without a required document takes a stated reason
        errors = forms.FieldErrors()
        if reason not in MISSING_DOCUMENTS_REASONS:
            errors.add("missing_reason", _("Choose why the file is approved without these documents."))
        if not note:
            errors.add("missing_note", _("Say in a sentence or two why the file is approved without them."))
        elif len(note) > NOTE_MAX_CHARS:
            errors.add("missing_note", _("Write at most %(max)s characters.", max=NOTE_MAX_CHARS))
        if errors:
            return await _file_page(page, file_id, status=422, values=values, errors=errors)
        body = {"missing_documents": {"reason": reason, "note": note}}
    try:
        approved = await page.api("POST", "guarantees", f"/v1/files/{file_id}/approval", json_body=body)
    except ApiError as exc:
        if exc.status == 422 and exc.errors:
            errors = forms.api_field_errors(exc, APPROVAL_FIELDS, on_form=("missing_reason", "missing_note"))
            return await _file_page(page, file_id, status=422, values=values, errors=errors)
        return await _file_page(page, file_id, status=_refused(page, exc), values=values)
    page.notify("success", _("The file is approved: visa %(number)s is issued.", number=approved["visa"]["number"]))
    return page.redirect(f"/fund/files/{file_id}")


@router.post("/files/{file_id}/rejection", response_class=HTMLResponse, summary="Reject a file with coded reasons")
async def reject(file_id: uuid.UUID, page: Page) -> Response:
    form = await page.form()
    reasons = [reason for reason in forms.chosen(form, "reasons") if reason in REJECTION_REASONS]
    if not reasons:
        errors = {"reject-reasons": _("Tick at least one reason: the association and the household are told why.")}
        return await _file_page(page, file_id, status=422, errors=errors)
    try:
        await page.api("POST", "guarantees", f"/v1/files/{file_id}/rejection", json_body={"reasons": reasons})
    except ApiError as exc:
        return await _file_page(page, file_id, status=_refused(page, exc), values={"reasons": reasons})
    page.notify("success", _("The file is rejected: the association is told why."))
    return page.redirect(f"/fund/files/{file_id}")


@router.post("/files/{file_id}/visa/revocation", response_class=HTMLResponse, summary="Revoke the file's visa, with a reason")
async def revoke(file_id: uuid.UUID, page: Page) -> Response:
    form = await page.form()
    reason = forms.text(form, "revocation_reason")
    if reason not in REVOCATION_REASONS:
        errors = {"revocation_reason": _("Choose why the visa is revoked.")}
        return await _file_page(page, file_id, status=422, errors=errors)
    try:
        revoked = await page.api("POST", "guarantees", f"/v1/files/{file_id}/visa/revocation", json_body={"reason": reason})
    except ApiError as exc:
        return await _file_page(page, file_id, status=_refused(page, exc), values={"revocation_reason": reason})
    page.notify("success", _("Visa %(number)s is revoked: it no longer guarantees a lease.", number=revoked["number"]))
    return page.redirect(f"/fund/files/{file_id}")


# --- claims -----------------------------------------------------------------------------------------
@router.get("/claims", response_class=HTMLResponse, summary="Claims to validate and pay, with their arithmetic, in pages")
async def claims(
    page: Page, show: Annotated[str, Query()] = "open", cursor: Annotated[str | None, Query(max_length=1000)] = None
) -> HTMLResponse:
    return await _claims_page(page, "all" if show == "all" else "open", cursor=cursor)


async def _claims_page(
    page: Visit,
    view: str,
    *,
    cursor: str | None = None,
    status: int = 200,
    errors: dict[str, dict[str, str]] | None = None,
    values: dict[str, dict[str, Any]] | None = None,
) -> HTMLResponse:
    shown, next_cursor = await page.page_of("guarantees", "/v1/claims", cursor, **({} if view == "all" else {"status": list(OPEN_CLAIMS)}))
    counted = (await page.api("GET", "guarantees", "/v1/claims/counts"))["by_status"]  # true totals, whatever the pages
    hidden = 0 if view == "all" else sum(int(counted.get(code, 0)) for code in HANDLED_CLAIMS)
    terms = await _claim_terms(page)
    return _render(
        page,
        "fund/claims.html",
        status=status,
        claims=[_arithmetic(claim, terms) for claim in shown],
        view=view,
        hidden=hidden,
        next_link=page.link("/fund/claims", show=view, cursor=next_cursor) if next_cursor else None,
        terms=terms,
        errors=errors or {},
        values=values or {},
        claim_rejection_options=[(code, say("claim_rejection", code)) for code in CLAIM_REJECTION_REASONS],
    )


async def _claim_terms(page: Visit) -> dict[str, Any] | None:
    """The claim terms of my fund's current policy (deadlines), if the service gives them."""
    fund_id = page.signed().principal.org_id
    if not fund_id:
        return None
    try:
        policy = await page.api("GET", "guarantees", f"/v1/funds/{fund_id}/policy")
    except ApiError:
        return None
    terms = policy.get("policy", {}).get("claims")
    return terms if isinstance(terms, dict) else None


def _arithmetic(claim: dict[str, Any], terms: dict[str, Any] | None) -> dict[str, Any]:
    """A claim with each month's unpaid amount and the first unpaid day. The day its arrears were
    constituted and its two deadlines (formal notice, declaration) are the service's, computed from the
    fund's policy when the claim was filed (``constituted_on``, ``formal_notice_by``, ``declare_by``):
    none for damage alone, months continuing an earlier claim, or a claim filed before they were kept."""
    months = []
    for month in sorted(claim["months"], key=lambda m: m["due_on"]):
        unpaid = max(month["due_cents"] - month["housing_benefit_cents"] - month["paid_by_tenant_cents"], 0)
        months.append({**month, "unpaid_cents": unpaid})
    first_unpaid = next((month["due_on"] for month in months if month["unpaid_cents"] > 0), None)
    return {
        **claim,
        "months": months,
        "first_unpaid_on": first_unpaid,
        "constituted_on": claim.get("constituted_on"),
        "formal_notice_by": claim.get("formal_notice_by"),
        "declare_by": claim.get("declare_by"),
    }


@router.get("/claims/{claim_id}/inventories", response_class=HTMLResponse, summary="A damage claim's two inventories side by side")
async def claim_inventories(claim_id: uuid.UUID, page: Page) -> HTMLResponse:
    compared = await page.get("guarantees", f"/v1/claims/{claim_id}/inventories")
    return _render(page, "fund/claim_inventories.html", compared=compared, conditions=condition_words(), change_words=change_words())


@router.post("/claims/{claim_id}/validation", response_class=HTMLResponse, summary="Validate a filed claim")
async def validate_claim(claim_id: uuid.UUID, page: Page) -> Response:
    await page.form()
    await page.get("guarantees", f"/v1/claims/{claim_id}")
    try:
        await page.api("POST", "guarantees", f"/v1/claims/{claim_id}/validation")
    except ApiError as exc:
        return await _claims_page(page, "all", status=_refused(page, exc))
    page.notify("success", _("The claim is validated: record the payout once the owner's subrogation receipt is in."))
    return page.redirect("/fund/claims")


@router.post("/claims/{claim_id}/rejection", response_class=HTMLResponse, summary="Reject a claim with coded reasons")
async def reject_claim(claim_id: uuid.UUID, page: Page) -> Response:
    form = await page.form()
    await page.get("guarantees", f"/v1/claims/{claim_id}")
    key = str(claim_id)
    reasons = [reason for reason in forms.chosen(form, "reasons") if reason in CLAIM_REJECTION_REASONS]
    if not reasons:
        errors = {key: {"reasons": _("Tick at least one reason: the owner is told why.")}}
        return await _claims_page(page, "all", status=422, errors=errors)
    try:
        await page.api("POST", "guarantees", f"/v1/claims/{claim_id}/rejection", json_body={"reasons": reasons})
    except ApiError as exc:
        return await _claims_page(page, "all", status=_refused(page, exc), values={key: {"reasons": reasons}})
    page.notify("success", _("The claim is rejected: the owner is told why."))
    return page.redirect("/fund/claims")


@router.post("/claims/{claim_id}/payment", response_class=HTMLResponse, summary="Record a claim's payout against the subrogation receipt")
async def pay_claim(claim_id: uuid.UUID, page: Page) -> Response:
    form = await page.form()
    await page.get("guarantees", f"/v1/claims/{claim_id}")
    key = str(claim_id)
    receipt = forms.text(form, "subrogation_receipt")
    error = None
    if not receipt:
        error = _("Enter the reference of the owner's subrogation receipt.")
    elif not (3 <= len(receipt) <= 100) or not all(c.isascii() and (c.isalnum() or c in "._/-") for c in receipt):
        error = _("Enter the reference as printed: 3 to 100 letters, digits, dots, dashes or slashes, without spaces.")
    if error is None:
        try:
            await page.api("POST", "guarantees", f"/v1/claims/{claim_id}/payment", json_body={"subrogation_receipt": receipt})
        except ApiError as exc:
            if exc.status == 422 and exc.errors:
                error = explained(exc)  # a coded rule in words, else a sentence in the reader's language (never the service's detail)
            else:
                return await _claims_page(page, "all", status=_refused(page, exc), values={key: {"subrogation_receipt": receipt}})
    if error is not None:
        return await _claims_page(
            page, "all", status=422, errors={key: {"subrogation_receipt": error}}, values={key: {"subrogation_receipt": receipt}}
        )
    page.notify("success", _("The payout is recorded: the owner is told."))
    return page.redirect("/fund/claims?show=all")
