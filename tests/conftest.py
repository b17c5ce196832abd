"""Session fixtures shared by every cross-service test: tracing kept in memory, a broker to break."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import socket
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tests.oidc_issuer import TestIssuer, serving
from tests.sharding import REPO, this_shards_files
from tests.support import Broker

# The services' secrets are this machine's, as `make run` uses them (.run/secrets, generated once, never
# committed): tests and `make run` share the local database, so sealed rows written by one stay readable by
# the other (a key of this run's own would make every earlier row unreadable, demo people's included).
_spec = importlib.util.spec_from_file_location("abri_dev_stack", Path(__file__).parents[1] / "infra" / "dev" / "stack.py")
assert _spec is not None and _spec.loader is not None
_stack = sys.modules["abri_dev_stack"] = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_stack)
for _service in ("matching", "guarantees", "notifications", "assistant"):
    for _name, _value in _stack.local_secrets(_service).items():
        os.environ.setdefault(_name, _value)
# Listings refuses its shipped sample of reference rents unless told (production loads the table of the year).
os.environ.setdefault("ABRI_LISTINGS_ALLOW_SAMPLE_REFERENCE_RENTS", "true")


@pytest.fixture(scope="session", autouse=True)
def in_memory_spans() -> InMemorySpanExporter:
    """Every span of the test session, kept in memory (set before any app configures tracing)."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    return exporter


@pytest.fixture(scope="session")
def own_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    """A broker of the fault tests' own, that they stop, kill and restart."""
    broker = Broker(Path(tmp_path_factory.mktemp("kafka-fault")))
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture(scope="session")
async def issuer() -> AsyncIterator[TestIssuer]:
    """A token issuer served over HTTP, whose tokens every test app and service accepts."""
    test_issuer = TestIssuer()
    async with serving(test_issuer.app(), test_issuer.port):
        yield test_issuer


BROWSER_TESTS = Path(__file__).parent / "browser"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test under ``tests/browser`` is of the browser tier (a ``pytestmark`` in a conftest is not read);
    under ``infra/dev/shards.py``, only this shard's files are kept (``tests/sharding.py``)."""
    for item in items:
        if BROWSER_TESTS in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.browser)
    faults = {Path(str(item.path)) for item in items if item.get_closest_marker("fault") is not None}
    mine = this_shards_files([Path(str(item.path)) for item in items], together=faults)
    if mine is not None:
        kept = [item for item in items if Path(str(item.path)).resolve().relative_to(REPO).as_posix() in mine]
        if len(kept) < len(items):
            chosen = set(kept)
            config.hook.pytest_deselected(items=[item for item in items if item not in chosen])
            items[:] = kept


@contextlib.contextmanager
def no_connection(what: str) -> Iterator[None]:
    """Refuse every connection (as a closed port does) while the block runs, and fail the test afterwards if it
    tried one: a unit test needs nothing running (``make test-fast`` starts nothing)."""
    tried: list[object] = []

    def refuse(sock: socket.socket, address: object, *_: object) -> int:
        tried.append(address)
        raise ConnectionRefusedError(f"a unit test connects to {address!r}")

    saved = socket.socket.connect, socket.socket.connect_ex
    socket.socket.connect, socket.socket.connect_ex = refuse, refuse  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        socket.socket.connect, socket.socket.connect_ex = saved  # type: ignore[method-assign]
    if tried:
        pytest.fail(f"a test marked unit connected to {tried[0]!r} during its {what}: it needs something running", pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    """The guard covers the unit test's fixtures too, module- and session-scoped ones set up for it included."""
    if item.get_closest_marker("unit") is None:
        return (yield)
    with no_connection("setup"):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    if item.get_closest_marker("unit") is None:
        return (yield)
    with no_connection("call"):
        return (yield)
