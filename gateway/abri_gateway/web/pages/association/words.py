"""The words for the codes the association's pages show (in the current language: ``_()`` is called
when the words are asked for, never at import time); a code without one shows as itself."""

from __future__ import annotations

from abri_gateway.web import labels
from abri_gateway.web.i18n import gettext as _


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
        "legal_basis": {"siao_orientation": _("an orientation by the SIAO")},
        "consent_withdrawal": {
            "matching": _(
                "The household leaves every ranking at once; its suggestions waiting for review are deleted and its"
                " proposals not yet accepted are withdrawn (the owner is told). A home already accepted goes on."
            ),
            "share_with_owner_after_acceptance": _("The owner who accepted can no longer read the household's name and contact."),
            "guarantee_file": _(
                "No new guarantee file can be sent for the household, and the fund no longer reads the tenant's data;"
                " it keeps the amounts, statuses and dates of the files already sent."
            ),
            "notifications": _("Abri stops sending messages to the household, and what was waiting to be sent is cancelled."),
        },
        "access_purpose": {
            "support_follow_up": _("Social follow-up"),
            "contact": _("Contacting the household"),
            "placement_proposal": _("Proposing a home"),
            "guarantee_file": _("Guarantee file"),
            "lease_signature": _("Lease signature"),
            "household_own_request": _("The household's own request"),
            "owner_after_acceptance": _("The owner, after accepting"),
            "inventory": _("The inventory of the household's home"),
            "export": _("Export of the household's data"),
            "account_linked": _("The household's account linked to its file (invitation accepted)"),
            "account_unlinked": _("The household's account unlinked from its file"),
        },
        "invitation_state": {
            "pending": _("Waiting for the household"),
            "accepted": _("Accepted: the account is linked"),
            "revoked": _("Revoked (or replaced by a newer one)"),
            "expired": _("Expired"),
        },
        "match_rule": {
            "overcrowding": _("Enough space for the household"),
            "accessibility": _("Accessibility needs"),
            "bedrooms": _("Bedrooms"),
            "rent_burden": _("Rent burden"),
            "wanted_place": _("Wanted place"),
            "availability": _("Available soon enough"),
            "scheme": _("Letting scheme"),
            "room_capacity": _("A room for the household's size"),
            "house_rules": _("House rules of a shared home"),
            "cohabitation_age": _("Intergenerational cohabitation: one person under 30"),
        },
        "component": {
            "priority": _("Priority"),
            "waiting_time": _("Waiting time"),
            "size_fit": _("Size fit"),
            "distance": _("Distance"),
            "energy_cost": _("Energy bill"),
        },
        "suggestion_status": {"pending": _("To review"), "dismissed": _("Dismissed"), "proposed": _("Proposed")},
        "withdraw_reason": {
            "household_withdrew": _("The household withdrew"),
            "household_housed_elsewhere": _("The household was housed elsewhere"),
            "association_decision": _("The association's decision"),
            "other": _("Another reason"),
            "consent_withdrawn": _("The household withdrew its consent to matching"),
            "household_erased": _("The household's data were erased"),
        },
        "renewal_kind": {"tacit": _("Tacitly continued at its term"), "renewed": _("Renewed by the parties")},
        "expiry_reason": {"no_answer_in_time": _("The owner did not answer in time")},
        "lease_note": {"signed_before_ban_recorded_after": _("Signed before the home's letting ban began, recorded after")},
        "activation_refusal": {
            "visa_revoked": _("The visa was revoked"),
            "visa_expired": _("The visa had expired on the day the lease was signed"),
            "lease_signed_before_visa": _("The lease was signed before the visa was issued"),
            "lease_signed_before_majority": _("The lease was signed before the tenant came of age"),
            "lease_signed_after_deadline": _("The lease was signed after the visa's deadline"),
            "rent_above_visa_max": _("The rent and charges are above the visa's maximum"),
            "documents_missing": _("Documents the fund awaited had not come"),
        },
        "lease_type": {
            "direct": _("Direct lease"),
            "sub_let": _("Sub-let (occupancy agreement)"),
            "sliding": _("Sliding lease"),
            "cohabitation": _("Intergenerational cohabitation contract"),
        },
        "review_party": {"association": _("The association"), "household": _("The household"), "owner": _("The owner")},
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
            "agree_slide": _("The owner agreed to the slide"),
            "renew": _("The owner's lease renewed or continued"),
            "end_lease": _("The lease ended"),
        },
        "lease_end_reason": {
            "social_housing": _("The household moved to social housing"),
            "moved_elsewhere": _("The household gave notice and moved elsewhere"),
            "owner_notice": _("The owner gave notice at the lease's term"),
            "head_lease_ended": _("The owner's lease to the association ended"),
            "eviction": _("The lease was terminated by a court"),
            "death": _("Death of the tenant"),
            "other": _("Another reason"),
        },
        "role": {
            "social_worker": _("Association"),
            "association": _("Association"),
            "owner": _("Owner"),
            "fund_agent": _("Guarantee fund"),
            "fund": _("Guarantee fund"),
            "ops": _("Operations"),
            "system": _("Abri"),
            "household": _("The household"),
        },
        "erasure_service": {
            "matching": _("Matching (the household's record, consents, placements)"),
            "guarantees": _("Rent guarantees (files, documents, visa)"),
            "notifications": _("Messages (addresses, inbox, e-mails and SMS)"),
            "listings": _("Homes offered (listings)"),
            "assistant": _("Assistant (conversations, where the files stand)"),
        },
        "erasure_state": {"pending": _("Pending"), "completed": _("Completed")},
        "erasure_requested_by": {
            "household": _("The household itself"),
            "association": _("Its association, on its behalf"),
            "dpo": _("The data protection officer, at the household's request"),
            "retention": _("Abri, at the end of the retention period (2 years without contact)"),
        },
        "erasure_kept": {
            "consent_proof": _("The household's consents (what, when, the version of the notice, who recorded them), without its identity"),
            "placement_history": _("Its placements and their steps (which home, who proposed and answered, when, the coded reasons)"),
            "erasure_record": _("Its record without identity (composition, resources, wanted places, dates) and this request"),
            "inventories": _("The move-in and move-out inventories of its leases (the home's condition, notes and photos)"),
            "paid_claims": _("The claims a fund paid: amounts and dates, without the tenant's identity"),
            "guarantee_records": _("The guarantee and its claims not paid: amounts, statuses and dates, without the tenant's identity"),
        },
        "erasure_kept_why": {
            "consent_proof": _(
                "To prove that the household's data were processed with its consent (GDPR art. 7(1)), for as long as a claim"
                " can be brought (Civil Code art. 2224: 5 years)."
            ),
            "placement_history": _(
                "The evidence of what was done and why, for as long as a claim can be brought (Civil Code art. 2224: 5 years)."
            ),
            "erasure_record": _("To prove that the erasure was done (GDPR art. 5(2) and 17)."),
            "inventories": _(
                "The lease's evidence of the home's condition, kept while the lease runs and 3 years after the deposit is due"
                " (loi 89-462, art. 3-2 and 7-1)."
            ),
            "paid_claims": _("Accounting records are kept 10 years (Commercial Code art. L123-22)."),
            "guarantee_records": _(
                "For the fund and the owner to settle, for as long as a claim can be brought (Civil Code art. 2224: 5 years)."
            ),
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
            "approved_with_missing_documents": _("Approved without every document the fund requires"),
            "documents_to_follow": _("The documents will follow: the fund checks them before the lease is signed"),
            "equivalent_proof_seen": _("The fund saw an equivalent proof"),
            "not_applicable_to_situation": _("The tenant's situation has no such document"),
            "missing_identity": _("Missing: identity document"),
            "missing_proof_of_address": _("Missing: proof of address"),
            "missing_professional_situation": _("Missing: proof of professional situation"),
            "missing_resources": _("Missing: proof of resources"),
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
            "unsupported_content_type": _("Send a PDF, JPEG or PNG file."),
            "content_type_mismatch": _("The file's content is not what its type says: send a PDF, JPEG or PNG file."),
        },
        "fund_kind": {
            "visale": _("National guarantee (Visale-like)"),
            "fsl": _("Housing solidarity fund (FSL)"),
            "gli": _("Unpaid-rent insurance (GLI)"),
        },
    }


STEP_REASONS = {
    "decline": "decline_reason",
    "withdraw": "withdraw_reason",
    "expire": "expiry_reason",
    "reject_guarantee": "guarantee_rule",
    "guarantee_not_activated": "activation_refusal",
    "sign_lease": "lease_note",
    "review": "review_outcome",
    "renew": "renewal_kind",
    "end_lease": "lease_end_reason",
}
"""The kind of words of the coded reason each step of a placement's timeline may carry (matching's steps)."""


def step_reason(step: object, reason: object) -> str:
    """A timeline step's coded reason in words (a code without words shows as itself)."""
    kind = STEP_REASONS.get(str(step), "")
    return (words().get(kind) or labels.words().get(kind, {})).get(str(reason), str(reason))


def term(kind: str, code: object) -> str:
    """The word for ``code`` (itself if it has none)."""
    return words().get(kind, {}).get(str(code), str(code))


def choices(codes: object, kind: str) -> list[tuple[str, str]]:
    return [(str(code), term(kind, code)) for code in codes]  # type: ignore[attr-defined]
