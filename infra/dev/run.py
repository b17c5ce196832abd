"""``make run``: PostgreSQL, Kafka, Redis, migrations, the identity provider, the services and the
gateway, until Ctrl-C.

Everything listens on 127.0.0.1: the gateway on 8000 (``ABRI_GATEWAY_PORT``), the identity provider on
8100, the services on 8101 to 8106 (``ABRI_<SERVICE>_PORT``). On Ctrl-C the processes stop first, then
whatever infrastructure this command started. It exits non-zero if a process dies on its own.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable

import demo
from stack import PYTHON, REPO, SERVICES, Stack, local_secrets, log, migrate, read_env_file, redis_url, service_env

DEMO_ORGANISATIONS = {
    "assoc-1": "Association Toit Commun (démo)",
    "assoc-2": "Association Habitat Solidaire (démo)",
    "fund-1": "Fonds de garantie Visale (démo)",
    "fund-2": "Fonds Solidarité Logement (démo)",
}
"""The names of the local identity provider's organisations (its users' ``org_id``), for the pages that
name who read a household's data (``ABRI_GATEWAY_ORGANISATIONS``)."""
DEFAULT_PORTS = {
    "gateway": 8000,
    "idp": 8100,
    "listings": 8101,
    "matching": 8102,
    "guarantees": 8103,
    "notifications": 8104,
    "assistant": 8105,
    "insights": 8106,
    "smtp": 8125,
}
MAILBOX = REPO / ".run" / "mail"
"""Where ``make run``'s SMTP sink keeps the emails Abri sends (a Maildir: one file per message)."""


class Interrupted(Exception):
    """Ctrl-C (or SIGTERM) arrived."""


def port(name: str) -> int:
    """The port of a process, from ``ABRI_<NAME>_PORT``."""
    return int(os.environ.get(f"ABRI_{name.upper()}_PORT", DEFAULT_PORTS[name]))


