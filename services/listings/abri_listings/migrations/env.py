"""Alembic environment of the listings service."""

from abri_bus.tables import bus_metadata
from abri_kit.idempotency import metadata as idempotency_metadata
from abri_kit.migrations import run_env
from abri_listings.db import models  # noqa: F401  (registers the tables)
from abri_listings.db.base import Base

run_env([Base.metadata, bus_metadata, idempotency_metadata])
