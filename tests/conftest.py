"""Session fixtures shared by every cross-service test: tracing kept in memory, a broker to break."""

from __future__ import annotations

import base64
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from abri_guarantees.visa_signing import VisaSigner
from tests.oidc_issuer import TestIssuer, serving
from tests.support import Broker

os.environ.setdefault("ABRI_MATCHING_KEKS", f"test-1:{base64.b64encode(os.urandom(32)).decode()}")  # this run's own key
os.environ.setdefault("ABRI_GUARANTEES_KEKS", f"test-1:{base64.b64encode(os.urandom(32)).decode()}")
os.environ.setdefault("ABRI_GUARANTEES_VISA_SIGNING_KEY", VisaSigner.generate_pem())
os.environ.setdefault("ABRI_NOTIFICATIONS_KEKS", f"test-1:{base64.b64encode(os.urandom(32)).decode()}")


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
