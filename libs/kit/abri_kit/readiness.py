"""Readiness checks: is the service's database reachable, does Kafka answer metadata requests?

Liveness (``/healthz``) checks only that the process answers, so that a database outage never
restarts every pod; readiness (``/readyz``) takes the pod out of the load balancer instead.
"""

from __future__ import annotations

import asyncio
import contextlib

from aiokafka import AIOKafkaClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from abri_bus.kafka import KafkaSettings


async def check_database(engine: AsyncEngine, timeout: float) -> str | None:
    """None if the database answers ``SELECT 1`` in time, else the reason."""
    try:
        async with asyncio.timeout(timeout):
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        return None
    except TimeoutError:
        return f"database did not answer within {timeout:g}s"
    except Exception as exc:
        return f"database unreachable: {type(exc).__name__}: {exc}"[:300]


class KafkaProbe:
    """Asks Kafka for cluster metadata; keeps one client between checks, rebuilt after a failure."""

    def __init__(self, kafka: KafkaSettings) -> None:
        self._kafka = kafka
        self._client: AIOKafkaClient | None = None
        self._lock = asyncio.Lock()

    async def check(self, timeout: float) -> str | None:
        """None if Kafka answered a metadata request in time, else the reason."""
        async with self._lock:
            try:
                async with asyncio.timeout(timeout):
                    if self._client is None:
                        client = AIOKafkaClient(**self._kafka.connection(), request_timeout_ms=int(timeout * 1000))
                        self._client = client
                        await client.bootstrap()
                    metadata = await self._client.fetch_all_metadata()
                    if not metadata.brokers():
                        raise ConnectionError("no broker in metadata")
                return None
            except Exception as exc:
                await self.close()
                reason = "did not answer in time" if isinstance(exc, TimeoutError) else f"{type(exc).__name__}: {exc}"
                return f"kafka unreachable: {reason}"[:300]

    async def close(self) -> None:
        """Close the client, if any."""
        if self._client is not None:
            with contextlib.suppress(Exception):
                await self._client.close()
            self._client = None
