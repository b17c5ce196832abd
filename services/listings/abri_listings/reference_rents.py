"""The local reference rents of the Loc'Avantages ceilings, read from a data table.

Format (CSV, UTF-8, ``#`` lines are comments): ``insee_code,commune,reference_rent_eur_m2,year,source``.
The shipped ``data/reference_rents.csv`` is a small illustrative sample; a deployment points
``ABRI_LISTINGS_REFERENCE_RENTS_PATH`` at the Anah table of the current year.
"""

from __future__ import annotations

import csv
from pathlib import Path

SAMPLE = Path(__file__).parent / "data" / "reference_rents.csv"


class ReferenceRentsError(ValueError):
    """The table is not in the expected format."""


def load_reference_rents(path: Path = SAMPLE) -> dict[str, float]:
    """Reference rent (€/m²/month) by INSEE commune code; refuses a malformed table."""
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip() and not line.startswith("#")]
    rows = list(csv.DictReader(lines))
    expected = {"insee_code", "commune", "reference_rent_eur_m2", "year", "source"}
    if not rows or set(rows[0]) != expected:
        raise ReferenceRentsError(f"{path}: expected the columns {sorted(expected)}")
    rents: dict[str, float] = {}
    for number, row in enumerate(rows, start=2):
        code = row["insee_code"].strip()
        try:
            value = float(row["reference_rent_eur_m2"])
        except ValueError as exc:
            raise ReferenceRentsError(f"{path}: row {number}: not a number: {row['reference_rent_eur_m2']!r}") from exc
        if len(code) != 5 or value <= 0 or code in rents:
            raise ReferenceRentsError(f"{path}: row {number}: a five-character INSEE code, once, with a positive rent")
        rents[code] = value
    return rents
