"""Lawful, explainable ranking of units for households (and households for units). Pure.

Hard rules first, each named: a pair that fails one is not a match, whatever its score. Then a score,
the weighted sum of named components in [0, 1]. Each formula is written once and works on a number or
on a numpy array, so that the service ranks thousands of pairs at once with exactly the functions that
explain one pair.

What enters: the household's :class:`Needs` and :class:`Situation` (composition only for the
overcrowding rule; resources only for the rent-burden rule; needs only for their rules) and the unit's
facts. No protected ground (Code pénal, art. 225-1: origin, sex, age, health, disability, family
situation, name, ...) is a field of any input; household size and disability-related needs enter only
through the named rules ``overcrowding``, ``accessibility`` and ``room_capacity``, never the score. A room of a
shared home is offered on its own: nothing about the people in the other rooms is known or weighed; only the
house rules the home states and the household needs (smoke-free, quiet hours) are compared, as a filter.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np

from abri_kit.legal import LegalSource
from abri_matching.domain.policy import MatchingPolicy
from abri_matching.domain.sources import source_of

EARTH_RADIUS_KM = 6371.0088
RULES = (
    "overcrowding",
    "accessibility",
    "bedrooms",
    "rent_burden",
    "wanted_place",
    "availability",
    "scheme",
    "room_capacity",
    "house_rules",
    "cohabitation_age",
)
COMPONENTS = ("priority", "waiting_time", "size_fit", "distance", "energy_cost")

Num = Any
"""A float, or a numpy array of them: every formula below works on both."""


@dataclass(frozen=True)
class HouseholdFacts:
    """What the rules and the score may look at about a household (nothing else is ever passed)."""

    persons: int  # feeds only the overcrowding rule
    resources_cents: int  # feeds only the rent-burden rule
    housing_benefit_cents: int  # feeds only the rent-burden rule
    needs_step_free: bool  # feeds only the accessibility rule
    needs_ground_floor: bool  # feeds only the accessibility rule
    min_bedrooms: int  # the bedrooms rule and the size-fit component
    wanted_communes: tuple[str, ...]
    wanted_latitude: float | None
    wanted_longitude: float | None
    wanted_radius_km: float | None
    priority_level: int  # the priority component (the level; the situations stay sealed)
    registered_since: date  # the waiting-time component
    rent_burden_threshold: float  # the association's
    schemes: frozenset[str]  # the schemes the association works with
    needs_smoke_free: bool = False  # feeds only the house_rules rule (a stated constraint)
    needs_quiet_hours: bool = False  # feeds only the house_rules rule (a stated constraint)
    cohabitation_until: date | None = None  # feeds only the cohabitation_age rule: the last day the person is under 30


@dataclass(frozen=True)
class UnitFacts:
    """What the rules and the score may look at about a unit (from the read model)."""

    insee_code: str
    latitude: float
    longitude: float
    rooms: int
    living_area_m2: float
    floor: int
    elevator: bool
    accessibility: frozenset[str]
    rent_cents: int
    charges_cents: int
    schemes: frozenset[str]
    available_from: date
    energy_cost_cents: int | None = None  # listings' estimate from the DPE: the energy_cost component and the rent-burden explanation
    shared: bool = False  # a room of a shared home: the room_capacity and house_rules rules, and its one room is a bedroom
    occupants_max: int = 0  # how many people the room takes (a room of a shared home)
    smoke_free: bool = False  # the shared home's house rules
    quiet_hours: bool = False
    cohabitation: bool = False  # a room offered for intergenerational cohabitation: the cohabitation_age rule


Param = str | int | float | bool | None

RULE_SOURCES: Mapping[str, str] = {rule: source_of(rule).text for rule in RULES}
"""Where each hard rule comes from (``domain/sources.py``; ``docs/domain-rules.md`` gives the numbers and their dates)."""


@dataclass(frozen=True)
class RuleResult:
    """A hard rule for a pair: passed or not, why in English (``reason``), and why as data: ``params``, the
    numbers a page puts in its own language's sentence for ``rule``."""

    rule: str
    passed: bool
    reason: str
    params: Mapping[str, Param] = field(default_factory=dict)

    @property
    def source(self) -> str:
        return RULE_SOURCES.get(self.rule, "")

    @property
    def legal(self) -> LegalSource:
        return source_of(self.rule)


