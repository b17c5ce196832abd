"""A component's replicas behind one address, as a Kubernetes Service puts its ready pods behind one: a
TCP proxy on 127.0.0.1 that hands each new connection to the next replica in turn, among those whose
``/readyz`` answered 200 at the last probe (every second; three failures take a replica out, one success
puts it back: the kubelet's readiness probe with ``periodSeconds: 1``, ``failureThreshold: 3``, the chart's threshold). A replica
that refuses the connection (killed, not yet restarted) is skipped for the next one. A paused replica
holds the connections it already has, as a frozen pod does."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    from tests.chaos.fleet import Replica

PROBE_EVERY_S = 1.0
FAILURES_TO_LEAVE = 3


class Balancer:
    def __init__(self, name: str, port: int) -> None:
        self.name, self.port = name, port
        self.replicas: list[Replica] = []
        self.ready: dict[str, bool] = {}
        self.draining: set[str] = set()
        self._failures: dict[str, int] = {}
        self._turn = itertools.count()
        self._server: asyncio.Server | None = None
        self._prober: asyncio.Task[None] | None = None
        self._pipes: set[asyncio.Task[None]] = set()
        self.connections = 0
        self.refused = 0

    def drain(self, replica: Replica) -> None:
        """Hand it no new connection (a terminating pod leaves its Service's endpoints first)."""
        self.draining.add(replica.name)

    def undrain(self, replica: Replica) -> None:
        self.draining.discard(replica.name)

    async def admitted(self, replica: Replica, timeout: float) -> None:
        """Wait until a probe of this balancer has counted ``replica`` ready: a rolling deployment goes on only
        once the new pod is among its Service's endpoints, not when it first answers (the fleet's own
        check can see it ready a probe period before the balancer does)."""
        deadline = time.monotonic() + timeout
        while not self.ready[replica.name]:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{replica.name} not counted ready by the {self.name} balancer after {timeout}s")
            await asyncio.sleep(0.1)

    def add(self, replica: Replica) -> None:
        self.replicas.append(replica)
        self.ready[replica.name] = True  # until a probe says otherwise: the fleet waits for readiness itself
        self._failures[replica.name] = 0

    def remove(self, replica: Replica) -> None:
        """Out of the balancer for good (a surge pod deleted once the rollout ends)."""
        self.replicas.remove(replica)
        self.draining.discard(replica.name)
        self.ready.pop(replica.name, None)
        self._failures.pop(replica.name, None)

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)
        self._prober = asyncio.create_task(self._probe(), name=f"balancer-{self.name}-probe")

    async def stop(self) -> None:
        if self._prober is not None:
            self._prober.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._prober
        if self._server is not None:
            self._server.close()
        for pipe in list(self._pipes):
            pipe.cancel()
        await asyncio.gather(*self._pipes, return_exceptions=True)

    async def _probe(self) -> None:
        async with httpx.AsyncClient() as client:
            while True:
                for replica in self.replicas:
                    if await replica.ready(client):
                        self._failures[replica.name] = 0
                        self.ready[replica.name] = True
                    else:
                        self._failures[replica.name] += 1
                        if self._failures[replica.name] >= FAILURES_TO_LEAVE:
                            self.ready[replica.name] = False
                await asyncio.sleep(PROBE_EVERY_S)

    def _candidates(self) -> list[Replica]:
        ready = [replica for replica in self.replicas if self.ready[replica.name] and replica.name not in self.draining]
        if not ready:
            return []
        start = next(self._turn) % len(ready)
        return ready[start:] + ready[:start]

    async def _accept(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        for replica in self._candidates():
            try:
                upstream_reader, upstream_writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", replica.port), 2)
            except (OSError, TimeoutError):
                continue
            for source, sink in ((client_reader, upstream_writer), (upstream_reader, client_writer)):
                pipe = asyncio.create_task(_copy(source, sink))
                self._pipes.add(pipe)
                pipe.add_done_callback(self._pipes.discard)
            return
        self.refused += 1
        client_writer.close()


async def _copy(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    try:
        while data := await source.read(65536):
            sink.write(data)
            await sink.drain()
    except (OSError, asyncio.IncompleteReadError):
        pass
    finally:
        with contextlib.suppress(OSError):
            sink.close()
