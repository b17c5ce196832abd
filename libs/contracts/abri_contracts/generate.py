"""Regenerate ``docs/events/`` (JSON Schemas and the AsyncAPI document) from the contracts.

Usage: ``python -m abri_contracts.generate [DOCS_EVENTS_DIR]``. A published schema that the current
contract would break is refused: make a new ``.v<N+1>`` type instead.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

from abri_contracts.asyncapi import build_document
from abri_contracts.schemas import all_schemas, breaking_changes, write_schemas


def render_asyncapi() -> str:
    """The AsyncAPI document as YAML text."""
    return yaml.safe_dump(build_document(), sort_keys=False, allow_unicode=True, width=110)


def main(argv: list[str]) -> int:
    target = Path(argv[1]) if len(argv) > 1 else Path("docs/events")
    schemas_dir = target / "schemas"
    problems: list[str] = []
    for event_type, schema in all_schemas().items():
        published = schemas_dir / f"{event_type}.json"
        if published.exists():
            problems += [f"{event_type}: {p}" for p in breaking_changes(json.loads(published.read_text()), schema)]
    if problems:
        print("refused, these changes break published schemas:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    write_schemas(schemas_dir)
    (target / "asyncapi.yaml").write_text(render_asyncapi(), encoding="utf-8")
    print(f"wrote {target}/asyncapi.yaml and {len(all_schemas())} schemas")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
