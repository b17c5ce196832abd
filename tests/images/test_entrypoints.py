"""The command each image runs (its Dockerfile's CMD, with the image's variables) starts the component and
makes it ready against the real database and broker, as the kubelet's probes will ask."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import subprocess
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.images.test_dockerfiles import COMPONENTS, command, dockerfile
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrated  # noqa: F401 (reused: each service's database migrated by its own command)
from tests.support import PYTHON, database_url, free_port, kafka_bootstrap


@contextlib.asynccontextmanager
async def serve(name: str, env: dict[str, str]) -> AsyncIterator[str]:
    port = free_port()
    argv = command(name)
    assert argv[0] == "python"
    argv = [str(PYTHON), *argv[1:]]
    if "--port" in argv:
        argv[argv.index("--port") + 1] = str(port)
        argv[argv.index("--host") + 1] = "127.0.0.1"
    image_env = dict(re.findall(r"(ABRI_GATEWAY_[A-Z_]+)=(\S+)", dockerfile(name)))
    image_env |= {"ABRI_GATEWAY_HOST": "127.0.0.1", "ABRI_GATEWAY_PORT": str(port)} if name == "gateway" else {}
    process = await asyncio.create_subprocess_exec(*argv, env={**os.environ, **image_env, **env}, cwd="/tmp", stderr=subprocess.DEVNULL)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), 30)


@pytest.mark.parametrize("name", COMPONENTS)
async def test_the_command_of_each_image_starts_its_component_and_makes_it_ready(name: str, issuer: TestIssuer) -> None:
    if name == "gateway":
        env = {"ABRI_GATEWAY_OIDC_ISSUER": issuer.issuer}
    else:
        prefix = f"ABRI_{name.upper()}_"
        env = {
            prefix + "DATABASE_URL": database_url(name),
            prefix + "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap(),
            prefix + "OIDC_ISSUER": issuer.issuer,
            prefix + "CONSUMER_ENABLED": "false",  # the shared groups stay with the tests that own them
            prefix + "RELAY_ENABLED": "false",
        }
    async with serve(name, env) as url:
        async with httpx.AsyncClient(base_url=url, timeout=5) as client:
            for _ in range(120):
                try:
                    ready = await client.get("/readyz")
                    if ready.status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.25)
            else:
                raise AssertionError(f"{name}: not ready after 30 s")
            health = await client.get("/healthz")
            assert health.status_code == 200 and health.json()["status"] == "ok"
