"""Alembic environment of the insights service."""

from abri_bus.tables import bus_metadata
from abri_insights.db import models  # noqa: F401  (registers the tables)
from abri_insights.db.base import Base
from abri_kit.idempotency import metadata as idempotency_metadata
from abri_kit.migrations import run_env

run_env([Base.metadata, bus_metadata, idempotency_metadata])