@dataclass(frozen=True)
class Component:
    """A component of the score, with its reason in English and as ``params``."""

    name: str
    value: float
    weight: float
    reason: str
    params: Mapping[str, Param] = field(default_factory=dict)


@dataclass(frozen=True)
class Evaluation:
    """One household × unit pair: every rule with its reason, and, if all pass, the score's components."""

    rules: tuple[RuleResult, ...]
    components: tuple[Component, ...]

    @property
    def eligible(self) -> bool:
        return all(rule.passed for rule in self.rules)

    @property
    def score(self) -> float:
        return sum(c.value * c.weight for c in self.components) if self.eligible else 0.0


# --- formulas: scalars or arrays ------------------------------------------------------------------


def overcrowding_min_area(persons: Num, policy: MatchingPolicy) -> Num:
    """The smallest area the norm allows for ``persons`` people."""
    area = (
        policy.overcrowding_first_person_m2
        + policy.overcrowding_second_person_m2 * np.minimum(np.maximum(persons - 1, 0), 1)
        + policy.overcrowding_extra_person_m2 * np.maximum(persons - 2, 0)
    )
    return np.minimum(area, policy.overcrowding_cap_m2)


def exact_ratio(value: float | Decimal | Fraction) -> Fraction:
    """A threshold as the exact ratio it was written as (0.33 → 33/100, never the nearest binary float)."""
    return value if isinstance(value, Fraction) else Fraction(Decimal(str(value)))


