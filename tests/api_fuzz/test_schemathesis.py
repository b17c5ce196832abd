"""Schemathesis over every service's OpenAPI document, as each role calls it: 0 server errors, and every
answer as the document says (status, content type, schema).

Each service runs as its own process (uvicorn, 127.0.0.1, a free port) on the real database and broker,
as it does in production. Every run's callers are new (a fresh subject and organisation per role), so
the calls that change something change only what this run created: tenant scoping keeps every other
row out of reach, and ops (who reads across tenants) only reads. Examples are bounded per operation
(``ABRI_FUZZ_EXAMPLES``, default 12) and the seed is fixed, so a run is reproducible; `make fuzz` runs
many more. The inbox's event stream is left out: it stays open by design (``tests/notifications`` covers it).
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrated as migrated
from tests.services.test_service_skeletons import settings_env
from tests.support import PYTHON, REPO, free_port, kafka_bootstrap, wait_until

pytestmark = pytest.mark.contract

EXAMPLES = int(os.environ.get("ABRI_FUZZ_EXAMPLES", "12"))
SEED = int(os.environ.get("ABRI_FUZZ_SEED", "20261205"))
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"


@dataclass(frozen=True)
class Caller:
    """A role as the run calls the service with it."""

    role: str
    org: bool = False
    reads_only: bool = False


CALLERS: dict[str, tuple[Caller, ...]] = {
    "listings": (Caller("owner"), Caller("social_worker", org=True), Caller("ops", reads_only=True)),
    "matching": (Caller("social_worker", org=True), Caller("owner"), Caller("household", org=True), Caller("ops", reads_only=True)),
    "guarantees": (Caller("owner"), Caller("social_worker", org=True), Caller("fund_agent", org=True), Caller("ops", reads_only=True)),
    "notifications": (Caller("owner"), Caller("social_worker", org=True), Caller("partner", org=True), Caller("ops", reads_only=True)),
    "assistant": (Caller("household", org=True), Caller("owner"), Caller("social_worker", org=True), Caller("ops", reads_only=True)),
    "insights": (Caller("social_worker", org=True), Caller("fund_agent", org=True), Caller("ops", reads_only=True)),
}


def secrets(service: str) -> dict[str, str]:
    """The service's own secrets, new for the run (key-encryption keys, the visa signing key)."""
    sys.path.insert(0, str(REPO / "infra" / "dev"))
    try:
        from stack import generated_secrets

        return generated_secrets(service)
    finally:
        sys.path.remove(str(REPO / "infra" / "dev"))


@pytest.fixture(params=list(CALLERS), scope="module")
async def service(
    request: pytest.FixtureRequest, issuer: TestIssuer, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[str, str]]:
    """The service running as its own process: (name, base URL); its log in a file of the run."""
    name: str = request.param
    log = (tmp_path_factory.mktemp("fuzz") / f"{name}.log").open("wb")
    port = free_port()
    prefix = f"ABRI_{name.upper()}_"
    env = {
        **os.environ,
        **settings_env(name, kafka_bootstrap()),
        **secrets(name),
        f"{prefix}OIDC_ISSUER": issuer.issuer,
        f"{prefix}CONSUMER_ENABLED": "false",
    }
    process = await asyncio.create_subprocess_exec(
        str(PYTHON), "-m", "uvicorn", "--factory", f"abri_{name}.main:create_app", "--host", "127.0.0.1", "--port", str(port),
        env=env, cwd=REPO, stdout=log, stderr=log,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base) as http:
            for _ in range(150):
                try:
                    if (await http.get("/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if process.returncode is not None:
                    raise AssertionError(f"{name} stopped at start: see {log.name}")
                await asyncio.sleep(0.2)
            else:
                raise AssertionError(f"{name} did not answer /healthz in 30 s")
            ops = {"authorization": f"Bearer {issuer.token(sub='fuzz-ops-ready', roles=['ops'])}"}
            await wait_until(lambda: _bus_ready(http, ops), timeout=90, interval=0.5, what=f"{name}'s broker and consumer group")
        yield name, base
    finally:
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), 20)
        except TimeoutError:
            process.kill()
            await process.wait()
        log.close()


async def _bus_ready(http: httpx.AsyncClient, ops: dict[str, str]) -> bool:
    """The service is ready and its consumer group's coordinator known (a broker just started takes a few
    seconds to create its offsets topic; meanwhile the ops bus status rightly answers 503)."""
    return (await http.get("/readyz")).status_code == 200 and (await http.get("/v1/ops/bus", headers=ops)).status_code == 200


async def fuzz(base: str, token: str, report: Path, *extra: str) -> tuple[int, str]:
    """One schemathesis run against ``base``; its exit code and output."""
    command = [
        str(Path(PYTHON).parent / "schemathesis"), "run", f"{base}/openapi.json",
        "--checks", CHECKS, "--max-examples", str(EXAMPLES), "--seed", str(SEED), "--phases", "examples,coverage,fuzzing",
        "--header", f"Authorization: Bearer {token}", "--workers", "1", "--no-color", "--generation-database", "none",
        "--request-timeout", "30", "--suppress-health-check", "all", "--exclude-path-regex", "^/(healthz|readyz|metrics|v1/inbox/stream)$",
        "--report", "junit", "--report-junit-path", str(report), *extra,
    ]  # fmt: skip
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, cwd=report.parent
    )
    try:
        output, _ = await asyncio.wait_for(process.communicate(), 900)
    except TimeoutError:
        process.kill()
        raise
    return process.returncode or 0, output.decode(errors="replace")


@pytest.mark.timeout(1800)
async def test_every_answer_is_as_documented_and_none_is_a_server_error(
    service: tuple[str, str], issuer: TestIssuer, tmp_path: Path
) -> None:
    name, base = service
    failures: list[str] = []
    for caller in CALLERS[name]:
        run = uuid.uuid4().hex[:12]
        claims: dict[str, Any] = {"org_id": f"fuzz-org-{run}"} if caller.org else {}
        token = issuer.token(sub=f"fuzz-{caller.role}-{run}", roles=[caller.role], exp=int(time.time()) + 3600, **claims)
        extra = ("--include-method", "GET") if caller.reads_only else ()
        code, output = await fuzz(base, token, tmp_path / f"{caller.role}.xml", *extra)
        if code != 0:
            failures.append(f"--- {name} as {caller.role} (exit {code}) ---\n{output[-12000:]}")
    assert not failures, "\n".join(failures)
