"""The legal texts matching's rules apply: data beside the policies, one :class:`LegalSource` per rule id.

Each 422 that applies a rule names its id, its numbers and one of these (``abri_kit.legal.coded_error``);
``docs/domain-rules.md`` ("Matching") says what each text says and when it was last checked. A citation is
the text's French reference only (pages say it as it is in every language); what it means here, or what is
Abri's or the association's own, is its :class:`Note` (a code the web translates, in English for the API).
"""

from __future__ import annotations

from collections.abc import Mapping

from abri_kit.legal import NO_SOURCE, LegalSource, Note, Texts

LOI_89_462, LOI_2021_1104, CCH, CGI = Texts.LOI_89_462, Texts.LOI_2021_1104, Texts.CCH, Texts.CGI
SOLIBAIL_FAQ = "http://www.logement.gouv.fr/foire-aux-questions"
ANIL_2010 = "https://www.adil39.org/documentation/etudes-et-eclairages/etudes-et-eclairages-2010/sous-location-avec-glissement-du-bail/"

# what a source adds to its citation, in words a page translates (its catalogues know each code)
HOUSEHOLD_NEEDS = Note("household_needs", "the needs the association recorded")
THRESHOLD_OWN = Note("association_threshold", "the threshold is the association's own")
WANTED_PLACES = Note("wanted_places", "the places the household wants")
AVAILABILITY_HORIZON = Note("availability_horizon", "Abri's matching policy: how soon the home is available")
ROOM_CAPACITY = Note("room_capacity_stated", "how many people the room takes, as its owner states it")
HOUSE_RULES = Note("house_rules_stated", "the house rules the owner states, against the needs the association recorded")
SCHEMES_TAKEN = Note("schemes_taken_part_in", "the schemes the home and the association take part in")
SCHEME_LEASES = Note(
    "scheme_leases",
    "under intermediated letting, the association is the tenant and houses the household under an occupancy agreement;"
    " Loc'Avantages Loc3 only through an approved intermediary",
)
NOT_DISCLOSED = Note(
    "association_is_tenant",
    "under intermediated letting and a sliding lease, the association is the owner's tenant: the owner learns the"
    " household's contact once it is its landlord",
)
BAN_DATE_UNKNOWN = Note("ban_date_unknown", "the ban date of the home's energy class is not known yet")
NO_LEASE_FROM_BAN = Note("no_lease_from_ban", "no lease is signed, renewed or tacitly continued from the ban's first day")
DPE_VALID_10_YEARS = Note("dpe_valid_ten_years", "an energy diagnosis is valid 10 years and is annexed to the lease")
LEASE_AT_TERM = Note("lease_at_term", "a lease that reaches its term is tacitly continued or renewed; a furnished one, for one year")
SUB_LET_WITHIN_HEAD_LEASE = Note("sub_let_within_head_lease", "a sub-let lasts no longer than the owner's lease to the association")
SLIDE_REVIEW_PERIOD = Note("slide_after_one_review", "Abri's default: at least one review period of sub-letting before the lease slides")
OWNER_AGREEMENT = Note("owner_written_agreement", "the owner agrees in writing")
REVIEW_JUDGES = Note("review_judges_capacity", "the review judges whether the household can hold the lease")
HEAD_LEASE = LegalSource("Loi 89-462, art. 8", LOI_89_462, SUB_LET_WITHIN_HEAD_LEASE)
INVENTORY = LegalSource("Loi 89-462, art. 3-2; décret 2016-382", LOI_89_462)

