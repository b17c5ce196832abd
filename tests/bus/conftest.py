"""Fixtures of the event-bus tests: a migrated test database, fresh topics, tracing to memory."""

from __future__ import annotations

import random
import string
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from abri_bus.tables import bus_metadata
from abri_contracts import EventContract
from tests.support import database_url, kafka_bootstrap, kafka_client

test_metadata = sa.MetaData()
widgets = sa.Table(
    "widgets",
    test_metadata,
    sa.Column("widget_id", sa.String(50), primary_key=True),
    sa.Column("seq", sa.Integer, nullable=False),
)
effects = sa.Table(
    "widget_effects",
    test_metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("consumer", sa.String(100), nullable=False),
    sa.Column("event_id", sa.String(100), nullable=False),
    sa.Column("widget_id", sa.String(50), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
)


class WidgetChangedBase(EventContract):
    """Test contract; each test gets a subclass with a topic of its own."""

    aggregate_id_field = "widget_id"
    widget_id: str
    seq: int = Field(ge=0)
    note: str = ""


def new_contract() -> type[WidgetChangedBase]:
    """A fresh contract class on a fresh topic ``abri.t<random>.widget``."""
    tag = "".join(random.choices(string.ascii_lowercase, k=10))
    return type("WidgetChanged", (WidgetChangedBase,), {"event_type": f"abri.t{tag}.widget.changed.v1", "__module__": __name__})


async def create_topics(bootstrap: str, *names: str, partitions: int = 3) -> None:
    """Create topics and their dead-letter topics."""
    admin = AIOKafkaAdminClient(**kafka_client(bootstrap))
    await admin.start()
    try:
        topics = [NewTopic(n, partitions, 1) for name in names for n in (name, name + ".dlq")]
        await admin.create_topics(topics)
    finally:
        await admin.close()


@pytest.fixture(scope="session")
async def bus_engine(in_memory_spans: InMemorySpanExporter) -> AsyncIterator[AsyncEngine]:
    """The bus test database with the bus tables (as a service's migration creates them) and test tables."""
    engine = create_async_engine(database_url("bustest"), pool_size=10)
    async with engine.begin() as conn:
        await conn.run_sync(bus_metadata.drop_all)
        await conn.run_sync(test_metadata.drop_all)
        await conn.run_sync(bus_metadata.create_all)
        await conn.run_sync(test_metadata.create_all)
    yield engine
    await engine.dispose()


@pytest.fixture
async def db(bus_engine: AsyncEngine) -> AsyncEngine:
    """The bus test database, emptied."""
    async with bus_engine.begin() as conn:
        await conn.execute(sa.text("TRUNCATE event_outbox, event_inbox, widgets, widget_effects"))
    return bus_engine


@pytest.fixture
async def contract() -> type[WidgetChangedBase]:
    """A fresh contract whose topic (and dead-letter topic) exist on the shared broker."""
    cls = new_contract()
    await create_topics(kafka_bootstrap(), cls.topic())
    return cls
