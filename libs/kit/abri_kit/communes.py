"""The official commune table: INSEE code, name, département, overseas status, postal codes, a position.

Built from INSEE's Code officiel géographique and La Poste's base officielle des codes postaux by
``infra/data/build_communes.py`` (its docstring names the sources); the shipped file says its year on a
``# year=`` line. A deployment may point ``ABRI_COMMUNES_PATH`` at a newer build (same columns, gzip or
plain CSV). Metropolitan and overseas-département communes only (loi 89-462 governs leases there).

Everything that depends on where a unit is (the overseas ban calendar, the département's guarantee caps,
the postal code's coherence, a commune searched by name) reads it from here, never from what a form typed.
"""

from __future__ import annotations

import csv
import gzip
import io
import math
import os
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

SHIPPED = Path(__file__).parent / "data" / "communes.csv.gz"
COLUMNS = ("insee_code", "name", "departement", "overseas", "postal_codes", "latitude", "longitude", "parent", "former_codes", "population")


EARTH_RADIUS_KM = 6371.0088
"""The mean Earth radius (IUGG), for distances between positions."""


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine) in kilometres between two positions."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


class CommuneTableError(ValueError):
    """The commune table is not in the expected format."""


@dataclass(frozen=True)
class Commune:
    """A commune (or a municipal arrondissement of Paris, Lyon or Marseille: ``parent`` names its commune)."""

    insee_code: str
    name: str
    departement: str
    overseas: bool
    postal_codes: tuple[str, ...]
    latitude: float
    longitude: float
    parent: str | None = None
    population: int = 0


