"""Energy performance (DPE): the class of a unit and the letting bans by date."""

from __future__ import annotations

from datetime import date

from abri_listings.domain.policy import ENERGY_CLASSES, LettingBan, ListingsPolicy


def dpe_class(primary_energy_kwh: float, emissions_kg: float, policy: ListingsPolicy) -> str:
    """The DPE class from both indicators: the worse of the energy class and the emissions class
    (arrêté of 31 March 2021)."""

    def class_of(value: float, limits: tuple[float, ...]) -> int:
        for index, limit in enumerate(limits):
            if value <= limit:
                return index
        return len(limits)

    worst = max(class_of(primary_energy_kwh, policy.dpe_primary_energy_limits), class_of(emissions_kg, policy.dpe_emission_limits))
    return ENERGY_CLASSES[worst]


def worse_or_equal(energy_class: str, threshold: str) -> bool:
    """True if ``energy_class`` is ``threshold`` or worse (G is the worst)."""
    return ENERGY_CLASSES.index(energy_class) >= ENERGY_CLASSES.index(threshold)


def letting_ban(energy_class: str, departement: str, on: date, policy: ListingsPolicy) -> LettingBan | None:
    """The ban that forbids letting a unit of ``energy_class`` on ``on`` (overseas calendar for the
    overseas départements), or None."""
    bans = policy.overseas_letting_bans if departement in policy.overseas_departements else policy.letting_bans
    for ban in sorted(bans, key=lambda b: b.since):
        if on >= ban.since and worse_or_equal(energy_class, ban.energy_class):
            return ban
    return None
