"""A server told to stop drains first (``abri_kit.draining``, ``abri_kit.serve.Server``): after SIGTERM it still
answers for the drain's seconds, each answer closing its connection, then it stops; a second signal stops it at
once. A real uvicorn process, on 127.0.0.1."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.support import free_port

APP = """
import sys
import uvicorn
from abri_kit.draining import CloseWhileDraining
from abri_kit.serve import SERVER_OPTIONS, Server

async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"ok"})

config = uvicorn.Config(CloseWhileDraining(app), host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", **SERVER_OPTIONS)
Server(config, drain_s=float(sys.argv[2])).run()
"""


def serve(tmp_path: Path, port: int, drain_s: float) -> subprocess.Popen[bytes]:
    script = tmp_path / "drained_app.py"
    script.write_text(APP)
    process = subprocess.Popen([sys.executable, str(script), str(port), str(drain_s)], env={**os.environ})
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError("the server did not start")


def test_a_server_drains_for_its_seconds_closing_each_connection_then_stops(tmp_path: Path) -> None:
    port = free_port()
    process = serve(tmp_path, port, drain_s=2.0)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            assert "close" not in client.get("/").headers.get("connection", "")  # kept alive while it serves
            process.send_signal(signal.SIGTERM)
            time.sleep(0.3)
            answer = client.get("/")  # still answered while it drains, on a connection the answer closes
            assert answer.status_code == 200 and answer.headers["connection"] == "close"
            assert process.poll() is None
        process.wait(timeout=10)  # then it stops by itself
        assert process.returncode in (0, -signal.SIGTERM)  # uvicorn raises the signal it caught once it stopped
    finally:
        if process.poll() is None:
            process.kill()


def test_a_second_signal_stops_a_draining_server_at_once(tmp_path: Path) -> None:
    port = free_port()
    process = serve(tmp_path, port, drain_s=30.0)
    try:
        process.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)
        assert time.monotonic() - started < 5
    finally:
        if process.poll() is None:
            process.kill()


pytestmark = pytest.mark.timeout(60)
