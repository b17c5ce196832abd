"""Alembic environment of the assistant service."""

from abri_assistant.db import models  # noqa: F401  (registers the tables)
from abri_assistant.db.base import Base
from abri_bus.tables import bus_metadata
from abri_kit.idempotency import metadata as idempotency_metadata
from abri_kit.migrations import run_env

run_env([Base.metadata, bus_metadata, idempotency_metadata])
