"""The Loc'Avantages reference-rent table: read from a CSV file, checked, and read again when it changes.

Format (CSV, UTF-8, ``#`` lines are comments)::

    insee_code,commune,category,reference_rent_eur_m2,year,source

A national table is large: it may be gzipped (``.csv.gz``). ``category`` is one of
``domain/reference_rents.py``'s housing categories (``all``, ``apartment``,
``apartment_1_2``, ``apartment_3_plus``, ``house``); a table without the column gives one reference per
commune (``all``). Every row names the table's ``year`` and its ``source``; a table mixing years is refused.

The shipped ``data/reference_rents.csv`` is a small illustration (``source`` ``sample``): the service
refuses to start on it unless ``ABRI_LISTINGS_ALLOW_SAMPLE_REFERENCE_RENTS=true`` (development, tests); a
deployment points ``ABRI_LISTINGS_REFERENCE_RENTS_PATH`` at the table of the year. A newer file put in
its place is read at the next publication, without a restart; a broken one is refused and the last good
table stays in force.
"""

from __future__ import annotations

import csv
import gzip
import logging
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from threading import Lock

from abri_listings.domain.reference_rents import HOUSING_CATEGORIES, ReferenceRent, ReferenceRents

SAMPLE = Path(__file__).parent / "data" / "reference_rents.csv"
COLUMNS = ("insee_code", "commune", "category", "reference_rent_eur_m2", "year", "source")
logger = logging.getLogger(__name__)


class ReferenceRentsError(ValueError):
    """The table is not in the expected format, or may not be used."""


def load_reference_rents(path: Path = SAMPLE) -> ReferenceRents:
    """The table in ``path``; refuses a malformed one (a row number says where)."""
    raw = path.read_bytes()
    text = (gzip.decompress(raw) if path.suffix == ".gz" else raw).decode("utf-8")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    reader = csv.DictReader(lines)
    columns = tuple(reader.fieldnames or ())
    if set(columns) not in (set(COLUMNS), set(COLUMNS) - {"category"}):
        raise ReferenceRentsError(f"{path}: expected the columns {', '.join(COLUMNS)} (category optional)")
    rows: dict[str, list[ReferenceRent]] = {}
    years: set[int] = set()
    sources: set[str] = set()
    for number, row in enumerate(reader, start=2):
        code, category = row["insee_code"].strip(), (row.get("category") or "all").strip()
        try:
            value = Decimal(row["reference_rent_eur_m2"].strip())
            year = int(row["year"])
        except (InvalidOperation, ValueError) as exc:
            raise ReferenceRentsError(f"{path}: row {number}: not a number: {row['reference_rent_eur_m2']!r} or {row['year']!r}") from exc
        if len(code) != 5 or not value.is_finite() or value <= 0 or category not in HOUSING_CATEGORIES or not row["source"].strip():
            raise ReferenceRentsError(
                f"{path}: row {number}: a five-character INSEE code, a positive rent, a source "
                f"and a category of {', '.join(HOUSING_CATEGORIES)}"
            )
        if any(existing.category == category for existing in rows.get(code, [])):
            raise ReferenceRentsError(f"{path}: row {number}: commune {code} has two {category} rows")
        rows.setdefault(code, []).append(ReferenceRent(code, category, value, year, row["source"].strip()))
        years.add(year)
        sources.add(row["source"].strip())
    if not rows:
        raise ReferenceRentsError(f"{path}: no rows")
    if len(years) != 1:
        raise ReferenceRentsError(f"{path}: rows of several years ({', '.join(map(str, sorted(years)))}): one table is of one year")
    return ReferenceRents(
        rows={code: tuple(found) for code, found in rows.items()},
        year=years.pop(),
        source=", ".join(sorted(sources)),
        sample=sources == {"sample"},
    )


@dataclass(frozen=True)
class ReferenceRentsConfig:
    """Where the table is and what may be used: ``path`` (None: the shipped sample), whether the sample is
    allowed, and how old a table may be (years before the current one)."""

    path: Path | None = None
    allow_sample: bool = False
    max_age_years: int = 1


def check_usable(table: ReferenceRents, config: ReferenceRentsConfig, today: date) -> None:
    """Refuse a table that may not be used: the sample where it is not allowed, or a table of a year too old."""
    if table.sample and not config.allow_sample:
        raise ReferenceRentsError(
            "the reference-rent table is the shipped sample, not an official table: set ABRI_LISTINGS_REFERENCE_RENTS_PATH "
            "to the table of the year, or ABRI_LISTINGS_ALLOW_SAMPLE_REFERENCE_RENTS=true outside production"
        )
    if not table.sample and table.year > today.year:
        raise ReferenceRentsError(f"the reference-rent table is of {table.year}, a year not begun yet")
    if not table.sample and table.year < today.year - config.max_age_years:
        raise ReferenceRentsError(
            f"the reference-rent table is of {table.year}: load the table of {today.year} "
            f"(ABRI_LISTINGS_REFERENCE_RENTS_MAX_AGE_YEARS allows {config.max_age_years} year(s) back)"
        )


class ReferenceRentsFile:
    """The table of a file, read again when the file changes (its modification time or size): a newer table
    is taken without a restart; one that fails to load or may not be used is logged and the previous kept."""

    def __init__(self, config: ReferenceRentsConfig) -> None:
        self.config = config
        self.path = config.path or SAMPLE
        self._lock = Lock()
        self._stamp: tuple[int, int, int] | None = None
        self._table: ReferenceRents | None = None
        self._checked_year: int | None = None

    def load(self, today: date) -> ReferenceRents:
        """Read and check the table now (at start: a failure stops the service)."""
        table = load_reference_rents(self.path)
        check_usable(table, self.config, today)
        with self._lock:
            self._table, self._stamp, self._checked_year = table, self._stamp_of(), today.year
        return table

    def current(self, today: date) -> ReferenceRents:
        """The table in force, read again first if its file changed since it was read, or a new year began
        (a table grown too old is then refused, and the last good one stays, with an error logged)."""
        stamp = self._stamp_of()
        if self._table is not None and stamp == self._stamp and today.year == self._checked_year:
            return self._table
        try:
            table = self.load(today)
            logger.info("reference rents loaded from %s: %s, %d commune(s)", self.path, table.year, len(table.rows))
            return table
        except (OSError, ReferenceRentsError) as exc:
            if self._table is None:
                raise
            logger.error("reference rents in %s not loaded, the %s table stays in force: %s", self.path, self._table.year, exc)
            with self._lock:
                self._stamp, self._checked_year = stamp, today.year  # do not retry until the file changes or a year begins
            return self._table

    def _stamp_of(self) -> tuple[int, int, int] | None:
        try:
            status = self.path.stat()
        except OSError:
            return None
        return (status.st_mtime_ns, status.st_size, status.st_ino)
