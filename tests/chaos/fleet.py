"""The system under test as real processes: each service and the gateway as ``replicas`` operating-system
processes (``python -m abri_kit.serve``, as the images run them), a service's replicas in one consumer
group, each component behind a :class:`~tests.chaos.balancer.Balancer` (what a Kubernetes Service does),
on the test run's broker, PostgreSQL and Redis. Faults act on these processes; a killed one is started
again after a short delay, as the kubelet would.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil

from abri_contracts.services import SERVICES as SERVICES
from tests.chaos.balancer import Balancer
from tests.support import free_port, infra_module, kafka_bootstrap

COMPONENTS = (*SERVICES, "gateway")


LIBS = ("contracts", "bus", "auth", "kit", "ops")


def source_paths(tree: Path, component: str) -> list[Path]:
    """What goes first on ``PYTHONPATH`` to run ``component`` from the source tree ``tree``."""
    own = tree / "gateway" if component == "gateway" else tree / "services" / component
    return [*(tree / "libs" / lib for lib in LIBS), own]


@dataclass
class Replica:
    """One process of a component (``matching-2``), started again by :meth:`start` after a kill."""

    name: str
    component: str
    port: int
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    paused: bool = False
    starts: int = 0
    code: Path | None = None
    """The source tree it runs from (None: this checkout's installed packages)."""

    @property
    def command(self) -> list[str]:
        if self.component == "gateway":
            return [sys.executable, "-m", "abri_gateway"]
        factory = f"abri_{self.component}.main:create_app"
        return [sys.executable, "-m", "abri_kit.serve", factory, "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning"]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            log.write(f"--- start {self.starts + 1} at {time.strftime('%H:%M:%S')}\n".encode())
            log.flush()
            env = (
                {**self.env, "PYTHONPATH": os.pathsep.join(str(path) for path in source_paths(self.code, self.component))}
                if self.code
                else self.env
            )
            self.process = subprocess.Popen(self.command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.paused, self.starts = False, self.starts + 1

    def send(self, signum: signal.Signals) -> None:
        if self.alive:
            assert self.process is not None
            os.kill(self.process.pid, signum)

    def kill(self) -> None:
        """SIGKILL, as a crash or an evicted pod: no shutdown hook runs."""
        self.send(signal.SIGKILL)
        if self.process is not None:
            self.process.wait(timeout=30)
        self.paused = False

    def pause(self) -> None:
        """SIGSTOP: the process holds its sockets and answers nothing (a stalled disk, a frozen VM)."""
        self.send(signal.SIGSTOP)
        self.paused = True

    def resume(self) -> None:
        self.send(signal.SIGCONT)
        self.paused = False

    def stop(self) -> None:
        """SIGTERM (a graceful shutdown), SIGKILL after 25 s."""
        if not self.alive:
            return
        assert self.process is not None
        self.resume()
        self.process.terminate()
        try:
            self.process.wait(timeout=25)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def local_ports(self) -> set[int]:
        """The local ports of its TCP connections (to find which replica holds a database session)."""
        if not self.alive:
            return set()
        assert self.process is not None
        try:
            return {c.laddr.port for c in psutil.Process(self.process.pid).net_connections(kind="tcp") if c.laddr}
        except psutil.Error:
            return set()

    async def ready(self, client: httpx.AsyncClient) -> bool:
        try:
            return (await client.get(f"{self.url}/readyz", timeout=2)).status_code == 200
        except httpx.HTTPError:
            return False


@dataclass
class Settings:
    """What the processes need from the test run: the issuer, the SMTP sink and the webhook receiver."""

    oidc_issuer: str
    smtp_port: int
    webhook_port: int
    run_dir: Path
    replicas: int = 2
    extra_env: dict[str, str] = field(default_factory=dict)
    code: dict[str, Path] = field(default_factory=dict)
    """A component's replicas run from another source tree (an older version of Abri: its ``libs/`` and
    its own package first on ``PYTHONPATH``); the others from this checkout."""


class Fleet:
    """Every component's replicas and balancers."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        stack = infra_module("infra/dev/stack.py")
        self.balancers = {component: Balancer(component, free_port()) for component in COMPONENTS}
        self.replicas: dict[str, list[Replica]] = {}
        settings.run_dir.mkdir(parents=True, exist_ok=True)
        for component in COMPONENTS:
            self.replicas[component] = []
            for index in range(1, settings.replicas + 1):
                port = free_port()
                name = f"{component}-{index}"
                env = self._gateway_env(stack, port) if component == "gateway" else self._service_env(stack, component)
                replica = Replica(name, component, port, {**env, **settings.extra_env}, settings.run_dir / f"{name}.log")
                replica.code = settings.code.get(component)
                self.replicas[component].append(replica)
                self.balancers[component].add(replica)

    def _service_env(self, stack: object, service: str) -> dict[str, str]:
        prefix = f"ABRI_{service.upper()}_"
        env: dict[str, str] = {
            **stack.service_env(service, kafka_bootstrap()),  # type: ignore[attr-defined]
            f"{prefix}OIDC_ISSUER": self.settings.oidc_issuer,
            f"{prefix}RELAY_POLL_INTERVAL_S": "0.2",
            "OTEL_SDK_DISABLED": "true",
        }
        if service == "notifications":
            env |= {
                f"{prefix}SMTP_HOST": "127.0.0.1",
                f"{prefix}SMTP_PORT": str(self.settings.smtp_port),
                f"{prefix}SMTP_SECURITY": "none",
                f"{prefix}MAIL_FROM": "no-reply@abri.test",
                f"{prefix}SEND_EVERY_S": "0.5",
                f"{prefix}WEBHOOKS_ALLOW_LOCAL_HTTP": "true",
                f"{prefix}WEBHOOKS_PORTS": json.dumps([443, self.settings.webhook_port]),
            }
        return env

    def _gateway_env(self, stack: object, port: int) -> dict[str, str]:
        return {
            **os.environ,
            **stack.local_secrets("gateway"),  # type: ignore[attr-defined]
            "ABRI_GATEWAY_REDIS_URL": stack.redis_url(),  # type: ignore[attr-defined]  # the replicas' shared state
            "ABRI_GATEWAY_PORT": str(port),
            "ABRI_GATEWAY_OIDC_ISSUER": self.settings.oidc_issuer,
            "ABRI_GATEWAY_RATE_LIMIT": "100000/minute",
            **{f"ABRI_GATEWAY_{service.upper()}_URL": f"http://127.0.0.1:{self.balancers[service].port}" for service in SERVICES},
            "OTEL_SDK_DISABLED": "true",
        }

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.balancers['gateway'].port}"

    def all(self) -> Iterator[Replica]:
        for replicas in self.replicas.values():
            yield from replicas

    async def start(self, timeout: float = 120) -> None:
        """Start every replica and balancer; wait until every replica is ready."""
        for balancer in self.balancers.values():
            await balancer.start()
        for replica in self.all():
            replica.start()
        await self.wait_ready(list(self.all()), timeout)

    async def wait_ready(self, replicas: list[Replica], timeout: float) -> float:
        """Seconds until each of ``replicas`` answers ready; fails after ``timeout``."""
        started = time.monotonic()
        async with httpx.AsyncClient() as client:
            for replica in replicas:
                while not await replica.ready(client):
                    if not replica.alive:
                        raise RuntimeError(f"{replica.name} exited ({replica.log_path})")
                    if time.monotonic() - started > timeout:
                        raise TimeoutError(f"{replica.name} not ready after {timeout}s ({replica.log_path})")
                    await asyncio.sleep(0.3)
        return time.monotonic() - started

    async def roll(self, component: str, code: Path | None, drain_s: float = 2.0) -> float:
        """Replace the component's replicas one at a time by processes running ``code`` (None: this
        checkout), as the chart's rolling deployment does (``maxSurge: 1``, ``maxUnavailable: 0``): a surge
        process of the new version starts first and must be among the balancer's ready replicas before any
        replica leaves; then each replica in turn leaves the balancer, gets ``drain_s`` for the connections in
        flight (a pre-stop hook), stops gracefully (SIGTERM) and starts again on the new version, ready and
        admitted before the next one goes; the surge process leaves last. So a replica never serves alone
        while another starts (on two cores a lone replica's readiness can fail under the load of a start).
        Returns the seconds it took."""
        started = time.monotonic()
        balancer = self.balancers[component]
        first = self.replicas[component][0]
        surge = Replica(f"{component}-surge", component, free_port(), dict(first.env), first.log_path.with_name(f"{component}-surge.log"))
        surge.code = code
        surge.start()
        await self.wait_ready([surge], timeout=180)
        balancer.add(surge)
        await balancer.admitted(surge, timeout=30)
        try:
            for replica in self.replicas[component]:
                balancer.drain(replica)
                await asyncio.sleep(drain_s)
                await asyncio.to_thread(replica.stop)
                replica.code = code
                replica.start()
                await self.wait_ready([replica], timeout=180)
                await balancer.admitted(replica, timeout=30)
                balancer.undrain(replica)
        finally:
            balancer.drain(surge)
            await asyncio.sleep(drain_s)
            await asyncio.to_thread(surge.stop)
            balancer.remove(surge)
        return time.monotonic() - started

    async def stop(self) -> None:
        await asyncio.gather(*(asyncio.to_thread(replica.stop) for replica in self.all()))
        for balancer in self.balancers.values():
            await balancer.stop()
