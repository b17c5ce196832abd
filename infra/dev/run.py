"""``make run``: PostgreSQL, Kafka, migrations and the four services, until Ctrl-C.

Each service listens on 127.0.0.1 (ports from ``ABRI_<SERVICE>_PORT``, default 8101 to 8104).
On Ctrl-C the services stop first, then whatever infrastructure this command started.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request

from stack import PYTHON, SERVICES, Stack, log, migrate, service_env

DEFAULT_PORTS = {"listings": 8101, "matching": 8102, "guarantees": 8103, "notifications": 8104}


def wait_ready(url: str, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=3) as response:  # noqa: S310  (our own 127.0.0.1 service)
                if response.status == 200:
                    return True
        except OSError:
            time.sleep(0.5)
    return False


def main() -> int:
    stack = Stack()
    processes: list[subprocess.Popen[bytes]] = []
    stopping = False

    def on_signal(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        stack.up()
        bootstrap = f"127.0.0.1:{os.environ.get('ABRI_KAFKA_PORT', '9092')}"
        migrate(bootstrap)
        urls = {}
        for service in SERVICES:
            port = int(os.environ.get(f"ABRI_{service.upper()}_PORT", DEFAULT_PORTS[service]))
            command = [PYTHON, "-m", "uvicorn", "--factory", f"abri_{service}.main:create_app"]
            command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
            processes.append(subprocess.Popen(command, env=service_env(service, bootstrap), start_new_session=True))
            urls[service] = f"http://127.0.0.1:{port}"
        for service, url in urls.items():
            state = "ready" if wait_ready(f"{url}/readyz") else "NOT READY (see its log above)"
            log(f"{service:<14} {url}/docs  ({state})")
        log("Kafka on " + bootstrap + "; press Ctrl-C to stop everything")
        while not stopping:
            if any(p.poll() is not None for p in processes):
                log("a service exited: stopping")
                break
            time.sleep(0.5)
        return 0
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        stack.down()
        log("stopped")


if __name__ == "__main__":
    sys.exit(main())
