"""Gateway benchmark: proxied versus direct GET of a small JSON endpoint, 32 connections, one run.

Direct: ``GET /v1/me`` on the listings service (it validates the bearer token itself).
Proxied: ``GET /api/listings/v1/me`` through the gateway (token validated there too, then forwarded).
Each process runs as it does in production: uvicorn, one worker, on 127.0.0.1. Load: ``wrk`` (Debian
package ``wrk``), 2 threads, 32 connections. Also reports the cost of validating a token per request,
with the issuer's keys cached (the gateway keeps validated tokens; a service validates every request).

Usage: ``make bench-gateway`` (or ``python -m bench.gateway --seconds 10``), with PostgreSQL and Kafka up.
Goals: proxied ≥ 50 % of direct requests/s; added p50 latency ≤ 1 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import psutil

from abri_auth.tokens import TokenPolicy, TokenValidator
from tests.oidc_issuer import TestIssuer, serving
from tests.support import PYTHON, credentials, free_port, kafka_bootstrap

LUA = """
wrk.headers["Authorization"] = "Bearer " .. os.getenv("ABRI_BENCH_TOKEN")
"""


def wrk(url: str, token: str, seconds: int, connections: int = 32) -> dict[str, float]:
    """Run wrk (2 threads, or 1 for a single connection); requests/s and p50/p99 latency in ms."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA)
    try:
        out = subprocess.run(
            ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", script.name, url],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "ABRI_BENCH_TOKEN": token},
            timeout=seconds + 60,
        ).stdout
    finally:
        Path(script.name).unlink()
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non_2xx:
        raise RuntimeError(f"{url}: {non_2xx.group(1)} failed requests:\n{out}")
    return {
        "requests_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "p50_ms": _ms(re.search(r"50%\s+([\d.]+\w+)", out).group(1)),  # type: ignore[union-attr]
        "p99_ms": _ms(re.search(r"99%\s+([\d.]+\w+)", out).group(1)),  # type: ignore[union-attr]
    }


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def start(command: list[str], env: dict[str, str], health: str) -> subprocess.Popen[bytes]:
    """``command`` started and answering ``health``; if it does not, the error says why (the end of its stderr)."""
    with tempfile.TemporaryFile() as errors:  # the child keeps its own descriptor of it
        process = subprocess.Popen(command, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=errors)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if httpx.get(health, timeout=1).status_code == 200:
                    return process
            except httpx.TransportError:
                time.sleep(0.2)
        process.kill()
        process.wait(timeout=10)
        errors.seek(0)
        said = errors.read().decode(errors="replace")[-2000:]
    raise RuntimeError(f"{command} did not start:\n{said}")


GATEWAY_SERVERS: dict[str, Callable[[int], list[str]]] = {
    "uvicorn": lambda port: [str(PYTHON), "-m", "abri_gateway"],  # abri_kit.serve: uvicorn, httptools, uvloop (what ships)
    "granian": lambda port: [
        *(str(PYTHON), "-m", "granian", "--interface", "asgi", "--factory", "--loop", "uvloop", "--http", "1"),
        *("--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-ws", "abri_gateway.app:create_app"),
    ],
}
"""The servers the gateway was measured on (issue 22); granian is not a dependency (``pip install granian``)."""

MEMORY_GOAL_MIB = 500.0
"""Issue 22: no service over 500 MB resident at 100,000 households and 100,000 units."""


def resident_mib(process: subprocess.Popen[bytes]) -> float:
    """The process's resident memory now, MiB."""
    return round(float(psutil.Process(process.pid).memory_info().rss) / 2**20, 1)


def cpu_seconds(*processes: subprocess.Popen[bytes]) -> list[float]:
    """Each process's CPU time so far (user and system, every thread), seconds."""

    def of(process: psutil.Process) -> float:
        times = process.cpu_times()
        return float(times.user + times.system)

    found = []
    for started in processes:  # a server's worker processes too (granian serves from a child)
        parent = psutil.Process(started.pid)
        found.append(of(parent) + sum(of(child) for child in parent.children(recursive=True)))
    return found


def per_request(cpu_s: float, run: dict[str, float], seconds: int) -> float:
    """Microseconds of one process's CPU per request of a ``wrk`` run: why a proxy on two shared cores
    cannot reach the direct rate (both processes' CPU per request add up on the same cores)."""
    return round(cpu_s / (run["requests_per_s"] * seconds) * 1e6, 1)