def within_rent_burden(rent_cents: Num, charges_cents: Num, benefit_cents: Num, resources_cents: Num, threshold: Num) -> Num:
    """Whether (rent + charges − housing benefit) / resources ≤ threshold, decided exactly: in whole cents
    against the threshold's exact ratio (``net × denominator ≤ numerator × resources``), never by comparing
    floats; no resources: never. Works on numbers or numpy arrays (one ratio per distinct threshold)."""
    net = np.asarray(rent_cents, dtype=float) + np.asarray(charges_cents, dtype=float) - np.asarray(benefit_cents, dtype=float)
    resources = np.asarray(resources_cents, dtype=float)
    thresholds = np.asarray(threshold, dtype=float)
    shape = np.broadcast_shapes(net.shape, resources.shape, thresholds.shape)
    within = np.zeros(shape, dtype=bool)
    for value in np.unique(thresholds):
        ratio = exact_ratio(float(value))
        if (
            ratio.denominator <= EXACT_DENOMINATOR
            and np.all(np.abs(net) < 2**53 // EXACT_DENOMINATOR)
            and np.all(resources < 2**53 // EXACT_DENOMINATOR)
        ):
            ok = (resources > 0) & (net * ratio.denominator <= resources * ratio.numerator)  # integers below 2**53: exact in float64
        else:
            compare = np.frompyfunc(lambda n, r, ratio=ratio: r > 0 and Fraction(int(n)) <= ratio * int(r), 2, 1)
            ok = np.asarray(compare(net, resources), dtype=bool)
        within |= np.broadcast_to(ok, shape) & np.broadcast_to(thresholds == value, shape)
    return within if within.ndim else bool(within)


EXACT_DENOMINATOR = 1_000_000
"""Thresholds written with up to six decimals are compared in float64 integers (exact below 2**53); others in Python integers."""


def rent_burden(rent_cents: Num, charges_cents: Num, benefit_cents: Num, resources_cents: Num) -> Num:
    """(rent + charges − housing benefit) / resources (arrêté of 10 March 2011); infinite without resources."""
    with np.errstate(divide="ignore", invalid="ignore"):
        burden = np.where(resources_cents > 0, (rent_cents + charges_cents - benefit_cents) / np.maximum(resources_cents, 1), np.inf)
    return burden if burden.ndim else float(burden)


def rent_burden_result(household: HouseholdFacts, unit: UnitFacts, burden: float, affordable: bool) -> RuleResult:
    """The rent-burden rule, decided on rent and charges as the arrêté of 10 March 2011 defines it, and
    explained beside it with the home's estimated energy bill when listings gave one (``burden_with_energy``:
    rent, charges and energy, less the housing benefit, over the resources). The energy informs, never decides:
    a home the rule allows stays allowed whatever its bill."""
    params: dict[str, Param] = {"burden": round(burden, 4) if np.isfinite(burden) else None, "threshold": household.rent_burden_threshold}
    threshold = household.rent_burden_threshold
    reason = f"rent burden {burden:.0%} for a threshold of {threshold:.0%}" if np.isfinite(burden) else "no resources recorded"
    if unit.energy_cost_cents is not None:
        with_energy = float(
            rent_burden(
                float(unit.rent_cents + unit.energy_cost_cents),
                float(unit.charges_cents),
                float(household.housing_benefit_cents),
                float(household.resources_cents),
            )
        )
        params["energy_cents"] = unit.energy_cost_cents
        params["burden_with_energy"] = round(with_energy, 4) if np.isfinite(with_energy) else None
        if np.isfinite(with_energy):
            reason += f"; {with_energy:.0%} with the estimated energy bill"
    return RuleResult("rent_burden", affordable, reason, params)


def distance_km(lat1: Num, lon1: Num, lat2: Num, lon2: Num) -> Num:
    """Great-circle (haversine) distance."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(a, 1.0)))


def waiting_component(months: Num, policy: MatchingPolicy) -> Num:
    return np.clip(months / policy.waiting_cap_months, 0.0, 1.0)


def priority_component(level: Num, policy: MatchingPolicy) -> Num:
    return np.clip(level / policy.max_priority_level, 0.0, 1.0)


def size_fit_component(bedrooms: Num, min_bedrooms: Num, policy: MatchingPolicy) -> Num:
    """1 when the unit has the bedrooms needed; less for each spare one, 0 from
    ``policy.size_fit_spare_bedrooms`` spare ones (a large home for a small need)."""
    return np.clip(1.0 - np.maximum(bedrooms - min_bedrooms, 0) / policy.size_fit_spare_bedrooms, 0.0, 1.0)


def distance_component(distance: Num, radius: Num) -> Num:
    """1 at the wanted point, 0 at the edge of the wanted radius (1 when only communes were named)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(np.isfinite(radius) & (radius > 0), 1.0 - distance / radius, 1.0)
    return np.clip(value, 0.0, 1.0)


def energy_component(energy_cents: Num, policy: MatchingPolicy) -> Num:
    """1 for a home without an energy bill, 0 from ``policy.energy_reference_cents`` a month; the middle for a
    home whose bill was not estimated (``NaN``). Orders only: no rule looks at it."""
    energy = np.asarray(energy_cents, dtype=float)
    value = np.where(np.isnan(energy), policy.energy_unknown_component, 1.0 - energy / policy.energy_reference_cents)
    value = np.clip(value, 0.0, 1.0)
    return value if value.ndim else float(value)


MEAN_MONTH_DAYS = 365.2425 / 12
"""The mean month of the Gregorian calendar (30.436875 days): a unit of time, not a rule."""


def months_between(earlier: date, later: date) -> float:
    return (later - earlier).days / MEAN_MONTH_DAYS


def bedrooms_of(rooms: Num, in_a_home: Num = False) -> Num:
    """Bedrooms of a unit with ``rooms`` main rooms (one is the living room; a studio has none); a room let in a
    home (a shared home's, or a host's under intergenerational cohabitation) is a bedroom, its living room shared."""
    return np.where(in_a_home, rooms, np.maximum(rooms - 1, 0))


def shared_home_allows(
    persons: Num, occupants_max: Num, smoke_free: Num, quiet_hours: Num, needs_smoke_free: Num, needs_quiet_hours: Num
) -> Num:
    """A room of a shared home takes the household (its size at most the room's capacity), and the home's house
    rules meet the constraints it stated (smoke-free, quiet hours)."""
    return (
        (persons <= occupants_max)
        & (smoke_free | ~np.asarray(needs_smoke_free, dtype=bool))
        & (quiet_hours | ~np.asarray(needs_quiet_hours, dtype=bool))
    )


# --- one pair, explained ----------------------------------------------------------------------------


def evaluate(household: HouseholdFacts, unit: UnitFacts, today: date, policy: MatchingPolicy) -> Evaluation:
    """Every rule for the pair, with its reason; the score's components when all pass."""
    rules = []
    norm = float(overcrowding_min_area(float(household.persons), policy))
    rules.append(
        RuleResult(
            "overcrowding",
            unit.living_area_m2 >= norm,
            f"{unit.living_area_m2:g} m² for a norm of {norm:g} m²",
            {"area_m2": unit.living_area_m2, "norm_m2": norm, "persons": household.persons},
        )
    )
    accessible = (not household.needs_step_free or "step_free_access" in unit.accessibility) and (
        not household.needs_ground_floor or unit.floor == 0 or "ground_floor" in unit.accessibility
    )
    rules.append(
        RuleResult(
            "accessibility", accessible, "the needs recorded are met" if accessible else "a recorded need is not met", {"met": accessible}
        )
    )
    bedrooms = int(bedrooms_of(float(unit.rooms), unit.shared or unit.cohabitation))
    rules.append(
        RuleResult(
            "bedrooms",
            bedrooms >= household.min_bedrooms,
            f"{bedrooms} bedroom(s) for {household.min_bedrooms} needed",
            {"bedrooms": bedrooms, "needed": household.min_bedrooms},
        )
    )
    burden = float(
        rent_burden(
            float(unit.rent_cents), float(unit.charges_cents), float(household.housing_benefit_cents), float(household.resources_cents)
        )
    )
    affordable = bool(
        within_rent_burden(
            unit.rent_cents, unit.charges_cents, household.housing_benefit_cents, household.resources_cents, household.rent_burden_threshold
        )
    )
    rules.append(rent_burden_result(household, unit, burden, affordable))
    distance = _distance_to_wanted(household, unit)
    in_commune = unit.insee_code in household.wanted_communes
    near = distance is not None and household.wanted_radius_km is not None and distance <= household.wanted_radius_km
    rules.append(
        RuleResult(
            "wanted_place",
            in_commune or near,
            "in a wanted commune"
            if in_commune
            else (f"{distance:.1f} km from the wanted point" if distance is not None else "not in a wanted commune"),
            {
                "in_commune": in_commune,
                "distance_km": round(distance, 1) if distance is not None else None,
                "radius_km": household.wanted_radius_km,
            },
        )
    )
    horizon = (unit.available_from - today).days
    rules.append(
        RuleResult(
            "availability",
            horizon <= policy.availability_horizon_days,
            f"available {unit.available_from.isoformat()}",
            {"available_from": unit.available_from.isoformat(), "horizon_days": policy.availability_horizon_days},
        )
    )
    common = sorted(unit.schemes & household.schemes)
    rules.append(
        RuleResult(
            "scheme",
            bool(common),
            f"schemes in common: {', '.join(common)}" if common else "no scheme in common",
            {"schemes": ",".join(common)},
        )
    )
    rules.extend(shared_home_results(household, unit))
    rules.append(cohabitation_result(household, unit, today))
    if not all(rule.passed for rule in rules):
        return Evaluation(tuple(rules), ())
    weights = policy.weights
    months = months_between(household.registered_since, today)
    components = (
        Component(
            "priority",
            float(priority_component(float(household.priority_level), policy)),
            weights["priority"],
            f"priority level {household.priority_level}",
            {"level": household.priority_level},
        ),
        Component(
            "waiting_time",
            float(waiting_component(months, policy)),
            weights["waiting_time"],
            f"waiting for {months:.0f} months",
            {"months": round(months)},
        ),
        Component(
            "size_fit",
            float(size_fit_component(float(bedrooms), float(household.min_bedrooms), policy)),
            weights["size_fit"],
            f"{bedrooms} bedroom(s), {household.min_bedrooms} needed",
            {"bedrooms": bedrooms, "needed": household.min_bedrooms},
        ),
        Component(
            "distance",
            float(distance_component(distance if distance is not None else 0.0, household.wanted_radius_km or np.inf)),
            weights["distance"],
            f"{distance:.1f} km from the wanted point" if distance is not None else "in a wanted commune",
            {"distance_km": round(distance, 1) if distance is not None else None},
        ),
        Component(
            "energy_cost",
            float(energy_component(unit.energy_cost_cents if unit.energy_cost_cents is not None else np.nan, policy)),
            weights.get("energy_cost", 0.0),
            f"estimated energy bill of {unit.energy_cost_cents / 100:.0f} euros a month"
            if unit.energy_cost_cents is not None
            else "energy bill not estimated",
            {"energy_cents": unit.energy_cost_cents},
        ),
    )
    return Evaluation(tuple(rules), components)


def cohabitation_allows(persons: Num, until_ordinal: Num, start_ordinal: Num) -> Num:
    """Intergenerational cohabitation takes one young person, under the scheme's age on the first day (CCH art.
    L631-17: under 30): ``until_ordinal`` is their last day under it (NaN: not recorded), ``start_ordinal`` the
    first day the room can be let (its availability, or today)."""
    with np.errstate(invalid="ignore"):
        return (np.asarray(persons) == 1) & (np.asarray(until_ordinal, dtype=float) >= np.asarray(start_ordinal, dtype=float))


def cohabitation_result(household: HouseholdFacts, unit: UnitFacts, today: date) -> RuleResult:
    """The ``cohabitation_age`` rule: a room offered for intergenerational cohabitation takes one person under the
    scheme's age on its first day; any other unit passes."""
    if not unit.cohabitation:
        return RuleResult("cohabitation_age", True, "not an intergenerational cohabitation", {"cohabitation": False})
    start = max(today, unit.available_from)
    until = household.cohabitation_until
    allowed = bool(cohabitation_allows(household.persons, until.toordinal() if until else np.nan, start.toordinal()))
    reason = (
        "one young person, under the age of the scheme on the first day"
        if allowed
        else (
            "intergenerational cohabitation takes one person"
            if household.persons != 1
            else "not under the age of the scheme on the first day"
        )
    )
    return RuleResult(
        "cohabitation_age", allowed, reason, {"cohabitation": True, "persons": household.persons, "starts_on": start.isoformat()}
    )


def shared_home_results(household: HouseholdFacts, unit: UnitFacts) -> tuple[RuleResult, RuleResult]:
    """A room of a shared home: ``room_capacity`` (the household's size at most the people the room takes) and
    ``house_rules`` (the home's house rules meet the constraints the household stated). A whole home passes both."""
    if not unit.shared:
        return (
            RuleResult("room_capacity", True, "a whole home", {"shared": False}),
            RuleResult("house_rules", True, "a whole home", {"shared": False, "unmet": ""}),
        )
    fits = household.persons <= unit.occupants_max
    unmet = [
        name
        for name, needed, offered in (
            ("smoke_free", household.needs_smoke_free, unit.smoke_free),
            ("quiet_hours", household.needs_quiet_hours, unit.quiet_hours),
        )
        if needed and not offered
    ]
    return (
        RuleResult(
            "room_capacity",
            fits,
            f"a room for {unit.occupants_max} person(s), {household.persons} in the household",
            {"shared": True, "occupants_max": unit.occupants_max, "persons": household.persons},
        ),
        RuleResult(
            "house_rules",
            not unmet,
            f"house rules not met: {', '.join(unmet)}" if unmet else "the house rules meet the needs recorded",
            {"shared": True, "unmet": " ".join(unmet)},
        ),
    )


def _distance_to_wanted(household: HouseholdFacts, unit: UnitFacts) -> float | None:
    if household.wanted_latitude is None or household.wanted_longitude is None:
        return None
    return float(distance_km(household.wanted_latitude, household.wanted_longitude, unit.latitude, unit.longitude))
