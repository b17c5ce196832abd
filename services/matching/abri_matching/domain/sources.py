"""The legal texts matching's rules apply: data beside the policies, one :class:`LegalSource` per rule id.

Each 422 that applies a rule names its id, its numbers and one of these (``abri_kit.legal.coded_error``);
``docs/domain-rules.md`` ("Matching") says what each text says and when it was last checked.
"""

from __future__ import annotations

from collections.abc import Mapping

from abri_kit.legal import NO_SOURCE, LegalSource, Texts

LOI_89_462, LOI_2021_1104, CCH, CGI = Texts.LOI_89_462, Texts.LOI_2021_1104, Texts.CCH, Texts.CGI
SOLIBAIL_FAQ = "http://www.logement.gouv.fr/foire-aux-questions"
ANIL_2010 = "https://www.adil39.org/documentation/etudes-et-eclairages/etudes-et-eclairages-2010/sous-location-avec-glissement-du-bail/"

SOURCES: Mapping[str, LegalSource] = {
    # the hard rules of the ranking, held at a proposal too
    "overcrowding": LegalSource("CCH, art. R822-25 (formerly code de la sécurité sociale, art. D542-14); CCH, art. R441-14-1", CCH),
    "rent_burden": LegalSource("Arrêté du 10 mars 2011 (calcul du taux d'effort); the threshold is the association's own"),
    "accessibility": LegalSource("Loi 2005-102 (accessibilité); the needs the association recorded"),
    "bedrooms": LegalSource("The needs the association recorded"),
    "wanted_place": LegalSource("The places the household wants"),
    "availability": LegalSource("Matching policy: availability horizon"),
    "scheme": LegalSource("The schemes the unit and the association take part in"),
    # scheme and lease
    "lease_type_not_allowed_by_scheme": LegalSource(
        "Solibail / intermediated letting: the association is the tenant and houses the household under an occupancy "
        "agreement (CCH, art. L442-8-1 and L321-10); sliding lease: CCH, art. L442-8-3, loi 89-462 art. 8; "
        "Loc'Avantages: CGI, art. 199 tricies (Loc3 only through an approved intermediary)",
        SOLIBAIL_FAQ,
    ),
    # dates of the lease
    "signed_before_acceptance": NO_SOURCE,
    "signed_before_guarantee_decision": NO_SOURCE,
    "signed_in_the_future": NO_SOURCE,
    "lease_signed_too_long_ago": NO_SOURCE,  # Abri's choice (lease_recording_grace_days): no text bounds when a lease is recorded
    "starts_before_signature": NO_SOURCE,
    "ends_before_start": NO_SOURCE,
    "scheme_does_not_disclose": LegalSource(
        "RGPD, art. 5.1.c (minimisation): under intermediated letting and a sliding lease the association is the owner's tenant "
        "(Solibail FAQ; CCH, art. L442-8-3); the owner learns the household's contact once it is its landlord",
        SOLIBAIL_FAQ,
    ),
    "energy_facts_unknown": LegalSource(
        "Loi 2021-1104, art. 160; loi 89-462, art. 6 (the ban date of the unit's class is not known yet)", LOI_2021_1104
    ),
    "energy_letting_ban": LegalSource(
        "Loi 2021-1104, art. 160; loi 89-462, art. 6 (décence énergétique; CCH, art. L173-1-1): no lease concluded, "
        "renewed or tacitly continued from the ban's first day",
        LOI_2021_1104,
    ),
    "dpe_expired": LegalSource(
        "Décret 2020-1610 (CCH, art. D126-19: a DPE is valid 10 years); loi 89-462, art. 3-3 (annexed to the lease)", CCH
    ),
    # renewals of the owner's lease
    "renewal_not_at_term_end": LegalSource(
        "Loi 89-462, art. 10 (a lease reaching its term is tacitly continued or renewed) and art. 25-7 (furnished: one year, "
        "tacitly continued for one year)",
        LOI_89_462,
    ),
    "renewal_in_the_future": NO_SOURCE,
    "dpe_expired_at_renewal": LegalSource(
        "Loi 89-462, art. 3-3 (the diagnostics are annexed to the lease at its signature or its renewal); décret 2020-1610 "
        "(CCH, art. D126-19: a DPE is valid 10 years)",
        LOI_89_462,
    ),
    # the head lease of a sub-let or sliding lease
    "head_lease_term_required": LegalSource("Loi 89-462, art. 8 (a sub-let holds only within the head lease)", LOI_89_462),
    "sub_let_beyond_head_lease": LegalSource("Loi 89-462, art. 8 (a sub-let holds only within the head lease)", LOI_89_462),
    "head_lease_ended": LegalSource("Loi 89-462, art. 8 (a sub-let holds only within the head lease)", LOI_89_462),
    # the sliding lease
    "joint_review_parties": LegalSource(
        "CCH, art. L442-8-3 (examen périodique contradictoire, loi 2009-323); ANIL, FNARS, USH recommendations (July 2010)", ANIL_2010
    ),
    "slide_too_early": LegalSource(
        "Abri's default: at least one review period of sub-letting before the slide (ANIL, FNARS, USH 2010)", ANIL_2010
    ),
    "slide_needs_owner_agreement": LegalSource(
        "Loi 89-462, art. 8 (the owner's written agreement); ANIL, FNARS, USH recommendations (tripartite agreement)", ANIL_2010
    ),
    "slide_needs_ready_review": LegalSource("CCH, art. L442-8-3 (the review judges the household's capacity to hold the lease)", CCH),
}
"""Every rule id of matching's refusals, with the text it applies (``NO_SOURCE``: Abri's coherence of dates)."""


def source_of(rule: str) -> LegalSource:
    """The text ``rule`` applies (``NO_SOURCE`` for an unknown id or a coherence check)."""
    return SOURCES.get(rule, NO_SOURCE)
