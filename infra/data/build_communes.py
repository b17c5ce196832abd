"""Build the commune table Abri ships (``libs/kit/abri_kit/data/communes.csv.gz``) from its two sources.

Run by a developer when INSEE publishes a new Code officiel géographique (each January), never at run
time::

    npm pack @etalab/decoupage-administratif@6.0.0     # COG at 1 January 2026 (Etalab, Licence Ouverte)
    tar xzf etalab-decoupage-administratif-6.0.0.tgz
    python infra/data/build_communes.py package/data/communes.json positions.csv \\
        libs/kit/abri_kit/data/communes.csv.gz --year 2026

- ``communes.json``: the communes and municipal arrondissements in force (code, name, département,
  zone metro/drom/com, postal codes), from INSEE's Code officiel géographique and La Poste's base
  officielle des codes postaux, as Etalab packages them.
- ``positions.csv``: a position per commune (``insee_com,commune_type,insee_parente,lat,lng`` columns), the
  compilation of INSEE's "base du comparateur de territoires" and the base officielle des codes postaux
  of 2024 by R. Carlier (``France/communes.csv`` of the public repository rcarlier/datas.fun). A commune
  created or restored since takes the position of a former commune it merged, else of a commune that shares
  its postal code; Paris, Lyon and Marseille take the mean of their arrondissements.

Only metropolitan and overseas-département (DROM) communes are kept: loi 89-462 on residential leases does
not govern the overseas collectivities (COM), which have their own housing law.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
from pathlib import Path

COLUMNS = ("insee_code", "name", "departement", "overseas", "postal_codes", "latitude", "longitude", "parent", "former_codes", "population")


def positions_of(path: Path) -> dict[str, tuple[float, float]]:
    positions: dict[str, tuple[float, float]] = {}
    with path.open(encoding="utf-8") as stream:
        for row in csv.DictReader(stream):
            if row["lat"] and row["lng"] and row["commune_type"] in ("COM", "ARM", "COMD"):
                key = row["insee_com"] if row["commune_type"] != "COMD" else f"D{row['insee_com']}"
                positions.setdefault(key, (float(row["lat"]), float(row["lng"])))
    return positions


def build(communes_json: Path, positions_csv: Path, year: int) -> tuple[str, list[str]]:
    positions = positions_of(positions_csv)
    communes = [c for c in json.loads(communes_json.read_text(encoding="utf-8")) if c["zone"] in ("metro", "drom")]
    kept = [c for c in communes if c["type"] in ("commune-actuelle", "arrondissement-municipal")]
    arrondissements: dict[str, list[tuple[float, float]]] = {}
    for commune in kept:
        if commune["type"] == "arrondissement-municipal" and commune["code"] in positions:
            arrondissements.setdefault(commune["commune"], []).append(positions[commune["code"]])
    by_postal_code: dict[str, tuple[float, float]] = {}
    for commune in kept:
        if commune["code"] in positions:
            for postal_code in commune.get("codesPostaux", []):
                by_postal_code.setdefault(postal_code, positions[commune["code"]])
    unplaced: list[str] = []
    out = io.StringIO()
    out.write(f"# Communes of France (metropolitan and overseas départements) at 1 January {year}.\n")
    out.write("# Source: INSEE, Code officiel géographique; La Poste, base officielle des codes postaux (Licence Ouverte),\n")
    out.write("# as packaged by Etalab (@etalab/decoupage-administratif). Positions: INSEE comparateur de territoires\n")
    out.write("# and base officielle des codes postaux, 2024 (rcarlier/datas.fun). Built by infra/data/build_communes.py.\n")
    out.write(f"# year={year}\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for commune in sorted(kept, key=lambda c: c["code"]):
        code = commune["code"]
        former = commune.get("anciensCodes", [])
        position = positions.get(code) or positions.get(f"D{code}")
        if position is None and code in arrondissements:
            points = arrondissements[code]
            position = (sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))
        if position is None:
            position = next((positions[old] for old in former if old in positions), None)
        if position is None:
            position = next((by_postal_code[pc] for pc in commune.get("codesPostaux", []) if pc in by_postal_code), None)
        if position is None:
            unplaced.append(f"{code} {commune['nom']}")
        writer.writerow(
            [
                code,
                commune["nom"],
                commune["departement"],
                1 if commune["zone"] == "drom" else 0,
                " ".join(sorted(commune.get("codesPostaux", []))),
                f"{position[0]:.5f}" if position else "",
                f"{position[1]:.5f}" if position else "",
                commune.get("commune", ""),
                " ".join(former),
                commune.get("population", ""),
            ]
        )
    return out.getvalue(), unplaced


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("communes_json", type=Path)
    parser.add_argument("positions_csv", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument("--year", type=int, required=True)
    args = parser.parse_args()
    text, unplaced = build(args.communes_json, args.positions_csv, args.year)
    with gzip.GzipFile(args.output, "wb", mtime=0) as stream:
        stream.write(text.encode("utf-8"))
    print(f"wrote {args.output}; {len(unplaced)} commune(s) without a position: {', '.join(unplaced) or 'none'}")


if __name__ == "__main__":
    main()
