"""The legal and policy numbers the listings rules use: data, with their sources, never code.

Every number here is a default that a deployment may override (a département, a year, a new decree);
see ``docs/domain-rules.md``, "Listings: publishing rules", for the references.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

ENERGY_CLASSES = ("A", "B", "C", "D", "E", "F", "G")


@dataclass(frozen=True)
class LettingBan:
    """From ``since``, units of ``energy_class`` (and worse) may not be let under a new lease or renewal."""

    energy_class: str
    since: date


@dataclass(frozen=True)
class ListingsPolicy:
    """Rules for publishing a unit.

    - ``letting_bans`` / ``overseas_letting_bans``: loi Climat et résilience 2021-1104, art. 160 (code de
      la construction, art. L173-1-1; loi 89-462, art. 6): class G from 2025-01-01, F from 2028-01-01,
      E from 2034-01-01; overseas départements (971 to 976): G from 2028-01-01, F from 2031-01-01.
    - ``max_final_energy_kwh``: décret 2021-19 (décence, art. 3 bis of décret 2002-120): a home using more
      than 450 kWh of final energy per m² and year is not decent (since 2023-01-01).
    - ``min_living_area_m2``, ``min_ceiling_height_m``, ``min_volume_m3``: décret 2002-120, art. 4: a main
      room of at least 9 m² with a ceiling of at least 2.20 m, or a volume of at least 20 m³.
    - ``dpe_primary_energy_limits`` / ``dpe_emission_limits``: arrêté of 31 March 2021 (DPE classes): upper
      bound of each class in kWh of primary energy/m²/year and kg CO₂/m²/year; the worse of the two
      classes is the unit's class.
    - ``loc_avantages_*``: Anah, Loc'Avantages (loi de finances 2022, art. 67; code général des impôts,
      art. 199 tricies): rent at most 85 % / 70 % / 55 % of the local reference rent for Loc1/2/3; energy
      class E or better (D from 2028 for new agreements, *to confirm*); unfurnished only.
    - ``position_grid_deg``: Abri's minimisation choice (RGPD art. 5.1.c, data minimisation; not a legal
      number): positions shown to anyone but the owner are snapped to a grid of 0.002° (about 200 m,
      ``domain/position.py``); 0 would publish exact positions.
    """

    letting_bans: tuple[LettingBan, ...] = (
        LettingBan("G", date(2025, 1, 1)),
        LettingBan("F", date(2028, 1, 1)),
        LettingBan("E", date(2034, 1, 1)),
    )
    overseas_letting_bans: tuple[LettingBan, ...] = (
        LettingBan("G", date(2028, 1, 1)),
        LettingBan("F", date(2031, 1, 1)),
    )
    overseas_departements: frozenset[str] = frozenset({"971", "972", "973", "974", "976"})
    max_final_energy_kwh: float = 450.0
    min_living_area_m2: float = 9.0
    min_ceiling_height_m: float = 2.20
    min_volume_m3: float = 20.0
    dpe_primary_energy_limits: tuple[float, ...] = (70, 110, 180, 250, 330, 420)
    dpe_emission_limits: tuple[float, ...] = (6, 11, 30, 50, 70, 100)
    loc_avantages_rent_ratio: dict[str, float] = field(
        default_factory=lambda: {"loc_avantages_1": 0.85, "loc_avantages_2": 0.70, "loc_avantages_3": 0.55}
    )
    loc_avantages_worst_class: str = "E"
    loc_avantages_worst_class_from_2028: str = "D"
    loc_avantages_stricter_since: date = date(2028, 1, 1)
    position_grid_deg: float = 0.002
