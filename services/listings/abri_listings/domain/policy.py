"""The legal and policy numbers the listings rules use: data, with their sources, never code.

Every number here is a default that a deployment may override (a département, a year, a new decree) with
the JSON file ``ABRI_LISTINGS_POLICY_PATH`` names; ``docs/domain-rules.md``, "Listings: publishing
rules", gives each number, its text and the day it was checked. Money, areas and ratios are exact
(``Decimal``): a rent at exactly its ceiling is at the ceiling, not above it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from abri_listings.domain.energy_cost import ENERGIES, EnergyTariff, PriceBand, PrimaryFactor

ENERGY_CLASSES = ("A", "B", "C", "D", "E", "F", "G")


@dataclass(frozen=True)
class LettingBan:
    """From ``since``, units of ``energy_class`` (and worse) may not be let under a new lease or renewal."""

    energy_class: str
    since: date


@dataclass(frozen=True)
class DpeValidity:
    """How long a DPE made from ``made_from`` to ``made_until`` (inclusive; ``None``: open) stays valid: until
    ``valid_until`` when set, else ``years`` after the day it was made (the day before its anniversary)."""

    made_from: date | None
    made_until: date | None
    valid_until: date | None = None
    years: int | None = None


@dataclass(frozen=True)
class SmallSurfaceLimits:
    """DPE class bounds of homes of ``at_most_m2`` or less (arrêté of 25 March 2024, annexe 1, replacing
    annexe 5 of the arrêté of 31 March 2021; in force from ``since``; mainland France): one row per whole m²
    from ``rows[0]`` (which also serves every smaller home) to ``at_most_m2``, each the bounds of classes
    A to F in primary energy and in emissions; a surface between two rows takes the linear interpolation
    of both, as the arrêté says."""

    since: date
    at_most_m2: int
    rows: tuple[tuple[int, tuple[int, ...], tuple[int, ...]], ...]


@dataclass(frozen=True)
class IntermediatedLetting:
    """The unit conditions of intermediated letting (the association rents the home and sub-lets it):
    unfurnished, from ``min_rooms`` to ``max_rooms`` main rooms."""

    unfurnished: bool = True
    min_rooms: int = 1
    max_rooms: int = 5


@dataclass(frozen=True)
class ListingsPolicy:
    """Rules for publishing a unit (sources: ``domain/sources.py``; numbers and dates checked:
    ``docs/domain-rules.md``).

    - ``letting_bans`` / ``overseas_letting_bans``: loi 2021-1104, art. 160 (loi 89-462, art. 6): class G
      from 2025-01-01, F from 2028-01-01, E from 2034-01-01; overseas départements (the commune table's
      ``overseas``): G from 2028-01-01, F from 2031-01-01. A ban applies to a lease signed on or after
      its day: a unit is judged on the first day it can be let (its availability, or today).
    - ``ban_notice_days``: the owner of a published unit is warned this many days before a ban or the
      end of its DPE's validity reaches it (Abri's choice); on the day the unit returns to draft.
    - ``dpe_validity``: décret 2020-1610 (CCH, art. D126-19): DPEs made from 2013 to 2017 valid until
      2022-12-31, from 2018-01-01 to 2021-06-30 until 2024-12-31, others (before 2013, from July 2021) ten years.
    - ``max_final_energy_kwh``: décret 2002-120, art. 3 bis as written by décret 2021-19: in mainland
      France a home using 450 kWh of final energy per m² and year or more was not decent for leases signed
      from 2023-01-01 (``final_energy_decency_since``) until décret 2023-796 replaced it by the class
      calendar on 2025-01-01 (``final_energy_decency_until``, the first day it no longer applies).
    - ``min_living_area_m2``, ``min_ceiling_height_m``, ``min_volume_m3``: décret 2002-120, art. 4.
    - ``dpe_primary_energy_limits`` / ``dpe_emission_limits``: arrêté of 31 March 2021, annexe 5 (as
      rewritten on 25 March 2024): the bound of classes A to F (kWh of primary energy, kg CO₂ per m² and
      year). Both indicators are rounded down to the whole number, and a class holds the values *below*
      its bound (70 kWh is class B); the worse of the two classes is the home's. Homes above 800 m of
      altitude in climate zones H1b, H1c and H2d have higher E and F bounds: Abri does not record the
      altitude, so an owner there declares the class of the DPE (``docs/domain-rules.md``).
    - ``small_surfaces``: arrêté of 25 March 2024, the bounds of homes of 40 m² or less
      (``SmallSurfaceLimits``); mainland France only, like the arrêté of 31 March 2021.
    - ``deposit_months_unfurnished`` / ``deposit_months_furnished``: loi 89-462, art. 22 and 25-6.
    - ``loc_avantages_rent_ratio``: CGI, art. 199 tricies: rent at most 85 % / 70 % / 55 % of the
      commune's reference rent for Loc1/2/3, times the surface coefficient ``loc_avantages_surface_*``
      (``0.7 + 19 / S``, at most 1.2); ``loc_avantages_worst_class``: E or better (no F or G home), then
      ``loc_avantages_worst_class_from`` (D) from ``loc_avantages_stricter_since`` (2028-01-01: arrêté of
      29 March 2022); ``loc_avantages_intermediated``: the schemes only let through an intermediary (Loc3),
      ``intermediary_schemes``: the schemes that are one.
    - ``intermediated_letting``: the unit conditions of intermediated letting (``IntermediatedLetting``).
    - ``max_distance_from_commune_km``: a position given with a unit lies at most this far from its
      commune's position (``overseas_max_distance_from_commune_km`` overseas, where communes are vast):
      Abri's coherence check, not law.
    - ``position_grid_deg``: Abri's minimisation choice (RGPD art. 5.1.c): positions shown to anyone but the
      owner are snapped to a grid of 0.002° (about 200 m, ``domain/position.py``).
    - ``energy_tariffs``, ``energy_prices_since``, ``energy_cost_spread``: the DPE's conventional prices of
      energy (arrêté of 31 March 2021, annexe 7, as replaced by the arrêté of 25 March 2024, annexe 2, for DPEs
      from 2024-07-01), euros TTC per kWh PCI of final energy, subscription included, by band of annual
      consumption for electricity and natural gas; the DPE's range, 15 % either side
      (``domain/energy_cost.py``).
    - ``shared_room_min_area_m2`` / ``shared_room_min_volume_m3``: loi 89-462, art. 8-1: a room of a shared home
      let under its own lease has at least 9 m² and 20 m³ (both, where décret 2002-120 asks one or the other).
    - ``overcrowding_*``: the overcrowding norm (CCH, art. R822-25, formerly code de la sécurité sociale,
      art. D542-14; loi 89-462, art. 8-1 applies it to a shared home): 9 m² for one person, 16 m² for two, 9 m²
      more for each other person, 70 m² from eight; applied to a shared home as a whole (the people its offered
      rooms take) and to each room (Abri's choice: the same norm for the people a room takes).
    - ``shared_home_required_spaces``: décret 2002-120, art. 3: a kitchen or cooking corner, a WC and a shower
      or bath, which a shared home's occupants reach in its shared spaces.
    - ``cohabitation_host_min_age``: CCH art. L631-17 (loi ELAN 2018-1021, art. 117): the host of an
      intergenerational cohabitation is 60 or over. ``cohabitation_max_monthly_cents``: the counterpart is
      freely agreed and "modest" (L631-17 gives no figure): none by default, a deployment may set a ceiling.
    - ``electricity_primary_factors``: the primary-energy factor of electricity by the DPE's day (arrêté of
      31 March 2021, annexe 3: 2.3 from 2021-07-01; 1.9 for DPEs from 2026-01-01, arrêté of 13 August 2025), to
      read the final energy of an all-electric home whose owner gave only the primary energy.
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
    ban_notice_days: int = 180
    dpe_validity: tuple[DpeValidity, ...] = (
        DpeValidity(None, date(2012, 12, 31), years=10),
        DpeValidity(date(2013, 1, 1), date(2017, 12, 31), valid_until=date(2022, 12, 31)),
        DpeValidity(date(2018, 1, 1), date(2021, 6, 30), valid_until=date(2024, 12, 31)),
        DpeValidity(date(2021, 7, 1), None, years=10),
    )
    max_final_energy_kwh: Decimal = Decimal(450)
    final_energy_decency_since: date = date(2023, 1, 1)
    final_energy_decency_until: date | None = date(2025, 1, 1)
    min_living_area_m2: Decimal = Decimal(9)
    min_ceiling_height_m: Decimal = Decimal("2.20")
    min_volume_m3: Decimal = Decimal(20)
    dpe_primary_energy_limits: tuple[Decimal, ...] = tuple(Decimal(n) for n in (70, 110, 180, 250, 330, 420))
    dpe_emission_limits: tuple[Decimal, ...] = tuple(Decimal(n) for n in (6, 11, 30, 50, 70, 100))
    small_surfaces: SmallSurfaceLimits | None = SmallSurfaceLimits(
        since=date(2024, 7, 1),
        at_most_m2=40,
        rows=(
            (8, (146, 186, 386, 505, 622, 739), (11, 16, 44, 68, 90, 122)),
            (9, (134, 174, 355, 464, 574, 685), (11, 16, 42, 65, 87, 118)),
            (10, (124, 164, 329, 428, 533, 640), (10, 15, 40, 62, 84, 115)),
            (11, (117, 157, 311, 403, 503, 607), (10, 15, 39, 61, 82, 113)),
            (12, (112, 152, 296, 381, 478, 578), (9, 14, 38, 59, 81, 111)),
            (13, (108, 148, 283, 363, 456, 554), (9, 14, 37, 58, 79, 110)),
            (14, (104, 144, 273, 348, 437, 532), (9, 14, 37, 58, 78, 108)),
            (15, (100, 140, 263, 333, 421, 514), (8, 13, 36, 56, 76, 107)),
            (16, (97, 137, 255, 325, 412, 504), (8, 13, 35, 55, 76, 106)),
            (17, (95, 135, 248, 318, 404, 496), (8, 13, 35, 55, 75, 105)),
            (18, (92, 132, 241, 311, 397, 489), (8, 13, 34, 54, 75, 105)),
            (19, (90, 130, 235, 305, 390, 482), (8, 13, 34, 54, 74, 105)),
            (20, (88, 128, 230, 300, 385, 476), (8, 13, 34, 54, 74, 104)),
            (21, (87, 127, 225, 295, 380, 471), (8, 13, 33, 53, 74, 104)),
            (22, (85, 125, 221, 291, 375, 466), (7, 12, 33, 53, 73, 103)),
            (23, (84, 124, 217, 287, 371, 462), (7, 12, 33, 53, 73, 103)),
            (24, (82, 122, 214, 284, 367, 458), (7, 12, 33, 53, 73, 103)),
            (25, (81, 121, 210, 280, 363, 454), (7, 12, 32, 52, 73, 103)),
            (26, (80, 120, 207, 277, 360, 451), (7, 12, 32, 52, 72, 103)),
            (27, (79, 119, 204, 274, 357, 447), (7, 12, 32, 52, 72, 102)),
            (28, (78, 118, 202, 272, 354, 444), (7, 12, 32, 52, 72, 102)),
            (29, (77, 117, 199, 269, 351, 442), (7, 12, 32, 52, 72, 102)),
            (30, (76, 116, 197, 267, 349, 439), (7, 12, 32, 52, 72, 102)),
            (31, (76, 116, 195, 265, 346, 437), (7, 12, 31, 51, 72, 102)),
            (32, (75, 115, 193, 263, 344, 434), (7, 12, 31, 51, 71, 101)),
            (33, (74, 114, 191, 261, 342, 432), (7, 12, 31, 51, 71, 101)),
            (34, (74, 114, 189, 259, 340, 430), (7, 12, 31, 51, 71, 101)),
            (35, (73, 113, 188, 258, 338, 428), (7, 12, 31, 51, 71, 101)),
            (36, (72, 112, 186, 256, 337, 427), (7, 12, 31, 51, 71, 101)),
            (37, (72, 112, 185, 255, 335, 425), (7, 12, 31, 51, 71, 101)),
            (38, (71, 111, 183, 253, 333, 423), (7, 12, 31, 51, 71, 101)),
            (39, (71, 111, 182, 252, 332, 422), (7, 12, 31, 51, 71, 101)),
            (40, (70, 110, 180, 250, 330, 420), (6, 11, 30, 50, 70, 100)),
        ),
    )
    deposit_months_unfurnished: int = 1
    deposit_months_furnished: int = 2
    loc_avantages_rent_ratio: dict[str, Decimal] = field(
        default_factory=lambda: {"loc_avantages_1": Decimal("0.85"), "loc_avantages_2": Decimal("0.70"), "loc_avantages_3": Decimal("0.55")}
    )
    loc_avantages_surface_base: Decimal = Decimal("0.7")
    loc_avantages_surface_numerator_m2: Decimal = Decimal(19)
    loc_avantages_surface_cap: Decimal = Decimal("1.2")
    loc_avantages_worst_class: str = "E"
    loc_avantages_worst_class_from: str = "D"
    loc_avantages_stricter_since: date | None = date(2028, 1, 1)
    loc_avantages_intermediated: frozenset[str] = frozenset({"loc_avantages_3"})
    intermediary_schemes: frozenset[str] = frozenset({"intermediated_letting", "management_mandate", "sliding_lease"})
    intermediated_letting: IntermediatedLetting = IntermediatedLetting()
    max_distance_from_commune_km: Decimal = Decimal(30)
    overseas_max_distance_from_commune_km: Decimal = Decimal(150)
    position_grid_deg: float = 0.002
    energy_prices_since: date = date(2024, 7, 1)
    energy_tariffs: tuple[EnergyTariff, ...] = (
        EnergyTariff(
            "electricity",
            (
                PriceBand(1_000, Decimal(0), Decimal("0.34721")),
                PriceBand(2_500, Decimal(158), Decimal("0.18954")),
                PriceBand(5_000, Decimal(158), Decimal("0.18949")),
                PriceBand(15_000, Decimal(119), Decimal("0.19726")),
                PriceBand(None, Decimal(78), Decimal("0.20001")),
            ),
        ),
        EnergyTariff(
            "natural_gas",
            (
                PriceBand(5_000, Decimal(0), Decimal("0.13120")),
                PriceBand(50_000, Decimal(182), Decimal("0.09488")),
                PriceBand(None, Decimal(288), Decimal("0.09274")),
            ),
        ),
        EnergyTariff("fuel_oil", (PriceBand(None, Decimal(0), Decimal("0.14821")),)),
        EnergyTariff("propane", (PriceBand(None, Decimal(0), Decimal("0.15672")),)),
        EnergyTariff("wood_pellets", (PriceBand(None, Decimal(0), Decimal("0.09897")),)),
        EnergyTariff("wood_logs", (PriceBand(None, Decimal(0), Decimal("0.04200")),)),
        EnergyTariff("district_heating", (PriceBand(None, Decimal(0), Decimal("0.08921")),)),
    )
    energy_cost_spread: Decimal = Decimal("0.15")
    shared_room_min_area_m2: Decimal = Decimal(9)
    shared_room_min_volume_m3: Decimal = Decimal(20)
    overcrowding_first_person_m2: Decimal = Decimal(9)
    overcrowding_second_person_m2: Decimal = Decimal(7)
    overcrowding_extra_person_m2: Decimal = Decimal(9)
    overcrowding_cap_m2: Decimal = Decimal(70)
    shared_home_required_spaces: frozenset[str] = frozenset({"kitchen", "bathroom", "wc"})
    cohabitation_host_min_age: int = 60
    cohabitation_max_monthly_cents: int | None = None
    electricity_primary_factors: tuple[PrimaryFactor, ...] = (
        PrimaryFactor(date(2021, 7, 1), Decimal("2.3")),
        PrimaryFactor(date(2026, 1, 1), Decimal("1.9")),
    )

    def __post_init__(self) -> None:
        """Refuse numbers the rules could not use (a policy file is read at start: it fails there, not at the
        first publication)."""
        classes = set(ENERGY_CLASSES)
        for ban in (*self.letting_bans, *self.overseas_letting_bans):
            _require(ban.energy_class in classes, f"letting ban on an unknown class {ban.energy_class!r}")
        for worst in (self.loc_avantages_worst_class, self.loc_avantages_worst_class_from):
            _require(worst in classes, f"unknown class {worst!r}")
        for limits in (self.dpe_primary_energy_limits, self.dpe_emission_limits):
            _require(len(limits) == len(ENERGY_CLASSES) - 1 and list(limits) == sorted(set(limits)), "six increasing class bounds")
        if self.small_surfaces is not None:
            areas = [row[0] for row in self.small_surfaces.rows]
            _require(
                areas == list(range(areas[0], self.small_surfaces.at_most_m2 + 1)) if areas else False, "one row per m² up to at_most_m2"
            )
            for _, energy, emissions in self.small_surfaces.rows:
                _require(len(energy) == len(emissions) == len(ENERGY_CLASSES) - 1, "six bounds per small-surface row")
        _require(all(0 < ratio <= 1 for ratio in self.loc_avantages_rent_ratio.values()), "rent ratios between 0 and 1")
        _require(
            self.ban_notice_days >= 0 and self.deposit_months_unfurnished >= 0 and self.deposit_months_furnished >= 0, "no negative delay"
        )
        _require(self.intermediated_letting.min_rooms <= self.intermediated_letting.max_rooms, "min_rooms at most max_rooms")
        _require(0 < self.position_grid_deg <= 1, "a position grid above 0 (0 would publish exact positions) and at most 1 degree")
        for tariff in self.energy_tariffs:
            _require(tariff.energy in ENERGIES, f"a tariff for an unknown energy {tariff.energy!r}")
            bounds = [band.below_kwh for band in tariff.bands]
            _require(
                bool(bounds) and bounds[-1] is None and None not in bounds[:-1] and bounds[:-1] == sorted(set(bounds[:-1])),  # type: ignore[type-var]
                f"the bands of {tariff.energy}: increasing bounds, the last one open",
            )
            _require(all(b.fixed_eur >= 0 and b.eur_per_kwh > 0 for b in tariff.bands), f"prices of {tariff.energy} above 0")
        _require(len({t.energy for t in self.energy_tariffs}) == len(self.energy_tariffs), "one tariff per energy")
        _require(0 <= self.energy_cost_spread < 1, "an energy cost spread between 0 and 1")
        _require(all(f.factor > 0 for f in self.electricity_primary_factors), "primary-energy factors above 0")


def _require(condition: bool, what: str) -> None:
    if not condition:
        raise ValueError(f"listings policy: {what}")


def exact(value: float | int | Decimal) -> Decimal:
    """A number as the person typed it (``0.1`` is one tenth, not the nearest binary fraction)."""
    return value if isinstance(value, Decimal) else Decimal(str(value))
