"""Each image, as far as it can be built without a Docker engine: its packages installed for real (not
editable) into an environment of their own, exactly as its Dockerfile's build stage installs them (the
same package list, the same pins), then its commands run from that environment against the real
database and broker: the migration Job's command, ``abri-ops``, and the image's CMD until ``/readyz``
answers 200. A dependency a package forgets to declare fails here, as it would fail in the pod."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import subprocess
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest

from tests.images.test_dockerfiles import COMPONENTS, command, dockerfile
from tests.oidc_issuer import TestIssuer
from tests.support import PYTHON, REPO, database_url, free_port, kafka_bootstrap

UV = REPO / ".venv" / "bin" / "uv"


def installed_packages(name: str) -> list[str]:
    """The paths the Dockerfile's build stage installs."""
    found = re.search(r"pip install --constraint requirements/dev.txt \\\n\s+(.+)\n", dockerfile(name))
    assert found
    return found.group(1).split()


@pytest.fixture(scope="session")
def image_environment(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """``name`` -> the bin directory of an environment holding what that image installs."""
    built: dict[str, Path] = {}

    def build(name: str) -> Path:
        if name not in built:
            venv = tmp_path_factory.mktemp(f"image-{name}") / "venv"
            subprocess.run([str(UV), "venv", "--quiet", str(venv), "--python", str(PYTHON)], check=True, timeout=120)
            install = [str(UV), "pip", "install", "--quiet", "--python", str(venv / "bin" / "python")]
            subprocess.run([*install, "--constraint", "requirements/dev.txt", *installed_packages(name)], cwd=REPO, check=True, timeout=900)
            built[name] = venv / "bin"
        return built[name]

    return build


@contextlib.asynccontextmanager
async def serve(name: str, bin_dir: Path, env: dict[str, str]) -> AsyncIterator[str]:
    port = free_port()
    argv = command(name)
    assert argv[0] == "python"
    argv = [str(bin_dir / "python"), *argv[1:]]
    if "--port" in argv:
        argv[argv.index("--port") + 1] = str(port)
        argv[argv.index("--host") + 1] = "127.0.0.1"
    image_env = dict(re.findall(r"(ABRI_GATEWAY_[A-Z_]+)=(\S+)", dockerfile(name)))
    image_env |= {"ABRI_GATEWAY_HOST": "127.0.0.1", "ABRI_GATEWAY_PORT": str(port)} if name == "gateway" else {}
    process = await asyncio.create_subprocess_exec(*argv, env={**os.environ, **image_env, **env}, cwd="/tmp", stderr=subprocess.DEVNULL)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        with contextlib.suppress(ProcessLookupError):  # it may have died: the test then says it was never ready
            process.terminate()
        await asyncio.wait_for(process.wait(), 30)


@pytest.mark.parametrize("name", COMPONENTS)
async def test_the_commands_of_each_image_run_from_what_the_image_installs(
    name: str, issuer: TestIssuer, image_environment: Callable[[str], Path]
) -> None:
    bin_dir = await asyncio.to_thread(image_environment, name)
    metrics_port = free_port()
    if name == "gateway":
        env = {"ABRI_GATEWAY_OIDC_ISSUER": issuer.issuer, "ABRI_GATEWAY_METRICS_PORT": str(metrics_port)}
    else:
        prefix = f"ABRI_{name.upper()}_"
        env = {
            prefix + "DATABASE_URL": database_url(name),
            prefix + "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap(),
            prefix + "OIDC_ISSUER": issuer.issuer,
            prefix + "CONSUMER_ENABLED": "false",  # the shared groups stay with the tests that own them
            prefix + "RELAY_ENABLED": "false",
        }
        job = [str(bin_dir / "python"), "-m", f"abri_{name}.migrate"]  # the migration Job's command
        await asyncio.to_thread(subprocess.run, job, env={**os.environ, **env}, cwd="/tmp", check=True, timeout=180)
        ops = await asyncio.to_thread(
            subprocess.run, [str(bin_dir / "abri-ops"), "keys", "--help"], capture_output=True, cwd="/tmp", check=False, timeout=60
        )
        assert ops.returncode == 0
    async with serve(name, bin_dir, env) as url, httpx.AsyncClient(base_url=url, timeout=5) as client:
        for _ in range(240):
            try:
                if (await client.get("/readyz")).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.25)
        else:
            raise AssertionError(f"{name}: not ready after 60 s")
        health = await client.get("/healthz")
        assert health.status_code == 200 and health.json()["status"] == "ok"
        assert "server" not in health.headers  # the software behind Abri is nobody's business
        if name == "gateway":  # its metrics on their own port, which the Ingress never routes
            assert (await client.get("/metrics")).status_code == 404
            metrics = await client.get(f"http://127.0.0.1:{metrics_port}/metrics")
            assert metrics.status_code == 200 and "abri_gateway_requests_total" in metrics.text
