"""The local reference rents of the Loc'Avantages ceilings, as the rules read them. Pure: loading the
table from a file is ``reference_rents.py``'s job.

A commune may have one reference for every home, or several split by housing category, as the official
rent map splits them (apartments of one or two rooms, of three or more, houses): a unit takes the most
specific row that fits its kind and rooms.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

HOUSING_CATEGORIES: dict[str, tuple[frozenset[str], int, int]] = {
    "all": (frozenset({"studio", "apartment", "house", "room"}), 1, 99),
    "apartment": (frozenset({"studio", "apartment", "room"}), 1, 99),
    "apartment_1_2": (frozenset({"studio", "apartment", "room"}), 1, 2),
    "apartment_3_plus": (frozenset({"apartment"}), 3, 99),
    "house": (frozenset({"house"}), 1, 99),
}
"""Each category of the table: the unit kinds it covers and its range of main rooms (most specific wins)."""


@dataclass(frozen=True)
class ReferenceRent:
    """One row: the reference rent (€ per m² of living area per month) of a commune's category of homes."""

    insee_code: str
    category: str
    rent_eur_m2: Decimal
    year: int
    source: str


@dataclass(frozen=True)
class ReferenceRents:
    """The table, by commune; ``sample`` when it is the shipped illustration, not an official table."""

    rows: dict[str, tuple[ReferenceRent, ...]]
    year: int
    source: str
    sample: bool = False

    def reference_for(self, insee_code: str, kind: str, rooms: int) -> ReferenceRent | None:
        """The most specific row of ``insee_code`` that covers a ``kind`` home of ``rooms`` main rooms."""
        fitting = []
        for row in self.rows.get(insee_code, ()):
            kinds, low, high = HOUSING_CATEGORIES[row.category]
            if kind in kinds and low <= rooms <= high:
                fitting.append((high - low, len(kinds), row))
        return min(fitting, key=lambda item: (item[0], item[1]))[2] if fitting else None

    @classmethod
    def of(cls, rents: dict[str, Decimal | float | str], year: int = 2026, source: str = "test") -> ReferenceRents:
        """A table with one reference for every home of each commune (tests, small deployments)."""
        return cls(
            rows={code: (ReferenceRent(code, "all", Decimal(str(rent)), year, source),) for code, rent in rents.items()},
            year=year,
            source=source,
        )
