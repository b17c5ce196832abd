"""Abri's development transit server (infra/vault/transitd.py) for the tests: a process of the test's own on a
free 127.0.0.1 port, its keys and token in a directory of the test's own, stopped (by its pid) afterwards."""

from __future__ import annotations

import contextlib
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from abri_kit.transit import TransitConfig, TransitKeys
from tests.support import PYTHON, REPO, free_port

SERVER = REPO / "infra" / "vault" / "transitd.py"


@dataclass(frozen=True)
class TransitServer:
    url: str
    token: str
    directory: Path
    mount: str = "transit"

    def request(self, method: str, path: str, body: dict[str, Any] | None = None, token: str | None = None) -> httpx.Response:
        """A request as ops make it with the Vault CLI (``vault write -f transit/keys/<key>/rotate``...)."""
        headers = {"X-Vault-Token": self.token if token is None else token}
        return httpx.request(method, f"{self.url}/v1/{path}", json=body, headers=headers, timeout=10)

    def create_key(self, name: str, *, derived: bool = True) -> None:
        response = self.request("POST", f"{self.mount}/keys/{name}", {"type": "aes256-gcm96", "derived": derived})
        assert response.status_code in (200, 204), response.text

    def rotate(self, name: str) -> int:
        response = self.request("POST", f"{self.mount}/keys/{name}/rotate")
        assert response.status_code in (200, 204), response.text
        return int(self.request("GET", f"{self.mount}/keys/{name}").json()["data"]["latest_version"])

    def config(self, key: str, **changes: Any) -> TransitConfig:
        return TransitConfig(**{"url": self.url, "token": self.token, "key": key, "mount": self.mount, **changes})

    def keys(self, key: str, namespace: str, **changes: Any) -> TransitKeys:
        return TransitKeys(self.config(key, **changes), namespace)


@contextlib.contextmanager
def running_transit(directory: Path) -> Iterator[TransitServer]:
    """Start the server, wait until it answers its health check, stop it at the end."""
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = (directory / "transitd.log").open("wb")
    process = subprocess.Popen(
        [str(PYTHON), str(SERVER), "serve", "--dir", str(directory / "data"), "--port", str(port)], stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"transitd exited: {(directory / 'transitd.log').read_text()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/v1/sys/health", timeout=1).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("transitd did not answer within 30 s")
            time.sleep(0.1)
        token = (directory / "data" / "token").read_text().strip()
        yield TransitServer(url=url, token=token, directory=directory / "data")
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()
