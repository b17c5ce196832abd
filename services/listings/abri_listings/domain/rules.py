"""Publishing rules: a unit is published only if every rule passes; a refusal names every failed rule.

Each rule is a named function of the unit's facts, the date and the policy (``policy.py`` holds the
numbers and their sources). No I/O here: the reference rents come in as a mapping.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date

from abri_listings.domain.energy import dpe_class, letting_ban, worse_or_equal
from abri_listings.domain.policy import ListingsPolicy


@dataclass(frozen=True)
class UnitFacts:
    """What the rules look at."""

    departement: str
    insee_code: str
    rooms: int
    living_area_m2: float
    ceiling_height_m: float
    furnished: bool
    rent_cents: int
    charges_cents: int
    deposit_cents: int
    energy_class: str
    primary_energy_kwh: float
    emissions_kg: float
    final_energy_kwh: float | None
    dpe_date: date
    schemes: tuple[str, ...]


Param = str | int | float | bool | None

RULE_SOURCES: Mapping[str, str] = {
    "energy_letting_ban": "Loi 2021-1104 (Climat et résilience), art. 160; loi 89-462, art. 6",
    "final_energy_decency": "Décret 2002-120, art. 3 bis (décret 2021-19)",
    "minimum_size": "Décret 2002-120, art. 4",
    "coherent_energy_class": "CCH, art. L173-1-1; arrêté du 31 mars 2021 (DPE classes)",
    "coherent_numbers": "",
    "deposit_cap": "Loi 89-462, art. 22 (art. 25-6 when furnished)",
    "dpe_validity": "Décret 2020-1610 (validity of DPEs)",
    "loc_avantages_unfurnished": "Code général des impôts, art. 199 tricies (Loc'Avantages)",
    "loc_avantages_energy": "Code général des impôts, art. 199 tricies (Loc'Avantages)",
    "loc_avantages_reference_rent": "Code général des impôts, art. 199 tricies (Loc'Avantages)",
    "loc_avantages_rent": "Code général des impôts, art. 199 tricies (Loc'Avantages)",
}
"""Where each publishing rule comes from (``docs/domain-rules.md`` gives the numbers and their dates);
an empty source is one of Abri's own coherence checks."""


@dataclass(frozen=True)
class RuleFailure:
    """A rule that failed: its name, the fields concerned, a plain explanation in English, and its numbers
    (``params``), from which a page writes it in its reader's language."""

    rule: str
    fields: tuple[str, ...]
    message: str
    params: Mapping[str, Param] = field(default_factory=dict)

    @property
    def source(self) -> str:
        return RULE_SOURCES.get(self.rule, "")


Rule = Callable[[UnitFacts, date, ListingsPolicy, Mapping[str, float]], list[RuleFailure]]


def energy_letting_ban(unit: UnitFacts, on: date, policy: ListingsPolicy, _: Mapping[str, float]) -> list[RuleFailure]:
    """Loi Climat et résilience, art. 160: class G, then F, then E may no longer be let (overseas later)."""
    ban = letting_ban(unit.energy_class, unit.departement, on, policy)
    if ban is None:
        return []
    return [
        RuleFailure(
            "energy_letting_ban",
            ("energy_class",),
            f"class {unit.energy_class} units may not be let since {ban.since.isoformat()}",
            {"energy_class": unit.energy_class, "since": ban.since.isoformat()},
        )
    ]


def final_energy_decency(unit: UnitFacts, on: date, policy: ListingsPolicy, _: Mapping[str, float]) -> list[RuleFailure]:
    """Décret 2021-19: above 450 kWh of final energy per m² and year a home is not decent."""
    if unit.final_energy_kwh is not None and unit.final_energy_kwh > policy.max_final_energy_kwh:
        return [
            RuleFailure(
                "final_energy_decency",
                ("final_energy_kwh",),
                f"{unit.final_energy_kwh:g} kWh/m²/year of final energy is above the decency limit of {policy.max_final_energy_kwh:g}",
                {"final_energy_kwh": unit.final_energy_kwh, "limit_kwh": policy.max_final_energy_kwh},
            )
        ]
    return []


def minimum_size(unit: UnitFacts, on: date, policy: ListingsPolicy, _: Mapping[str, float]) -> list[RuleFailure]:
    """Décret 2002-120, art. 4: at least 9 m² with a ceiling of 2.20 m, or at least 20 m³."""
    big_enough = unit.living_area_m2 >= policy.min_living_area_m2 and unit.ceiling_height_m >= policy.min_ceiling_height_m
    if big_enough or unit.living_area_m2 * unit.ceiling_height_m >= policy.min_volume_m3:
        return []
    return [
        RuleFailure(
            "minimum_size",
            ("living_area_m2", "ceiling_height_m"),
            f"needs {policy.min_living_area_m2:g} m² with {policy.min_ceiling_height_m:.2f} m of ceiling, or {policy.min_volume_m3:g} m³",
            {
                "min_area_m2": policy.min_living_area_m2,
                "min_ceiling_m": policy.min_ceiling_height_m,
                "min_volume_m3": policy.min_volume_m3,
            },
        )
    ]


