"""Publishing rules: a unit is published only if every rule passes; a refusal names every failed rule.

Each rule is a named function of the unit's facts, the day and the policy (``policy.py`` holds the numbers,
``sources.py`` the texts they come from). No I/O here: the reference rents come in as a table.

Two days matter: ``on``, the day of the decision (the rules in force, the diagnosis not dated later), and
the *letting day*, the first day the unit can be let (its availability, or ``on`` when it is already
available): a ban or the end of a diagnosis that falls on or before the letting day refuses the unit,
since no lease could then be signed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from abri_listings.domain.cohabitation import cohabitation_counterpart, cohabitation_host, cohabitation_room, is_cohabitation
from abri_listings.domain.energy import dpe_class, dpe_valid_until, letting_ban, worse_or_equal
from abri_listings.domain.facts import RuleFailure, UnitFacts
from abri_listings.domain.policy import ListingsPolicy, exact
from abri_listings.domain.reference_rents import ReferenceRents
from abri_listings.domain.shared_homes import shared_home_coherence, shared_home_crowding, shared_home_spaces, shared_room_size

Rule = Callable[[UnitFacts, date, ListingsPolicy, ReferenceRents], list[RuleFailure]]


def energy_letting_ban(unit: UnitFacts, on: date, policy: ListingsPolicy, _: ReferenceRents) -> list[RuleFailure]:
    """Loi 2021-1104, art. 160: class G, then F, then E may no longer be let (overseas later), judged on the
    letting day."""
    letting_day = unit.letting_day(on)
    ban = letting_ban(unit.energy_class, unit.overseas, letting_day, policy)
    if ban is None:
        return []
    return [
        RuleFailure(
            "energy_letting_ban",
            ("energy_class", "available_from"),
            f"class {unit.energy_class} homes may not be let under a lease signed from {ban.since.isoformat()}"
            f"{' (overseas calendar)' if unit.overseas else ''}; this one can be let from {letting_day.isoformat()}",
            {
                "energy_class": unit.energy_class,
                "since": ban.since.isoformat(),
                "letting_day": letting_day.isoformat(),
                "overseas": unit.overseas,
            },
        )
    ]


def final_energy_decency(unit: UnitFacts, on: date, policy: ListingsPolicy, _: ReferenceRents) -> list[RuleFailure]:
    """Décret 2002-120, art. 3 bis (décret 2021-19): in mainland France, a home using 450 kWh of final energy
    per m² and year or more is not decent for a lease signed from 2023 until the class calendar replaced
    the rule (2025): judged on the letting day."""
    letting_day = unit.letting_day(on)
    in_force = letting_day >= policy.final_energy_decency_since and (
        policy.final_energy_decency_until is None or letting_day < policy.final_energy_decency_until
    )
    if not in_force or unit.overseas or unit.final_energy_kwh is None or exact(unit.final_energy_kwh) < policy.max_final_energy_kwh:
        return []
    return [
        RuleFailure(
            "final_energy_decency",
            ("final_energy_kwh",),
            f"{exact(unit.final_energy_kwh)} kWh/m²/year of final energy reaches the decency limit of {policy.max_final_energy_kwh}",
            {"final_energy_kwh": str(exact(unit.final_energy_kwh)), "limit_kwh": str(policy.max_final_energy_kwh)},
        )
    ]


def minimum_size(unit: UnitFacts, on: date, policy: ListingsPolicy, _: ReferenceRents) -> list[RuleFailure]:
    """Décret 2002-120, art. 4: at least 9 m² with a ceiling of 2.20 m, or at least 20 m³."""
    area, height = exact(unit.living_area_m2), exact(unit.ceiling_height_m)
    if (area >= policy.min_living_area_m2 and height >= policy.min_ceiling_height_m) or area * height >= policy.min_volume_m3:
        return []
    return [
        RuleFailure(
            "minimum_size",
            ("living_area_m2", "ceiling_height_m"),
            f"needs {policy.min_living_area_m2} m² with {policy.min_ceiling_height_m} m of ceiling, or {policy.min_volume_m3} m³",
            {
                "min_area_m2": str(policy.min_living_area_m2),
                "min_ceiling_m": str(policy.min_ceiling_height_m),
                "min_volume_m3": str(policy.min_volume_m3),
            },
        )
    ]


def coherent_energy_class(unit: UnitFacts, on: date, policy: ListingsPolicy, _: ReferenceRents) -> list[RuleFailure]:
    """The declared DPE class must be the one its two indicators give with the bounds in force for its
    surface (arrêtés of 31 March 2021 and 25 March 2024)."""
    computed = dpe_class(unit.primary_energy_kwh, unit.emissions_kg, unit.dpe_area_m2, unit.overseas, on, policy)
    if computed == unit.energy_class:
        return []
    return [
        RuleFailure(
            "coherent_energy_class",
            ("energy_class", "primary_energy_kwh", "emissions_kg"),
            f"{exact(unit.primary_energy_kwh)} kWh and {exact(unit.emissions_kg)} kg CO₂ per m² and year make class {computed} "
            f"for {exact(unit.dpe_area_m2)} m², not {unit.energy_class}",
            {"computed_class": computed, "energy_class": unit.energy_class, "living_area_m2": str(exact(unit.dpe_area_m2))},
        )
    ]


def coherent_numbers(unit: UnitFacts, on: date, policy: ListingsPolicy, _: ReferenceRents) -> list[RuleFailure]:
    """Rent, rooms and dates that make sense (Abri's own checks: no text to cite)."""
    failures = []
    if unit.rent_cents <= 0:
        failures.append(RuleFailure("coherent_numbers", ("rent_cents",), "the rent must be positive"))
    if unit.rooms < 1 or exact(unit.living_area_m2) <= 0:
        failures.append(RuleFailure("coherent_numbers", ("rooms", "living_area_m2"), "a unit has at least one room and an area"))
    if unit.dpe_date > on:
        failures.append(RuleFailure("coherent_numbers", ("dpe_date",), "the energy diagnosis is dated in the future"))
    return failures


def deposit_cap(unit: UnitFacts, on: date, policy: ListingsPolicy, _: ReferenceRents) -> list[RuleFailure]:
    """Loi 89-462, art. 22: one month of rent excluding charges unfurnished; art. 25-6: two months furnished."""
    months = policy.deposit_months_furnished if unit.furnished else policy.deposit_months_unfurnished
    cap = unit.rent_cents * months
    if unit.deposit_cents <= cap:
        return []
    return [
        RuleFailure(
            "deposit_cap",
            ("deposit_cents",),
            f"the deposit may not exceed {cap / 100:.2f} € ({months} month(s) of rent excluding charges, "
            f"{'furnished' if unit.furnished else 'unfurnished'})",
            {"cap_cents": cap, "months": months, "furnished": unit.furnished},
        )
    ]


def dpe_validity(unit: UnitFacts, on: date, policy: ListingsPolicy, _: ReferenceRents) -> list[RuleFailure]:
    """Décret 2020-1610: a DPE is valid ten years, except those made from 2013 to 2017 (until 2022-12-31)
    and from 2018 to 30 June 2021 (until 2024-12-31); it must still be valid on the letting day."""
    if unit.dpe_date > on:
        return []  # a date in the future is refused by coherent_numbers
    letting_day = unit.letting_day(on)
    valid_until = dpe_valid_until(unit.dpe_date, policy)
    if valid_until is not None and valid_until >= letting_day:
        return []
    return [
        RuleFailure(
            "dpe_validity",
            ("dpe_date",),
            f"the energy diagnosis of {unit.dpe_date.isoformat()} is valid until {valid_until.isoformat() if valid_until else 'no date'}; "
            f"this home can be let from {letting_day.isoformat()}: a new diagnosis is needed",
            {
                "dpe_date": unit.dpe_date.isoformat(),
                "valid_until": valid_until.isoformat() if valid_until else None,
                "letting_day": letting_day.isoformat(),
            },
        )
    ]


def intermediated_letting(unit: UnitFacts, on: date, policy: ListingsPolicy, _: ReferenceRents) -> list[RuleFailure]:
    """Intermediated letting (the association rents the home and sub-lets it): an unfurnished home of one to
    five main rooms (for a room of a shared home: the whole home's)."""
    if "intermediated_letting" not in unit.schemes:
        return []
    conditions = policy.intermediated_letting
    failures = []
    if conditions.unfurnished and unit.furnished:
        failures.append(
            RuleFailure("intermediated_letting_unfurnished", ("furnished", "schemes"), "intermediated letting is for unfurnished homes")
        )
    rooms = unit.home.rooms if unit.home is not None else unit.rooms
    if not conditions.min_rooms <= rooms <= conditions.max_rooms:
        failures.append(
            RuleFailure(
                "intermediated_letting_rooms",
                ("rooms", "schemes"),
                f"intermediated letting takes homes of {conditions.min_rooms} to {conditions.max_rooms} main rooms, not {rooms}",
                {"rooms": rooms, "min_rooms": conditions.min_rooms, "max_rooms": conditions.max_rooms},
            )
        )
    return failures


def loc_avantages(unit: UnitFacts, on: date, policy: ListingsPolicy, reference_rents: ReferenceRents) -> list[RuleFailure]:
    """Loc'Avantages (CGI, art. 199 tricies): unfurnished; class E or better (D for agreements from 2028);
    Loc3 only through an intermediary; rent per m² at most 85/70/55 % of the reference rent. A room of a shared
    home is judged with its home: the rents of its offered rooms together against the whole home's ceiling
    (loi 89-462, art. 8-1: the rents of a colocation together may not exceed the home's)."""
    schemes = [scheme for scheme in unit.schemes if scheme in policy.loc_avantages_rent_ratio]
    if not schemes:
        return []
    failures = []
    if unit.furnished:
        failures.append(RuleFailure("loc_avantages_unfurnished", ("furnished", "schemes"), "Loc'Avantages is for unfurnished homes"))
    stricter = policy.loc_avantages_stricter_since is not None and on >= policy.loc_avantages_stricter_since
    worst = policy.loc_avantages_worst_class_from if stricter else policy.loc_avantages_worst_class
    if worse_or_equal(unit.energy_class, worst) and unit.energy_class != worst:
        failures.append(
            RuleFailure(
                "loc_avantages_energy", ("energy_class", "schemes"), f"Loc'Avantages needs class {worst} or better", {"worst_class": worst}
            )
        )
    intermediaries = sorted(policy.intermediary_schemes)
    for scheme in schemes:
        if scheme in policy.loc_avantages_intermediated and not set(unit.schemes) & policy.intermediary_schemes:
            failures.append(
                RuleFailure(
                    "loc_avantages_intermediary",
                    ("schemes",),
                    f"{scheme} is only let through an intermediary: add one of {', '.join(intermediaries)}",
                    {"scheme": scheme, "intermediaries": " ".join(intermediaries)},
                )
            )
    kind, rooms = (unit.home.kind, unit.home.rooms) if unit.home is not None else (unit.kind, unit.rooms)
    reference = reference_rents.reference_for(unit.insee_code, kind, rooms)
    if reference is None and unit.rent_commune is not None:
        reference = reference_rents.reference_for(unit.rent_commune, kind, rooms)
    if reference is None:
        failures.append(
            RuleFailure(
                "loc_avantages_reference_rent",
                ("insee_code", "schemes"),
                f"no reference rent is known for commune {unit.insee_code}",
                {"insee_code": unit.insee_code},
            )
        )
        return failures
    area = Fraction(exact(unit.home.living_area_m2 if unit.home is not None else unit.living_area_m2))
    rent_cents = unit.home.rents_cents if unit.home is not None else unit.rent_cents
    surface = min(
        Fraction(policy.loc_avantages_surface_cap) * area,
        Fraction(policy.loc_avantages_surface_base) * area + Fraction(policy.loc_avantages_surface_numerator_m2),
    )
    coefficient = surface / area  # min(cap, base + numerator / S), exact
    for scheme in schemes:
        ratio = Fraction(policy.loc_avantages_rent_ratio[scheme])
        max_rent = Fraction(reference.rent_eur_m2) * ratio * surface * 100  # cents a month, exact: no division rounds it
        if rent_cents > max_rent:
            rent_per_m2, ceiling = Fraction(rent_cents, 100) / area, max_rent / 100 / area
            failures.append(
                RuleFailure(
                    "loc_avantages_rent",
                    ("rent_cents", "schemes"),
                    f"{scheme}: {_shown(rent_per_m2)} €/m² is above {_shown(ceiling)} €/m² "
                    f"({_shown(ratio * 100, '1')} % of the reference {reference.rent_eur_m2} €/m² of {reference.year}, "
                    f"times {_shown(coefficient, '0.001')} for {_shown(area, '0.01')} m²"
                    f"{', the rents of the shared home together' if unit.home is not None else ''})",
                    {
                        "scheme": scheme,
                        "rent_per_m2": str(_shown(rent_per_m2)),
                        "ceiling_per_m2": str(_shown(ceiling)),
                        "max_rent_cents": math.floor(max_rent),
                        "reference_year": reference.year,
                        "surface_coefficient": str(_shown(coefficient, "0.001")),
                    },
                )
            )
    return failures


def _shown(amount: Fraction, places: str = "0.01") -> Decimal:
    """An exact amount as shown (to the cent by default); the comparisons themselves are exact."""
    return (Decimal(amount.numerator) / Decimal(amount.denominator)).quantize(Decimal(places), rounding=ROUND_HALF_UP)


RULES: tuple[Rule, ...] = (
    energy_letting_ban,
    final_energy_decency,
    minimum_size,
    coherent_energy_class,
    coherent_numbers,
    deposit_cap,
    dpe_validity,
    intermediated_letting,
    loc_avantages,
    shared_room_size,
    shared_home_crowding,
    shared_home_spaces,
    shared_home_coherence,
    cohabitation_room,
    cohabitation_host,
    cohabitation_counterpart,
)

LEASE_RULES = frozenset({"energy_letting_ban", "final_energy_decency", "deposit_cap"})
"""The rules drawn from loi 89-462 (art. 6 and 22): an intergenerational cohabitation contract is not a lease and
the law does not apply to it (CCH art. L631-17)."""


def publishing_failures(unit: UnitFacts, on: date, policy: ListingsPolicy, reference_rents: ReferenceRents) -> list[RuleFailure]:
    """Every failed rule (empty: the unit may be published on ``on``)."""
    rules = [rule for rule in RULES if not (is_cohabitation(unit) and rule.__name__ in LEASE_RULES)]
    return [failure for rule in rules for failure in rule(unit, on, policy, reference_rents)]
