"""The texts each refusal of the guarantees service applies: data beside the policies, one
:class:`~abri_kit.legal.LegalSource` per rule id (the fund's published page or the law, with its link).

A refusal names its rule, its numbers and its source (``abri_kit.legal.coded_error``), so that an
association, an owner or an inspector reads which condition refused it and where to check it. Rules a
fund kind applies differently have one entry per kind (:func:`eligibility_source`); Abri's own coherence
checks (a month not yet due, an empty upload) cite nothing (``NO_SOURCE``). Each page was read on
2026-12-05 (``docs/domain-rules.md``, "Rental guarantees" and "Documents a landlord may ask for"). A
citation is the page's or the text's French reference only (pages say it as it is in every language); what
it means here is its :class:`~abri_kit.legal.Note` (a code the web translates, in English for the API); an
insurer's contract is no law: a note alone.
"""

from __future__ import annotations

from collections.abc import Mapping

from abri_guarantees.domain.eligibility import Failure
from abri_guarantees.domain.policy import FundKind, Rule
from abri_kit.legal import NO_SOURCE, LegalSource, Note

CHECKED_ON = "2026-12-05"
"""When the pages below were last read against the code."""

# what a source adds to its citation, in words a page translates (its catalogues know each code)
ARREARS_CONSTITUTED = Note("arrears_constituted", "when the unpaid rent counts as arrears")
CLAIM_DEADLINES = Note("claim_deadlines", "a formal notice within 15 days of the arrears, the claim within 30 days")
DAMAGE_COVER = Note("damage_cover", "damage: up to two months of rent and charges, when the tenant leaves")
VISALE_CAPS_NOTE = Note(
    "visale_caps",
    "the rent caps and the 50 % rent burden as Action Logement's partners publish them (visale.fr's own page was not reached)",
)
FSL_OWN_RULES = Note("fsl_own_rules", "each département's FSL sets its own conditions in its internal rules")
FSL_BURDEN_NOTE = Note(
    "fsl_rent_burden",
    "rent burden: rent and charges less housing benefit, over resources; each département's FSL sets its own conditions",
)
INSURER_CONTRACT = Note("insurer_contract", "the insurer's contract (market practice: resources of 2.7 times the rent; not law)")
DOCUMENTS_LIMITED = Note("documents_list", "the closed list of documents a landlord may ask for")
DOCUMENTS_FINES = Note("documents_forbidden", "no document outside the décret's list may be asked for; fines of 3,000 € or 15,000 €")
VISALE_DOCUMENTS_NOTE = Note(
    "visale_documents", "an identity document for every applicant; for an employee, the employment contract and payslips"
)
MINOR_LEASE = Note("minor_lease", "a request from 17 years and 10 months; the lease is signed only from the tenant's 18th birthday")

VISALE_UNDER_30 = LegalSource(
    "Action Logement, visale.fr, FAQ locataires « Locataire de 30 ans ou moins, suis-je éligible ? » (questions 1 et 2)",
    "https://www.visale.fr/vos-questions/faq-locataires/locataire-de-30-ans-ou-moins-suis-je-eligible",
)
VISALE_OVER_30 = LegalSource(
    "Action Logement, visale.fr, FAQ locataires « Locataire de plus de 30 ans, suis-je éligible ? » (question 1)",
    "https://www.visale.fr/vos-questions/faq-locataires/locataire-de-plus-de-30-ans-suis-je-eligible",
)
VISALE_LEASE = LegalSource(
    "Action Logement, visale.fr, FAQ bailleurs « Les conditions d'éligibilité (locataire, bail, logement) »",
    "https://www.visale.fr/vos-questions/faq-bailleurs/les-conditions-deligibilite-locataire-bail-logement/",
)
VISALE_CLAIMS = LegalSource(
    "Action Logement, visale.fr, FAQ bailleurs « La gestion des impayés de loyer » (question 1)",
    "https://visale.fr/vos-questions/faq-bailleurs/la-gestion-des-impayes-de-loyer",
    ARREARS_CONSTITUTED,
)
VISALE_CLAIM_STEPS = LegalSource(
    "Action Logement, visale.fr, FAQ bailleurs « Quelles sont les étapes à suivre par le bailleur au moment de la survenance "
    "de l'impayé de loyer ? »",
    "https://visale.fr/?p=250",
    CLAIM_DEADLINES,
)
VISALE_DAMAGE_INVENTORIES = LegalSource(
    "Action Logement, visale.fr, FAQ bailleurs « Quelles sont les dégradations locatives prises en charge ? »; loi 89-462, art. 3-2",
    "https://visale.fr/?p=224",
)
VISALE_DAMAGE = LegalSource(
    "Action Logement, visale.fr, FAQ bailleurs « Quel est le montant de la prise en charge ? »",
    "https://visale.fr/faq/quel-est-le-montant-de-la-prise-en-charge",
    DAMAGE_COVER,
)
VISALE_CAPS = LegalSource("Action Logement, Visale", None, VISALE_CAPS_NOTE)
"""Visale's rent caps (1,500 € in Île-de-France, 1,300 € elsewhere; students 800 € / 600 €) and 50 % rent burden, as
published by Action Logement's partners (``docs/domain-rules.md``); the refusal's ``params`` carry the numbers."""
FSL_LAW = LegalSource(
    "Loi n° 90-449 du 31 mai 1990, art. 6",
    "https://www.legifrance.gouv.fr/loda/article_lc/LEGIARTI000006351274",
    FSL_OWN_RULES,
)
FSL_BURDEN = LegalSource(
    "Arrêté du 10 mars 2011 (calcul du taux d'effort); loi n° 90-449 du 31 mai 1990, art. 6", FSL_LAW.url, FSL_BURDEN_NOTE
)
"""An FSL's rent burden: the arrêté's formula, the threshold the FSL's own (linked to the law that lets it set it)."""
GLI_CONTRACT = LegalSource("", None, INSURER_CONTRACT)
DOCUMENTS_LIST = LegalSource(
    "Décret n° 2015-1437 du 5 novembre 2015, annexe I",
    "https://www.legifrance.gouv.fr/loda/id/JORFTEXT000031444493",
    DOCUMENTS_LIMITED,
)
DOCUMENTS_FORBIDDEN = LegalSource(
    "Loi n° 89-462 du 6 juillet 1989, art. 22-2",
    "https://www.legifrance.gouv.fr/loda/article_lc/LEGIARTI000028806383",
    DOCUMENTS_FINES,
)
VISALE_DOCUMENTS = LegalSource(
    "Action Logement, visale.fr, FAQ locataires « Locataire de 30 ans ou moins, suis-je éligible ? » (question 3)",
    "https://www.visale.fr/vos-questions/faq-locataires/locataire-de-30-ans-ou-moins-suis-je-eligible",
    VISALE_DOCUMENTS_NOTE,
)

