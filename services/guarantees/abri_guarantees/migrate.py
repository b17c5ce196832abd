"""Migrate the guarantees service's database: ``python -m abri_guarantees.migrate [revision]``."""

from __future__ import annotations

import sys
from pathlib import Path

from abri_guarantees.settings import GuaranteesSettings
from abri_kit.migrations import upgrade

MIGRATIONS = Path(__file__).parent / "migrations"


def main() -> None:
    """Upgrade to the given revision (default: head)."""
    settings = GuaranteesSettings()
    upgrade(MIGRATIONS, settings.database_url.get_secret_value(), sys.argv[1] if len(sys.argv) > 1 else "head")


if __name__ == "__main__":
    main()
