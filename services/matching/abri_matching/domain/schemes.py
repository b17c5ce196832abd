"""What each letting scheme allows and shows: the leases it allows, who is the tenant, what the owner may
learn of the household before accepting. Data, not code branches: ``PlacementPolicy.schemes`` holds it,
a deployment overrides it (``ABRI_MATCHING_PLACEMENT``, JSON). Pure.

A lease is recorded with its type (``direct``, ``sub_let``, ``sliding``: the values of
``abri_contracts.matching.LeaseSigned.lease_type``) and, for a direct lease, whether an approved
intermediary manages it under a management mandate. Its *form* is one of :data:`LEASE_FORMS`:

| scheme | who is the owner's tenant | lease forms allowed | owner sees |
|---|---|---|---|
| intermediated_letting | the association | ``sub_let`` (occupancy agreement, no slide) | that an approved association carries it |
| sliding_lease | the association, until the slide | ``sliding`` | that an approved association carries it |
| management_mandate | the household | ``direct_under_mandate`` | household size, resources band |
| direct_lease | the household | ``direct``, ``direct_under_mandate`` | household size, resources band |
| loc_avantages_1/2 | either | ``direct``, ``direct_under_mandate``, ``sub_let`` | household size, resources band |
| loc_avantages_3 | either, never without an intermediary | ``direct_under_mandate``, ``sub_let`` | household size, resources band |
| intergenerational_cohabitation | nobody: a contract of civil law | ``cohabitation`` | household size, resources band |

Sources: ``domain/sources.py`` (rule ``lease_type_not_allowed_by_scheme``) and ``docs/domain-rules.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

LeaseType = Literal["direct", "sub_let", "sliding", "cohabitation"]
LeaseForm = Literal["direct", "direct_under_mandate", "sub_let", "sliding", "cohabitation"]
LEASE_FORMS: tuple[LeaseForm, ...] = ("direct", "direct_under_mandate", "sub_let", "sliding", "cohabitation")
Disclosed = Literal["household_size", "resources_band", "contact"]
"""What an owner may learn of the household: its size and resources band before accepting; its names and
contact once it accepted (with the household's consent)."""


def lease_form(lease_type: LeaseType, *, under_mandate: bool) -> LeaseForm:
    """The form of a lease: its type, and for a direct lease whether an intermediary manages it by mandate."""
    if lease_type == "direct" and under_mandate:
        return "direct_under_mandate"
    return lease_type


@dataclass(frozen=True)
class SchemeRules:
    """One scheme: the lease forms it allows, whether the association is the owner's tenant (it pays the
    rent: the owner needs nothing about the household to accept), and what the owner sees of the household
    before accepting."""

    lease_forms: frozenset[LeaseForm]
    association_is_tenant: bool
    disclosed: frozenset[Disclosed] = field(default_factory=frozenset)
    disclosed_once_slid: frozenset[Disclosed] = field(default_factory=frozenset)
    """What the owner learns once a sliding lease slid and the household became its tenant."""
    mandate_implied: bool = False
    """A direct lease under this scheme is managed by mandate whatever the association says (management mandate)."""


DIRECT_DISCLOSURE: frozenset[Disclosed] = frozenset({"household_size", "resources_band", "contact"})
"""What an owner who becomes the household's landlord needs: before accepting, as before issue 18; its
contact after."""

DEFAULT_SCHEMES: dict[str, SchemeRules] = {
    # Solibail / IML: the association rents the home (3 years) and houses the household under an occupancy
    # agreement (logement.gouv.fr Solibail FAQ; CCH art. L442-8-1): never a lease in the household's name.
    "intermediated_letting": SchemeRules(frozenset({"sub_let"}), association_is_tenant=True),
    # Bail glissant: the association is the tenant, sub-lets, and the lease slides to the household (CCH art. L442-8-3).
    "sliding_lease": SchemeRules(frozenset({"sliding"}), association_is_tenant=True, disclosed_once_slid=DIRECT_DISCLOSURE),
    # Mandat de gestion: the owner lets to the household directly, an agency (AIVS) manages it.
    "management_mandate": SchemeRules(
        frozenset({"direct_under_mandate"}), association_is_tenant=False, disclosed=DIRECT_DISCLOSURE, mandate_implied=True
    ),
    "direct_lease": SchemeRules(frozenset({"direct", "direct_under_mandate"}), association_is_tenant=False, disclosed=DIRECT_DISCLOSURE),
    # Loc'Avantages (CGI art. 199 tricies): Loc1 and Loc2 directly or through an intermediary (sub-let or mandate);
    # Loc3 only through an approved intermediary.
    "loc_avantages_1": SchemeRules(
        frozenset({"direct", "direct_under_mandate", "sub_let"}), association_is_tenant=False, disclosed=DIRECT_DISCLOSURE
    ),
    "loc_avantages_2": SchemeRules(
        frozenset({"direct", "direct_under_mandate", "sub_let"}), association_is_tenant=False, disclosed=DIRECT_DISCLOSURE
    ),
    "loc_avantages_3": SchemeRules(
        frozenset({"direct_under_mandate", "sub_let"}), association_is_tenant=False, disclosed=DIRECT_DISCLOSURE
    ),
    # Cohabitation intergénérationnelle solidaire (CCH art. L631-17): a contract of civil law between the host and the
    # young person, not a lease (loi 89-462 does not apply).
    "intergenerational_cohabitation": SchemeRules(frozenset({"cohabitation"}), association_is_tenant=False, disclosed=DIRECT_DISCLOSURE),
}


def form_under(rules: SchemeRules, lease_type: LeaseType, *, under_mandate: bool) -> LeaseForm:
    """The form of a lease signed under a scheme (under a management mandate scheme, a direct lease is managed by mandate)."""
    return lease_form(lease_type, under_mandate=under_mandate or rules.mandate_implied)
