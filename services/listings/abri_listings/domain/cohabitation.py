"""Intergenerational cohabitation (cohabitation intergénérationnelle solidaire, loi ELAN 2018-1021 art. 117; CCH
art. L631-17; CASF art. L118-1): a person of 60 or more, owner or tenant of their home, lets or sub-lets a part
of it to a person under 30 for a modest financial counterpart, under a contract of civil law that is not a lease.
Pure: the rules that decide whether such a room may be offered.

A room offered so is a unit of kind ``room`` (a part of the host's own home, never a shared home's room), under
that scheme alone (the contract is not a lease: no other letting scheme can go with it). Its host declares being
60 or over, and, when the host is a tenant, that they informed their landlord beforehand (L631-17: the landlord
may not object). Loi 89-462 does not apply to the contract (L631-17, fifth paragraph), so the rules drawn from it
(the letting bans of art. 6, the final-energy threshold, the deposit cap of art. 22) are not applied to such a
room; the minimum size of a decent main room still is (Abri's choice: the charter asks the structures to check
that the room offers the hygiene and comfort a person needs).
"""

from __future__ import annotations

from datetime import date

from abri_listings.domain.facts import RuleFailure, UnitFacts
from abri_listings.domain.policy import ListingsPolicy
from abri_listings.domain.reference_rents import ReferenceRents

SCHEME = "intergenerational_cohabitation"


def is_cohabitation(unit: UnitFacts) -> bool:
    """The unit is offered for intergenerational cohabitation (the contract is not a lease: loi 89-462 does not apply)."""
    return SCHEME in unit.schemes


def cohabitation_room(unit: UnitFacts, on: date, policy: ListingsPolicy, _: ReferenceRents) -> list[RuleFailure]:
    """A part of the host's own home, under this scheme alone."""
    if not is_cohabitation(unit):
        return []
    failures = []
    if unit.kind != "room" or unit.home is not None:
        failures.append(
            RuleFailure(
                "cohabitation_room",
                ("kind",),
                "intergenerational cohabitation lets a room of the host's own home (not a whole home, not a room of a shared home)",
            )
        )
    others = sorted(set(unit.schemes) - {SCHEME})
    if others:
        failures.append(
            RuleFailure(
                "cohabitation_alone",
                ("schemes",),
                f"an intergenerational cohabitation contract is not a lease: it goes with no other scheme ({', '.join(others)})",
                {"schemes": " ".join(others)},
            )
        )
    return failures


def cohabitation_host(unit: UnitFacts, on: date, policy: ListingsPolicy, _: ReferenceRents) -> list[RuleFailure]:
    """CCH art. L631-17: the host is 60 or over; a host who is a tenant informs the landlord beforehand."""
    if not is_cohabitation(unit):
        return []
    host = unit.host
    failures = []
    if host is None or not host.aged_60_or_over:
        failures.append(
            RuleFailure(
                "cohabitation_host_age",
                ("host.aged_60_or_over",),
                f"the host of an intergenerational cohabitation is {policy.cohabitation_host_min_age} or over",
                {"min_age": policy.cohabitation_host_min_age},
            )
        )
    if host is not None and host.occupancy == "tenant" and (host.landlord_informed_on is None or host.landlord_informed_on > on):
        failures.append(
            RuleFailure(
                "cohabitation_landlord_informed",
                ("host.landlord_informed_on",),
                "a host who is a tenant informs the landlord beforehand (the landlord may not object)",
            )
        )
    return failures


def cohabitation_counterpart(unit: UnitFacts, on: date, policy: ListingsPolicy, _: ReferenceRents) -> list[RuleFailure]:
    """The counterpart is freely agreed (L631-17) and modest: a deployment may set a monthly ceiling (none by default)."""
    ceiling = policy.cohabitation_max_monthly_cents
    if not is_cohabitation(unit) or ceiling is None or unit.rent_cents + unit.charges_cents <= ceiling:
        return []
    return [
        RuleFailure(
            "cohabitation_counterpart",
            ("rent_cents", "charges_cents"),
            f"this deployment holds a modest counterpart to {ceiling / 100:.2f} € a month, charges included",
            {"ceiling_cents": ceiling},
        )
    ]