def coherent_energy_class(unit: UnitFacts, on: date, policy: ListingsPolicy, _: Mapping[str, float]) -> list[RuleFailure]:
    """The declared DPE class must be the one its two indicators give (arrêté of 31 March 2021)."""
    computed = dpe_class(unit.primary_energy_kwh, unit.emissions_kg, policy)
    if computed == unit.energy_class:
        return []
    return [
        RuleFailure(
            "coherent_energy_class",
            ("energy_class", "primary_energy_kwh", "emissions_kg"),
            f"{unit.primary_energy_kwh:g} kWh and {unit.emissions_kg:g} kg CO₂ per m² and year make class {computed}, "
            f"not {unit.energy_class}",
            {"computed_class": computed, "energy_class": unit.energy_class},
        )
    ]


def coherent_numbers(unit: UnitFacts, on: date, policy: ListingsPolicy, _: Mapping[str, float]) -> list[RuleFailure]:
    """Rent, rooms, dates that make sense; the deposit within the legal cap (loi 89-462, art. 22: one
    month of rent excluding charges unfurnished; art. 25-6: two months furnished)."""
    failures = []
    if unit.rent_cents <= 0:
        failures.append(RuleFailure("coherent_numbers", ("rent_cents",), "the rent must be positive"))
    if unit.rooms < 1 or unit.living_area_m2 <= 0:
        failures.append(RuleFailure("coherent_numbers", ("rooms", "living_area_m2"), "a unit has at least one room and an area"))
    cap = unit.rent_cents * (2 if unit.furnished else 1)
    if unit.deposit_cents > cap:
        failures.append(
            RuleFailure(
                "deposit_cap",
                ("deposit_cents",),
                f"the deposit may not exceed {cap / 100:.2f} € ({'two months' if unit.furnished else 'one month'} of rent)",
                {"cap_cents": cap, "months": 2 if unit.furnished else 1},
            )
        )
    if unit.dpe_date > on:
        failures.append(RuleFailure("coherent_numbers", ("dpe_date",), "the energy diagnosis is dated in the future"))
    elif (on - unit.dpe_date).days > 3652:
        failures.append(
            RuleFailure(
                "dpe_validity", ("dpe_date",), "the energy diagnosis is more than 10 years old", {"dpe_date": unit.dpe_date.isoformat()}
            )
        )
    return failures


def loc_avantages(unit: UnitFacts, on: date, policy: ListingsPolicy, reference_rents: Mapping[str, float]) -> list[RuleFailure]:
    """Loc'Avantages (Anah): unfurnished; class E or better (D from 2028); rent per m² at most 85/70/55 % of
    the commune's reference rent for Loc1/2/3."""
    schemes = [scheme for scheme in unit.schemes if scheme in policy.loc_avantages_rent_ratio]
    if not schemes:
        return []
    failures = []
    if unit.furnished:
        failures.append(RuleFailure("loc_avantages_unfurnished", ("furnished", "schemes"), "Loc'Avantages is for unfurnished units"))
    worst = policy.loc_avantages_worst_class_from_2028 if on >= policy.loc_avantages_stricter_since else policy.loc_avantages_worst_class
    if worse_or_equal(unit.energy_class, worst) and unit.energy_class != worst:
        failures.append(
            RuleFailure(
                "loc_avantages_energy", ("energy_class", "schemes"), f"Loc'Avantages needs class {worst} or better", {"worst_class": worst}
            )
        )
    reference = reference_rents.get(unit.insee_code)
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
    rent_per_m2 = unit.rent_cents / 100 / unit.living_area_m2 if unit.living_area_m2 > 0 else float("inf")
    for scheme in schemes:
        ceiling = reference * policy.loc_avantages_rent_ratio[scheme]
        if rent_per_m2 > ceiling:
            failures.append(
                RuleFailure(
                    "loc_avantages_rent",
                    ("rent_cents", "schemes"),
                    f"{scheme}: {rent_per_m2:.2f} €/m² is above {ceiling:.2f} €/m² "
                    f"({policy.loc_avantages_rent_ratio[scheme]:.0%} of the reference {reference:.2f})",
                    {"scheme": scheme, "rent_per_m2": round(rent_per_m2, 2), "ceiling_per_m2": round(ceiling, 2)},
                )
            )
    return failures


RULES: tuple[Rule, ...] = (energy_letting_ban, final_energy_decency, minimum_size, coherent_energy_class, coherent_numbers, loc_avantages)


def publishing_failures(unit: UnitFacts, on: date, policy: ListingsPolicy, reference_rents: Mapping[str, float]) -> list[RuleFailure]:
    """Every failed rule (empty: the unit may be published)."""
    return [failure for rule in RULES for failure in rule(unit, on, policy, reference_rents)]
