"""``make openapi``: write each service's OpenAPI document to ``docs/api/<service>.openapi.json``.

A test fails when a committed document differs from what the service's code produces.
"""

from __future__ import annotations

import base64
import importlib
import json
import os
import sys
from pathlib import Path
from typing import Any

from stack import REPO, SERVICES

KEEPERS = ("MATCHING", "GUARANTEES", "NOTIFICATIONS", "ASSISTANT")
"""The services that keep per-person keys: their settings ask for KEKs, an access log's MAC key, a key store."""


def document(service: str) -> dict[str, Any]:
    """The OpenAPI document of one service (built without touching any database or broker)."""
    settings_cls = getattr(importlib.import_module(f"abri_{service}.settings"), f"{service.capitalize()}Settings")
    throwaway = f"openapi:{base64.b64encode(bytes(32)).decode()}"
    os.environ.setdefault("ABRI_LISTINGS_ALLOW_SAMPLE_REFERENCE_RENTS", "true")  # the document does not depend on the rents
    for keeper in KEEPERS:  # throwaway keys and URLs never connected to: the document is built, nothing is sealed nor logged
        os.environ.setdefault(f"ABRI_{keeper}_KEKS", throwaway)
        os.environ.setdefault(f"ABRI_{keeper}_ACCESS_LOG_KEY", throwaway)
        os.environ.setdefault(f"ABRI_{keeper}_KEYSTORE_URL", "postgresql+asyncpg://openapi@127.0.0.1/none")
        os.environ.setdefault(f"ABRI_{keeper}_LEDGER_URL", "postgresql+asyncpg://openapi@127.0.0.1/none")
    from abri_guarantees.visa_signing import VisaSigner

    os.environ.setdefault("ABRI_GUARANTEES_VISA_SIGNING_KEY", VisaSigner.generate_pem())  # a throwaway key: nothing is signed
    app = importlib.import_module(f"abri_{service}.main").create_app(
        settings_cls(database_url="postgresql+asyncpg://openapi@127.0.0.1/none")
    )
    spec: dict[str, Any] = app.openapi()
    return spec


def render(service: str) -> str:
    """The document as committed: sorted keys, two-space indent."""
    return json.dumps(document(service), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for service in SERVICES:
        (target / f"{service}.openapi.json").write_text(render(service), encoding="utf-8")
        print(f"wrote {target / f'{service}.openapi.json'}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "docs" / "api")