def wait_ready(url: str, stopping: Callable[[], bool], timeout: float = 60) -> bool:
    """Poll ``url`` until it answers 200 (or Ctrl-C, or the timeout)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if stopping():
            raise Interrupted
        try:
            with urllib.request.urlopen(url, timeout=3) as response:  # noqa: S310  (our own 127.0.0.1 process)
                if response.status == 200:
                    return True
        except OSError:
            time.sleep(0.5)
    return False


def main() -> int:
    stack = Stack()
    processes: dict[str, subprocess.Popen[bytes]] = {}
    stopping = False

    def on_signal(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    def check() -> None:
        if stopping:
            raise Interrupted

    def spawn(name: str, command: list[str], env: dict[str, str]) -> None:
        check()
        processes[name] = subprocess.Popen(command, env=env, start_new_session=True)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    code = 0
    try:
        stack.up()
        check()
        bootstrap = f"127.0.0.1:{os.environ.get('ABRI_KAFKA_PORT', '9092')}"
        migrate(bootstrap)
        issuer = f"http://127.0.0.1:{port('idp')}"
        gateway_url = f"http://127.0.0.1:{port('gateway')}"
        idp_env = {**os.environ, "ABRI_IDP_PORT": str(port("idp")), "ABRI_IDP_WEB_REDIRECT_URIS": f"{gateway_url}/callback"}
        idp_env.setdefault("ABRI_IDP_DEV_SHOW_TOTP", "1")  # demo people's TOTP codes shown on the page (infra/idp/README.md)
        spawn("idp", [PYTHON, "-m", "abri_idp", "serve"], idp_env)
        if not wait_ready(f"{issuer}/healthz", lambda: stopping, timeout=30):
            raise RuntimeError("the identity provider did not start")
        identities = read_env_file(REPO / ".run" / "idp" / "credentials.env")
        MAILBOX.parent.mkdir(parents=True, exist_ok=True)  # the sink makes the Maildir itself
        sink = [PYTHON, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port('smtp')}", "-c", "aiosmtpd.handlers.Mailbox", str(MAILBOX)]
        spawn("smtp", sink, dict(os.environ))
        mail = {
            "ABRI_NOTIFICATIONS_SMTP_HOST": "127.0.0.1",
            "ABRI_NOTIFICATIONS_SMTP_PORT": str(port("smtp")),
            "ABRI_NOTIFICATIONS_SMTP_SECURITY": "none",  # a sink on this machine
        }
        for service in SERVICES:
            command = [PYTHON, "-m", "abri_kit.serve", f"abri_{service}.main:create_app"]
            command += ["--host", "127.0.0.1", "--port", str(port(service)), "--log-level", "warning"]
            env = {**service_env(service, bootstrap), f"ABRI_{service.upper()}_OIDC_ISSUER": issuer}
            spawn(service, command, {**env, **mail} if service == "notifications" else env)
        gateway_env = {
            **os.environ,
            **local_secrets("gateway"),  # the keys that encrypt its sessions in Redis
            "ABRI_GATEWAY_REDIS_URL": os.environ.get("ABRI_GATEWAY_REDIS_URL", redis_url()),
            "ABRI_GATEWAY_PORT": str(port("gateway")),
            "ABRI_GATEWAY_PUBLIC_URL": gateway_url,
            "ABRI_GATEWAY_OIDC_ISSUER": issuer,
            "ABRI_GATEWAY_OIDC_CLIENT_SECRET": identities["ABRI_IDP_CLIENT_ABRI_WEB_SECRET"],
            **{f"ABRI_GATEWAY_{service.upper()}_URL": f"http://127.0.0.1:{port(service)}" for service in SERVICES},
            "ABRI_GATEWAY_ORGANISATIONS": os.environ.get("ABRI_GATEWAY_ORGANISATIONS", json.dumps(DEMO_ORGANISATIONS)),
        }
        spawn("gateway", [PYTHON, "-m", "abri_gateway"], gateway_env)
        for service in SERVICES:
            url = f"http://127.0.0.1:{port(service)}"
            state = "ready" if wait_ready(f"{url}/readyz", lambda: stopping) else "NOT READY (see its log above)"
            log(f"{service:<14} {url}/docs  ({state})")
        state = "ready" if wait_ready(f"{gateway_url}/readyz", lambda: stopping) else "NOT READY"
        log(f"{'gateway':<14} {gateway_url}/docs  ({state}); sign in at {gateway_url}/login")
        log(f"{'identity':<14} {issuer}/.well-known/openid-configuration")
        passwords = {
            key.removeprefix("ABRI_IDP_PASSWORD_").lower(): value
            for key, value in identities.items()
            if key.startswith("ABRI_IDP_PASSWORD_")
        }
        try:
            log(
                asyncio.run(
                    demo.seed(gateway_url, issuer, passwords, identities["ABRI_IDP_CLIENT_ABRI_WEB_SECRET"], f"{gateway_url}/callback")
                )
            )
        except Exception as exc:  # the demo data are a convenience: Abri runs without them
            log(f"demo data not created: {exc!r}")
        log("demo sign-ins (generated for this machine, in .run/idp/credentials.env):")
        for key, value in sorted(identities.items()):
            if key.startswith("ABRI_IDP_PASSWORD_"):
                log(f"    {key.removeprefix('ABRI_IDP_PASSWORD_').lower():<12} {value}")
        log(f"emails Abri sends land in {MAILBOX} (an SMTP sink on 127.0.0.1:{port('smtp')})")
        log(f"Kafka on {bootstrap}; press Ctrl-C to stop everything")
        while not stopping:
            dead = [name for name, process in processes.items() if process.poll() is not None]
            if dead:
                log(f"{', '.join(dead)} exited: stopping everything")
                code = 1
                break
            time.sleep(0.5)
    except Interrupted:
        log("interrupted")
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.terminate()
        for process in processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        stack.down()
        log("stopped")
    return code


if __name__ == "__main__":
    sys.exit(main())