_BY_KIND: Mapping[FundKind, Mapping[str, LegalSource]] = {
    FundKind.VISALE: {
        Rule.AGE_OR_SITUATION: VISALE_OVER_30,
        Rule.CLOSE_FAMILY: VISALE_LEASE,
        Rule.RENT_CAP: VISALE_CAPS,
        Rule.STUDENT_RENT_CAP: VISALE_CAPS,
        Rule.RENT_BURDEN: VISALE_CAPS,
        "required_documents_missing": VISALE_DOCUMENTS,
    },
    FundKind.FSL: {rule: FSL_LAW for rule in (*Rule, "required_documents_missing")},
    FundKind.GLI: {rule: GLI_CONTRACT for rule in (*Rule, "required_documents_missing")},
}
"""Where each fund kind's default conditions come from. A fund that changes a number keeps citing its
kind's page: the number then differs from it, which the policy's version history shows."""

CLAIM_SOURCES: Mapping[str, LegalSource] = {
    "claim_not_constituted": VISALE_CLAIMS,
    "claim_continues_no_arrears_claim": VISALE_CLAIMS,
    "month_outside_tenancy": VISALE_CLAIMS,
    "month_above_guaranteed_rent": VISALE_CLAIMS,
    "damage_before_tenancy_end": VISALE_DAMAGE,
    "damage_without_inventories": VISALE_DAMAGE_INVENTORIES,
    "month_not_due": NO_SOURCE,
}
"""The claim refusals (Visale's pages; a month not yet due is Abri's own coherence check)."""

DOCUMENT_SOURCES: Mapping[str, LegalSource] = {
    "forbidden_document_kind": DOCUMENTS_FORBIDDEN,
    "unknown_document_kind": DOCUMENTS_LIST,
    "unknown_document_sub_kind": DOCUMENTS_LIST,
    "document_sub_kind_required": DOCUMENTS_LIST,
    "second_identity_document": DOCUMENTS_LIST,
}
"""The document refusals that apply the law; the size, count and format limits are Abri's own."""


ACTIVATION_SOURCES: Mapping[str, LegalSource] = {
    "lease_signed_before_majority": LegalSource(
        "Action Logement, visale.fr, FAQ locataires « Locataire de 30 ans ou moins, suis-je éligible ? » (question 2)",
        VISALE_UNDER_30.url,
        MINOR_LEASE,
    ),
    "visa_revoked": VISALE_LEASE,
    "visa_expired": VISALE_LEASE,
    "lease_signed_before_visa": VISALE_LEASE,
    "lease_signed_after_deadline": VISALE_LEASE,
    "rent_above_visa_max": VISALE_LEASE,
}
"""Why a Visale visa does not guarantee a lease (the visa states its maximum, its validity and the deadline to
sign, questions 1 and 3; the minor's lease, the page on the young). Documents "to follow" an approval are an
Abri workflow: no text. Other fund kinds' visa terms are Abri's defaults (``VisaTerms``): no text either."""


def activation_source(kind: FundKind, rule: str) -> LegalSource:
    """The text an activation refusal ``rule`` applies for a fund of ``kind``."""
    return ACTIVATION_SOURCES.get(rule, NO_SOURCE) if kind is FundKind.VISALE else NO_SOURCE


def eligibility_source(kind: FundKind, rule: str) -> LegalSource:
    """The text a fund of ``kind`` applies for ``rule``; ``NO_SOURCE`` for a rule the kind has no text for."""
    return _BY_KIND.get(kind, {}).get(rule, NO_SOURCE)


def failure_source(kind: FundKind, failure: Failure) -> LegalSource:
    """The text of a pre-check failure: its rule's, except a Visale tenant too young to apply (its
    ``params`` carry ``min_age``), which the page on the young sets (question 2: from 17 years and 10 months)."""
    if kind is FundKind.VISALE and failure.rule is Rule.AGE_OR_SITUATION and "min_age" in failure.params:
        return VISALE_UNDER_30
    if kind is FundKind.FSL and failure.rule is Rule.RENT_BURDEN:
        return FSL_BURDEN
    return eligibility_source(kind, failure.rule.value)


def claim_source(rule: str) -> LegalSource:
    return CLAIM_SOURCES.get(rule, NO_SOURCE)


def document_source(rule: str) -> LegalSource:
    return DOCUMENT_SOURCES.get(rule, NO_SOURCE)
