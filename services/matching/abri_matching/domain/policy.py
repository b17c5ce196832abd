"""The numbers of the matching rules: data with their sources (``docs/domain-rules.md``, "Matching"), never code.

A deployment overrides them from configuration (``ABRI_MATCHING_RANKING``, JSON); an association sets
its own rent-burden threshold.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass, field

from abri_contracts.listings import LettingScheme

ALL_SCHEMES = frozenset(typing.get_args(LettingScheme))
"""Every letting scheme: the ones an association works with until it names its own."""


@dataclass(frozen=True)
class MatchingPolicy:
    """Hard rules and score weights.

    - ``overcrowding_*``: the overcrowding norm used by the CAF and the DALO commissions (code de la
      sécurité sociale, art. D542-14; CCH art. R441-14-1): 9 m² for one person, 16 m² for two, 9 m² more
      per extra person, capped at 70 m² for eight or more. A unit below it is not a match.
    - ``rent_burden_threshold``: the rent burden (taux d'effort, arrêté of 10 March 2011) is
      ``(rent + charges − housing benefit) / resources``. No legal maximum exists: Visale uses 50 %, the
      FSL of the Gard 33 %. Each association may set its own; this is the default.
    - ``availability_horizon_days``: a unit available later than this many days from today is not a match
      yet (it comes back into the rankings as its date nears).
    - ``waiting_cap_months``: waiting time counts up to this many months (the longest "abnormally long
      delay" of the DALO, 36 months in the tightest départements).
    - ``weights``: the score components' weights (priority situation, waiting time, size fit, distance, energy cost),
      published with every ranking. They weigh only named components; no protected ground (Code pénal,
      art. 225-1) is an input of the score.
    - ``max_priority_level``: the highest level ``domain/households.py`` gives (a DALO decision).
    - ``size_fit_spare_bedrooms``: the size-fit component falls from 1 (the bedrooms needed) to 0 at this many
      spare bedrooms (Abri's default, 3: a home three bedrooms too large for the need fits no better than any
      other large one; no law sets it).
    - ``energy_reference_cents``, ``energy_unknown_component``: the ``energy_cost`` component falls from 1 (no
      energy bill) to 0 at an estimated bill of this many cents a month (Abri's default, €300: about what a
      poorly insulated, electrically heated family home costs by the DPE's own prices); a home without an
      estimate scores the middle (0.5), neither favoured nor pushed back. It orders homes that pass every
      rule, and never excludes one (Abri's choice; no law sets it).

    - ``cohabitation_young_max_age``: intergenerational cohabitation takes a person under this age (CCH art.
      L631-17, loi ELAN 2018-1021 art. 117: "moins de trente ans"), judged on the first day of the stay.

    The rent-burden threshold is compared exactly (``ranking.within_rent_burden``: whole cents against the
    threshold's exact decimal ratio), never as floats.
    """

    overcrowding_first_person_m2: float = 9.0
    overcrowding_second_person_m2: float = 7.0
    overcrowding_extra_person_m2: float = 9.0
    overcrowding_cap_m2: float = 70.0
    rent_burden_threshold: float = 0.33
    availability_horizon_days: int = 180
    waiting_cap_months: float = 36.0
    max_priority_level: int = 2
    size_fit_spare_bedrooms: float = 3.0
    energy_reference_cents: float = 30_000.0
    energy_unknown_component: float = 0.5
    cohabitation_young_max_age: int = 30
    weights: dict[str, float] = field(
        default_factory=lambda: {"priority": 0.40, "waiting_time": 0.25, "size_fit": 0.15, "distance": 0.10, "energy_cost": 0.10}
    )
