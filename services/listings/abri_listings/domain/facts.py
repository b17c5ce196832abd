"""What the publishing rules look at about a unit (and the home a room belongs to), and what a failed rule says."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from abri_kit.legal import LegalSource, Param
from abri_listings.domain.sources import source_of


@dataclass(frozen=True)
class HomeFacts:
    """The shared home a room belongs to, as the rules see it (``domain/shared_homes.py``)."""

    kind: str
    rooms: int
    """Main rooms of the whole home."""
    living_area_m2: Decimal
    lease_form: str
    spaces: tuple[tuple[str, Decimal], ...]
    """The shared spaces: (kind, area)."""
    occupants: int
    """How many people the home's offered rooms and the room judged take together."""
    rents_cents: int
    """Their monthly rents together (charges excluded)."""
    room_count: int
    """Rooms of the home offered, with the room judged."""
    rooms_area_m2: Decimal
    """Their private areas together."""


@dataclass(frozen=True)
class HostFacts:
    """What the host of an intergenerational cohabitation declares (``domain/cohabitation.py``)."""

    aged_60_or_over: bool
    occupancy: str
    """owner or tenant of the home."""
    landlord_informed_on: date | None = None
    """A tenant host: the day they informed their landlord."""


@dataclass(frozen=True)
class UnitFacts:
    """What the rules look at (``overseas`` comes from the commune table, never from what a form typed)."""

    insee_code: str
    overseas: bool
    kind: str
    rooms: int
    living_area_m2: float | Decimal
    ceiling_height_m: float | Decimal
    furnished: bool
    rent_cents: int
    charges_cents: int
    deposit_cents: int
    energy_class: str
    primary_energy_kwh: float | Decimal
    emissions_kg: float | Decimal
    final_energy_kwh: float | Decimal | None
    dpe_date: date
    available_from: date
    schemes: tuple[str, ...]
    rent_commune: str | None = None
    """The commune of a municipal arrondissement (75101 → 75056), whose reference rent applies when the table
    has none for the arrondissement itself."""
    home: HomeFacts | None = None
    """The shared home this room belongs to (None: a whole home, or a room let on its own)."""
    occupants_max: int | None = None
    """How many people a room of a shared home takes at most."""
    host: HostFacts | None = None
    """The host's declaration, for a room offered for intergenerational cohabitation."""

    @property
    def dpe_area_m2(self) -> float | Decimal:
        """The area the energy diagnosis is made for: the whole home's for a room of a shared home."""
        return self.home.living_area_m2 if self.home is not None else self.living_area_m2

    def letting_day(self, on: date) -> date:
        """The first day the unit can be let: its availability, or ``on`` if it is available already."""
        return max(on, self.available_from)


@dataclass(frozen=True)
class RuleFailure:
    """A rule that failed: its id, the fields concerned, a plain explanation in English, and its numbers
    (``params``), from which a page writes it in its reader's language; ``source`` is the text it applies."""

    rule: str
    fields: tuple[str, ...]
    message: str
    params: Mapping[str, Param] = field(default_factory=dict)

    @property
    def source(self) -> LegalSource:
        return source_of(self.rule)
