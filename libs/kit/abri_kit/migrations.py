"""Alembic helpers: each service's ``migrations/env.py`` calls :func:`run_env`, and its
``python -m abri_<service>.migrate`` calls :func:`upgrade`.

Migrations run as an explicit step before the service starts (``make migrate``, a Helm hook Job),
never from the app's startup.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine


def alembic_config(migrations_dir: Path, database_url: str) -> Config:
    """An Alembic configuration for a service's migrations folder and database."""
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.attributes["database_url"] = database_url
    return config


def upgrade(migrations_dir: Path, database_url: str, revision: str = "head") -> None:
    """Migrate a service's database up to ``revision``."""
    command.upgrade(alembic_config(migrations_dir, database_url), revision)


def downgrade(migrations_dir: Path, database_url: str, revision: str) -> None:
    """Migrate a service's database down to ``revision``."""
    command.downgrade(alembic_config(migrations_dir, database_url), revision)


def run_env(target_metadata: list[MetaData], default_url: str | None = None) -> None:
    """The body of a service's ``env.py``: online migrations on the async engine, or SQL output offline."""
    url: str | None = context.config.attributes.get("database_url") or default_url
    if url is None:
        raise RuntimeError("no database URL: set the service's ABRI_<SERVICE>_DATABASE_URL")
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=target_metadata, literal_binds=True, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
        return

    def run(connection: Connection) -> None:
        context.configure(connection=connection, target_metadata=target_metadata, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()

    async def main() -> None:
        engine = create_async_engine(url, poolclass=pool.NullPool)
        async with engine.connect() as connection:
            await connection.run_sync(run)
        await engine.dispose()

    existing: Any = context.config.attributes.get("connection")
    if existing is not None:
        run(existing)
    else:
        asyncio.run(main())
