"""A home's energy bill, estimated the way its DPE estimates it. Pure.

The DPE prints an "estimation des coûts annuels d'énergie": the home's conventional consumption of final
energy (kWh PCI a year, every use: heating, hot water, cooling, lighting, auxiliaries) priced with the
table of the arrêté of 31 March 2021, annexe 7, as replaced by the arrêté of 25 March 2024 (DPEs from
1 July 2024): one price per kWh for each fuel, and for electricity and natural gas a fixed part plus a
price per kWh by band of annual consumption (the subscription included), all taxes included. Abri applies
the same table to the DPE's figures an owner enters: final energy per m² and year (or, when only the
primary energy is given, the final energy it stands for: divided by the primary-energy factor of
electricity in force on the DPE's day, 1 for every other energy) times the living area, priced as the
home's main energy. The range is the DPE's own: 15 % either side. The numbers are data
(``policy.EnergyPrices``), with their sources in ``docs/domain-rules.md``.

An estimate, never a rule: nothing is refused for it. It assumes the main energy for every use (a gas
boiler's home also uses electricity for lighting), as a DPE that names one energy would.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import get_args

from abri_contracts.listings import MainEnergy

ENERGIES: tuple[str, ...] = get_args(MainEnergy)
"""The main energies a home's DPE may name, as Abri records them."""


@dataclass(frozen=True)
class PriceBand:
    """Below ``below_kwh`` of final energy a year (None: any amount above the previous band), a year costs
    ``fixed_eur`` plus ``eur_per_kwh`` for each kWh."""

    below_kwh: int | None
    fixed_eur: Decimal
    eur_per_kwh: Decimal


@dataclass(frozen=True)
class EnergyTariff:
    """The bands of one energy, in increasing order (one band with no bound for a single price)."""

    energy: str
    bands: tuple[PriceBand, ...]


@dataclass(frozen=True)
class PrimaryFactor:
    """For a DPE made from ``since``, a kWh of electricity counts ``factor`` kWh of primary energy."""

    since: date
    factor: Decimal


@dataclass(frozen=True)
class EnergyCost:
    """The estimate: the main energy, the final energy a year it is priced on, and the monthly bill in euro
    cents (``low_cents`` to ``high_cents``: the DPE's range)."""

    energy: str
    annual_kwh: Decimal
    monthly_cents: int
    low_cents: int
    high_cents: int
    from_primary: bool


def final_energy_per_m2(
    final_kwh: Decimal | None, primary_kwh: Decimal | None, energy: str, dpe_date: date, factors: tuple[PrimaryFactor, ...]
) -> tuple[Decimal, bool] | None:
    """The final energy per m² and year to price, and whether it was derived from the primary energy."""
    if final_kwh is not None:
        return final_kwh, False
    if primary_kwh is None:
        return None
    if energy != "electricity":
        return primary_kwh, True
    applicable = [f for f in factors if f.since <= dpe_date]
    if not applicable:
        return None
    factor = max(applicable, key=lambda f: f.since).factor
    return primary_kwh / factor, True


def annual_cost_eur(annual_kwh: Decimal, tariff: EnergyTariff) -> Decimal:
    """A year's bill for ``annual_kwh`` of final energy: the band the amount falls in, its fixed part included."""
    for band in tariff.bands:
        if band.below_kwh is None or annual_kwh < band.below_kwh:
            return band.fixed_eur + band.eur_per_kwh * annual_kwh
    raise ValueError(f"the tariff of {tariff.energy} has no band for {annual_kwh} kWh (its last band must have no bound)")


def estimate(
    *,
    energy: str | None,
    living_area_m2: Decimal,
    final_kwh: Decimal | None,
    primary_kwh: Decimal | None,
    dpe_date: date,
    tariffs: tuple[EnergyTariff, ...],
    factors: tuple[PrimaryFactor, ...],
    spread: Decimal,
) -> EnergyCost | None:
    """The monthly energy bill of a home, or None when its main energy or its consumption is not known."""
    tariff = next((t for t in tariffs if t.energy == energy), None)
    if energy is None or tariff is None:
        return None
    per_m2 = final_energy_per_m2(final_kwh, primary_kwh, energy, dpe_date, factors)
    if per_m2 is None:
        return None
    annual_kwh = per_m2[0] * living_area_m2
    yearly = annual_cost_eur(annual_kwh, tariff)
    monthly = yearly / 12
    return EnergyCost(
        energy=energy,
        annual_kwh=annual_kwh.quantize(Decimal(1), ROUND_HALF_UP),
        monthly_cents=int((monthly * 100).quantize(Decimal(1), ROUND_HALF_UP)),
        low_cents=int((monthly * (1 - spread)).quantize(Decimal(1), ROUND_FLOOR)) * 100,
        high_cents=int((monthly * (1 + spread)).quantize(Decimal(1), ROUND_CEILING)) * 100,
        from_primary=per_m2[1],
    )
