"""Migrate the insights service's database: ``python -m abri_insights.migrate [revision]``."""

from __future__ import annotations

import sys
from pathlib import Path

from abri_insights.settings import InsightsSettings
from abri_kit.migrations import upgrade

MIGRATIONS = Path(__file__).parent / "migrations"


def main() -> None:
    """Upgrade to the given revision (default: head)."""
    settings = InsightsSettings()
    upgrade(MIGRATIONS, settings.database_url.get_secret_value(), sys.argv[1] if len(sys.argv) > 1 else "head")


if __name__ == "__main__":
    main()
