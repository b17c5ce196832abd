"""``make migrate``: migrate every service's database (PostgreSQL must be up)."""

from __future__ import annotations

import os

from stack import migrate

if __name__ == "__main__":
    migrate(os.environ.get("ABRI_KAFKA_BOOTSTRAP_SERVERS") or f"127.0.0.1:{os.environ.get('ABRI_KAFKA_PORT', '9092')}")
