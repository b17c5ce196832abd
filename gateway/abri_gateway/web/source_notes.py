"""What a legal source adds to its citation, in the reader's language.

A service names the text a rule applies by its citation (a French proper name, "Loi 89-462, art. 8",
shown as it is) and, where it says more, a note's stable code (``source_note``, ``abri_kit.legal.Note``):
the page writes the note from this table. Each English text here is the service's own note, word for word
(``tests/web/test_source_notes.py`` holds every service's notes against it), so a note a page does not
know is caught by a test before a reader sees the service's English.
"""

from __future__ import annotations

from abri_gateway.web.i18n import gettext as _


def note_words(code: str) -> str | None:
    """The note ``code`` in the current language; ``None`` for a code this page has no words for."""
    words = {
        # matching: the ranking's rules, the lease, the renewal, the sliding lease
        "household_needs": _("the needs the association recorded"),
        "association_threshold": _("the threshold is the association's own"),
        "wanted_places": _("the places the household wants"),
        "availability_horizon": _("Abri's matching policy: how soon the home is available"),
        "schemes_taken_part_in": _("the schemes the home and the association take part in"),
        "room_capacity_stated": _("how many people the room takes, as its owner states it"),
        "house_rules_stated": _("the house rules the owner states, against the needs the association recorded"),
        "scheme_leases": _(
            "under intermediated letting, the association is the tenant and houses the household under an occupancy agreement;"
            " Loc'Avantages Loc3 only through an approved intermediary"
        ),
        "association_is_tenant": _(
            "under intermediated letting and a sliding lease, the association is the owner's tenant: the owner learns the"
            " household's contact once it is its landlord"
        ),
        "ban_date_unknown": _("the ban date of the home's energy class is not known yet"),
        "no_lease_from_ban": _("no lease is signed, renewed or tacitly continued from the ban's first day"),
        "dpe_valid_ten_years": _("an energy diagnosis is valid 10 years and is annexed to the lease"),
        "lease_at_term": _("a lease that reaches its term is tacitly continued or renewed; a furnished one, for one year"),
        "sub_let_within_head_lease": _("a sub-let lasts no longer than the owner's lease to the association"),
        "slide_after_one_review": _("Abri's default: at least one review period of sub-letting before the lease slides"),
        "owner_written_agreement": _("the owner agrees in writing"),
        "review_judges_capacity": _("the review judges whether the household can hold the lease"),
        # guarantees: the funds' conditions, the documents, the claims, the visa
        "arrears_constituted": _("when the unpaid rent counts as arrears"),
        "claim_deadlines": _("a formal notice within 15 days of the arrears, the claim within 30 days"),
        "damage_cover": _("damage: up to two months of rent and charges, when the tenant leaves"),
        "visale_caps": _(
            "the rent caps and the 50 % rent burden as Action Logement's partners publish them (visale.fr's own page was not reached)"
        ),
        "fsl_own_rules": _("each département's FSL sets its own conditions in its internal rules"),
        "fsl_rent_burden": _(
            "rent burden: rent and charges less housing benefit, over resources; each département's FSL sets its own conditions"
        ),
        "insurer_contract": _("the insurer's contract (market practice: resources of 2.7 times the rent; not law)"),
        "documents_list": _("the closed list of documents a landlord may ask for"),
        "documents_forbidden": _("no document outside the décret's list may be asked for; fines of 3,000 € or 15,000 €"),
        "visale_documents": _("an identity document for every applicant; for an employee, the employment contract and payslips"),
        "minor_lease": _("a request from 17 years and 10 months; the lease is signed only from the tenant's 18th birthday"),
    }
    return words.get(code)