async def validation_cost(issuer: TestIssuer, rounds: int = 2000) -> dict[str, float]:
    """Microseconds per token validation with the keys cached, and per cached-token lookup at the gateway."""
    from abri_auth.token_cache import ValidatedTokens

    async with httpx.AsyncClient() as http:
        validator = TokenValidator(TokenPolicy(issuer=issuer.issuer, audience="abri-api"), http)
        token = issuer.token()
        await validator.validate(token)
        started = time.perf_counter()
        for _ in range(rounds):
            await validator.validate(token)
        full = (time.perf_counter() - started) / rounds * 1e6
        cache = ValidatedTokens(validator, 10_000)
        await cache.principal(token)
        started = time.perf_counter()
        for _ in range(rounds):
            await cache.principal(token)
        cached = (time.perf_counter() - started) / rounds * 1e6
    return {"validate_us": full, "gateway_cached_lookup_us": cached}


async def main(seconds: int, server: str = "uvicorn") -> dict[str, Any]:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    issuer = TestIssuer()
    async with serving(issuer.app(), issuer.port):
        token = issuer.token(exp=int(time.time()) + 3600)
        listings_port, gateway_port = free_port(), free_port()
        database = credentials()["ABRI_LISTINGS_DATABASE_URL"]
        service = start(
            [
                str(PYTHON),
                "-m",
                "uvicorn",
                "--factory",
                "abri_listings.main:create_app",
                "--port",
                str(listings_port),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            {
                "ABRI_LISTINGS_DATABASE_URL": database,
                "ABRI_LISTINGS_KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap(),
                "ABRI_LISTINGS_OIDC_ISSUER": issuer.issuer,
                "ABRI_LISTINGS_ALLOW_SAMPLE_REFERENCE_RENTS": "true",  # the shipped sample of rents, as in tests
            },
            f"http://127.0.0.1:{listings_port}/healthz",
        )
        gateway = start(
            GATEWAY_SERVERS[server](gateway_port),
            {
                "ABRI_GATEWAY_PORT": str(gateway_port),
                "ABRI_GATEWAY_OIDC_ISSUER": issuer.issuer,
                "ABRI_GATEWAY_LISTINGS_URL": f"http://127.0.0.1:{listings_port}",
                "ABRI_GATEWAY_RATE_LIMIT": "10000000/minute",
            },
            f"http://127.0.0.1:{gateway_port}/healthz",
        )
        try:
            direct_url = f"http://127.0.0.1:{listings_port}/v1/me"
            proxied_url = f"http://127.0.0.1:{gateway_port}/api/listings/v1/me"
            # the test issuer answers from this event loop: blocking calls go to threads
            async with httpx.AsyncClient(timeout=5) as http:
                for url in (direct_url, proxied_url):  # check both answer 200, then warm up
                    assert (await http.get(url, headers={"authorization": f"Bearer {token}"})).status_code == 200
                    await asyncio.to_thread(wrk, url, token, 2)
            before = cpu_seconds(gateway, service)
            direct = await asyncio.to_thread(wrk, direct_url, token, seconds)
            between = cpu_seconds(gateway, service)
            proxied = await asyncio.to_thread(wrk, proxied_url, token, seconds)
            after = cpu_seconds(gateway, service)
            cpu = {
                "direct_service_us": per_request(between[1] - before[1], direct, seconds),
                "proxied_gateway_us": per_request(after[0] - between[0], proxied, seconds),
                "proxied_service_us": per_request(after[1] - between[1], proxied, seconds),
            }
            direct_one = await asyncio.to_thread(wrk, direct_url, token, seconds, 1)
            proxied_one = await asyncio.to_thread(wrk, proxied_url, token, seconds, 1)
        finally:
            for process in (gateway, service):
                process.terminate()
                process.wait(timeout=20)
        cost = await validation_cost(issuer)
    return {
        "direct": direct,
        "proxied": proxied,
        "proxied_over_direct": proxied["requests_per_s"] / direct["requests_per_s"],
        "added_p50_ms": proxied["p50_ms"] - direct["p50_ms"],
        "one_connection": {"direct": direct_one, "proxied": proxied_one, "added_p50_ms": proxied_one["p50_ms"] - direct_one["p50_ms"]},
        "cpu_per_request_32_connections": cpu,
        "token_validation": cost,
        "goals_met": proxied["requests_per_s"] >= 0.5 * direct["requests_per_s"] and proxied["p50_ms"] - direct["p50_ms"] <= 1.0,
        "connections": 32,
        "gateway_server": server,
        "seconds": seconds,
        "python": sys.version.split()[0],
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--gateway-server", choices=sorted(GATEWAY_SERVERS), default="uvicorn", help="granian: installed apart")
    arguments = parser.parse_args()
    print(json.dumps(asyncio.run(main(arguments.seconds, arguments.gateway_server)), indent=2))