def fold(text: str) -> str:
    """A name as search compares it: no accents, no case, words separated by single spaces ("Saint-Étienne"
    and "saint etienne" fold alike; "St" stands for "Saint")."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    words = re.sub(r"[^a-z0-9]+", " ", plain).split()
    return " ".join({"st": "saint", "ste": "sainte"}.get(word, word) for word in words)


@dataclass(frozen=True)
class CommuneTable:
    """The communes of one year, by INSEE code; former codes (merged communes) lead to their successor."""

    year: int
    source: str
    by_code: dict[str, Commune]
    successors: dict[str, str]

    def get(self, insee_code: str) -> Commune | None:
        return self.by_code.get(insee_code)

    @cached_property
    def overseas_departements(self) -> frozenset[str]:
        """The départements whose communes are overseas (971 to 976 but 975, by the table)."""
        return frozenset(c.departement for c in self.by_code.values() if c.overseas)

    def successor(self, former_code: str) -> Commune | None:
        """The commune that absorbed ``former_code`` (a code no longer in force), if any."""
        code = self.successors.get(former_code)
        return self.by_code.get(code) if code else None

    def search(self, text: str, limit: int = 10) -> list[Commune]:
        """Communes whose name starts with (or whose words start with) ``text``, or whose postal code or
        INSEE code starts with it when it is digits; exact names first, then the most populous."""
        query = fold(text)
        if not query:
            return []
        if query.replace(" ", "").isdigit() or re.fullmatch(r"2[ab]\d*", query):
            digits = query.replace(" ", "").upper()
            found = [c for c in self if c.insee_code.startswith(digits) or any(p.startswith(digits) for p in c.postal_codes)]
            return sorted(found, key=lambda c: (-c.population, c.insee_code))[:limit]
        ranked: list[tuple[int, int, str, Commune]] = []
        for commune in self.by_code.values():
            name = _folded_names(commune.name)
            if name == query:
                rank = 0
            elif name.startswith(query):
                rank = 1
            elif f" {query}" in f" {name}":
                rank = 2
            else:
                continue
            ranked.append((rank, -commune.population, commune.insee_code, commune))
        return [item[3] for item in sorted(ranked)[:limit]]

    def __iter__(self) -> Iterator[Commune]:
        return iter(self.by_code.values())

    def __len__(self) -> int:
        return len(self.by_code)


@lru_cache(maxsize=65536)
def _folded_names(name: str) -> str:
    return fold(name)


def load_communes(path: Path = SHIPPED) -> CommuneTable:
    """The table in ``path`` (gzip if it ends in ``.gz``); refuses a malformed one rather than guess."""
    raw = path.read_bytes()
    text = (gzip.decompress(raw) if path.suffix == ".gz" else raw).decode("utf-8")
    comments = [line for line in text.splitlines() if line.startswith("#")]
    years = [int(line.split("=", 1)[1]) for line in comments if line.startswith("# year=")]
    if not years:
        raise CommuneTableError(f"{path}: no '# year=' line")
    rows = csv.DictReader(io.StringIO("\n".join(line for line in text.splitlines() if line and not line.startswith("#"))))
    if tuple(rows.fieldnames or ()) != COLUMNS:
        raise CommuneTableError(f"{path}: expected the columns {', '.join(COLUMNS)}")
    by_code: dict[str, Commune] = {}
    successors: dict[str, str] = {}
    for number, row in enumerate(rows, start=2):
        code = row["insee_code"]
        if not re.fullmatch(r"[0-9][0-9AB][0-9]{3}", code) or code in by_code:
            raise CommuneTableError(f"{path}: row {number}: a five-character INSEE code, once")
        try:
            commune = Commune(
                insee_code=code,
                name=row["name"],
                departement=row["departement"],
                overseas=row["overseas"] == "1",
                postal_codes=tuple(row["postal_codes"].split()),
                latitude=float(row["latitude"]),
                longitude=float(row["longitude"]),
                parent=row["parent"] or None,
                population=int(row["population"] or 0),
            )
        except ValueError as exc:
            raise CommuneTableError(f"{path}: row {number}: {exc}") from exc
        by_code[code] = commune
        for former in row["former_codes"].split():
            successors.setdefault(former, code)
    source = " ".join(line.lstrip("# ") for line in comments if not line.startswith("# year="))
    return CommuneTable(year=years[0], source=source, by_code=by_code, successors={k: v for k, v in successors.items() if k not in by_code})


@lru_cache(maxsize=1)
def communes() -> CommuneTable:
    """The table in force: ``ABRI_COMMUNES_PATH`` when set, else the shipped one. Read once per process."""
    configured = os.environ.get("ABRI_COMMUNES_PATH")
    return load_communes(Path(configured) if configured else SHIPPED)


@dataclass(frozen=True)
class PlaceProblem:
    """Why a commune and a postal code do not go together (``field``: the one to correct)."""

    field: str
    code: str
    message: str
    params: dict[str, str]


def place_problems(table: CommuneTable, insee_code: str, postal_code: str) -> list[PlaceProblem]:
    """What is wrong with an INSEE code and a postal code given together (empty: they agree)."""
    commune = table.get(insee_code)
    if commune is None:
        successor = table.successor(insee_code)
        if successor is not None:
            return [
                PlaceProblem(
                    "insee_code",
                    "commune_merged",
                    f"commune {insee_code} no longer exists: it is now part of {successor.name} ({successor.insee_code})",
                    {"insee_code": insee_code, "successor_code": successor.insee_code, "successor_name": successor.name},
                )
            ]
        message = f"no commune has the INSEE code {insee_code} in {table.year}"
        return [PlaceProblem("insee_code", "commune_unknown", message, {"insee_code": insee_code})]
    if postal_code not in commune.postal_codes:
        return [
            PlaceProblem(
                "postal_code",
                "postal_code_mismatch",
                f"{commune.name} ({insee_code}) has the postal code(s) {', '.join(commune.postal_codes)}, not {postal_code}",
                {"insee_code": insee_code, "commune": commune.name, "postal_code": postal_code, "expected": " ".join(commune.postal_codes)},
            )
        ]
    return []
