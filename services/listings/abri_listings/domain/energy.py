"""Energy performance (DPE): the class of a unit, how long its diagnosis is valid, and the letting bans
by date. Pure: the policy brings the numbers."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_FLOOR, Decimal

from abri_listings.domain.policy import ENERGY_CLASSES, DpeValidity, LettingBan, ListingsPolicy, exact


def class_limits(area_m2: Decimal, overseas: bool, on: date, policy: ListingsPolicy) -> tuple[tuple[Decimal, ...], tuple[Decimal, ...]]:
    """The bounds of classes A to F (primary energy, emissions) for a home of ``area_m2`` judged on ``on``:
    the usual ones (arrêté of 31 March 2021), or, for a small mainland home from the day the arrêté of
    25 March 2024 applies, its table's row (interpolated between two whole m²)."""
    small = policy.small_surfaces
    if small is None or overseas or on < small.since or area_m2 > small.at_most_m2:
        return policy.dpe_primary_energy_limits, policy.dpe_emission_limits
    rows = {area: (energy, emissions) for area, energy, emissions in small.rows}
    smallest = min(rows)
    area = max(area_m2, Decimal(smallest))
    low, high = int(area), min(int(area) + 1, small.at_most_m2)
    weight = area - low

    def between(below: tuple[int, ...], above: tuple[int, ...]) -> tuple[Decimal, ...]:
        return tuple(Decimal(a) + (Decimal(b) - Decimal(a)) * weight for a, b in zip(below, above, strict=True))

    return between(rows[low][0], rows[high][0]), between(rows[low][1], rows[high][1])


def dpe_class(
    primary_energy_kwh: float | Decimal,
    emissions_kg: float | Decimal,
    area_m2: float | Decimal,
    overseas: bool,
    on: date,
    policy: ListingsPolicy,
) -> str:
    """The DPE class from both indicators, each rounded down to the whole number and placed below the first
    bound it does not reach (a value at a bound is in the worse class); the worse of the two classes."""
    energy_limits, emission_limits = class_limits(exact(area_m2), overseas, on, policy)

    def class_of(value: Decimal, limits: tuple[Decimal, ...]) -> int:
        whole = value.to_integral_value(rounding=ROUND_FLOOR)
        return next((index for index, limit in enumerate(limits) if whole < limit), len(limits))

    worst = max(class_of(exact(primary_energy_kwh), energy_limits), class_of(exact(emissions_kg), emission_limits))
    return ENERGY_CLASSES[worst]


def worse_or_equal(energy_class: str, threshold: str) -> bool:
    """True if ``energy_class`` is ``threshold`` or worse (G is the worst)."""
    return ENERGY_CLASSES.index(energy_class) >= ENERGY_CLASSES.index(threshold)


def bans_for(overseas: bool, policy: ListingsPolicy) -> tuple[LettingBan, ...]:
    """The ban calendar of a commune: overseas départements have their own."""
    return tuple(sorted(policy.overseas_letting_bans if overseas else policy.letting_bans, key=lambda ban: ban.since))


def letting_ban(energy_class: str, overseas: bool, on: date, policy: ListingsPolicy) -> LettingBan | None:
    """The ban that forbids a lease of a unit of ``energy_class`` signed on ``on``, or None."""
    return next((ban for ban in bans_for(overseas, policy) if on >= ban.since and worse_or_equal(energy_class, ban.energy_class)), None)


def banned_from(energy_class: str, overseas: bool, policy: ListingsPolicy) -> date | None:
    """The first day no new lease may be signed for a unit of ``energy_class`` (None: no ban reaches it)."""
    return next((ban.since for ban in bans_for(overseas, policy) if worse_or_equal(energy_class, ban.energy_class)), None)


def dpe_valid_until(made_on: date, policy: ListingsPolicy) -> date | None:
    """The last day a DPE made on ``made_on`` is valid (décret 2020-1610); None if no window covers it."""
    window = next((w for w in policy.dpe_validity if _covers(w, made_on)), None)
    if window is None:
        return None
    if window.valid_until is not None:
        return window.valid_until
    assert window.years is not None
    return _anniversary(made_on, window.years) - timedelta(days=1)


def _covers(window: DpeValidity, made_on: date) -> bool:
    return (window.made_from is None or made_on >= window.made_from) and (window.made_until is None or made_on <= window.made_until)


def _anniversary(day: date, years: int) -> date:
    """The same day ``years`` later (1 March for a 29 February that year lacks: the period ends on 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)