SOURCES: Mapping[str, LegalSource] = {
    # the hard rules of the ranking, held at a proposal too
    "overcrowding": LegalSource("CCH, art. R822-25 (anciennement code de la sécurité sociale, art. D542-14); CCH, art. R441-14-1", CCH),
    "rent_burden": LegalSource("Arrêté du 10 mars 2011 (calcul du taux d'effort)", Texts.ARRETE_2011_03_10, THRESHOLD_OWN),
    "accessibility": LegalSource("Loi 2005-102 (accessibilité)", None, HOUSEHOLD_NEEDS),
    "bedrooms": LegalSource("", None, HOUSEHOLD_NEEDS),
    "wanted_place": LegalSource("", None, WANTED_PLACES),
    "availability": LegalSource("", None, AVAILABILITY_HORIZON),
    "scheme": LegalSource("", None, SCHEMES_TAKEN),
    "cohabitation_age": LegalSource("CCH, art. L631-17 (une personne de moins de trente ans)", CCH),
    "cohabitation_duration_required": LegalSource("CCH, art. L631-17 (la durée du contrat est librement convenue)", CCH),
    "room_capacity": LegalSource("Loi 89-462, art. 8-1 (colocation)", LOI_89_462, ROOM_CAPACITY),
    "house_rules": LegalSource("", None, HOUSE_RULES),
    # scheme and lease
    "lease_type_not_allowed_by_scheme": LegalSource(
        "Solibail, intermédiation locative: CCH, art. L442-8-1 et L321-10; bail glissant: CCH, art. L442-8-3, loi 89-462, art. 8; "
        "Loc'Avantages: CGI, art. 199 tricies",
        SOLIBAIL_FAQ,
        SCHEME_LEASES,
    ),
    # dates of the lease
    "signed_before_acceptance": NO_SOURCE,
    "signed_before_guarantee_decision": NO_SOURCE,
    "signed_in_the_future": NO_SOURCE,
    "lease_signed_too_long_ago": NO_SOURCE,  # Abri's choice (lease_recording_grace_days): no text bounds when a lease is recorded
    "starts_before_signature": NO_SOURCE,
    "ends_before_start": NO_SOURCE,
    "scheme_does_not_disclose": LegalSource(
        "RGPD, art. 5.1.c (minimisation); FAQ Solibail; CCH, art. L442-8-3", SOLIBAIL_FAQ, NOT_DISCLOSED
    ),
    "energy_facts_unknown": LegalSource("Loi 2021-1104, art. 160; loi 89-462, art. 6", LOI_2021_1104, BAN_DATE_UNKNOWN),
    "energy_letting_ban": LegalSource(
        "Loi 2021-1104, art. 160; loi 89-462, art. 6 (décence énergétique; CCH, art. L173-1-1)", LOI_2021_1104, NO_LEASE_FROM_BAN
    ),
    "dpe_expired": LegalSource("Décret 2020-1610 (CCH, art. D126-19); loi 89-462, art. 3-3", CCH, DPE_VALID_10_YEARS),
    # renewals of the owner's lease
    "renewal_not_at_term_end": LegalSource("Loi 89-462, art. 10 et art. 25-7 (meublé)", LOI_89_462, LEASE_AT_TERM),
    "renewal_in_the_future": NO_SOURCE,
    "lease_end_before_start": NO_SOURCE,
    "lease_end_in_future": NO_SOURCE,
    "dpe_expired_at_renewal": LegalSource("Loi 89-462, art. 3-3; décret 2020-1610 (CCH, art. D126-19)", LOI_89_462, DPE_VALID_10_YEARS),
    # the head lease of a sub-let or sliding lease
    "head_lease_term_required": HEAD_LEASE,
    "sub_let_beyond_head_lease": HEAD_LEASE,
    "head_lease_ended": HEAD_LEASE,
    # the sliding lease
    "joint_review_parties": LegalSource(
        "CCH, art. L442-8-3 (examen périodique contradictoire, loi 2009-323); recommandations ANIL, FNARS, USH (juillet 2010)", ANIL_2010
    ),
    "slide_too_early": LegalSource("Recommandations ANIL, FNARS, USH (2010)", ANIL_2010, SLIDE_REVIEW_PERIOD),
    "slide_needs_owner_agreement": LegalSource(
        "Loi 89-462, art. 8; recommandations ANIL, FNARS, USH (accord tripartite)", ANIL_2010, OWNER_AGREEMENT
    ),
    "slide_needs_ready_review": LegalSource("CCH, art. L442-8-3", CCH, REVIEW_JUDGES),
    # inventories (états des lieux)
    "inventory_without_lease": INVENTORY,
    "inventory_exists": INVENTORY,
    "inventory_before_lease": INVENTORY,
    "inventory_in_future": NO_SOURCE,
    "move_out_before_move_in": NO_SOURCE,
    "move_in_after_move_out": NO_SOURCE,
    "move_in_not_signed": NO_SOURCE,
    "move_out_exists": NO_SOURCE,  # a move-out is compared with the move-in both sides signed
    "unknown_item": NO_SOURCE,
    "too_many_photos": NO_SOURCE,  # Abri's bounds (InventoryPolicy)
    "photo_too_large": NO_SOURCE,
    "photo_too_many_pixels": NO_SOURCE,
    "photo_format": NO_SOURCE,
    "photo_unreadable": NO_SOURCE,
    "too_many_rooms": NO_SOURCE,  # Abri's bounds (InventoryPolicy)
    "too_many_items": NO_SOURCE,
    "duplicate_item_id": NO_SOURCE,
    "inventory_changed": NO_SOURCE,  # a party signs the content it read
    "already_signed": NO_SOURCE,
    "completion_of_move_in_only": INVENTORY,
    "completion_before_signatures": INVENTORY,
    "completion_too_late": INVENTORY,
    "too_many_completion_notes": NO_SOURCE,
}
"""Every rule id of matching's refusals, with the text it applies (``NO_SOURCE``: Abri's coherence of dates)."""


def source_of(rule: str) -> LegalSource:
    """The text ``rule`` applies (``NO_SOURCE`` for an unknown id or a coherence check)."""
    return SOURCES.get(rule, NO_SOURCE)
