"""``python -m abri_kit.serve <module>:<factory>``: serve an Abri app with uvicorn, as every image and
``make run`` do, with the settings no deployment should differ on:

- no ``server`` header (it names the software and its version to whoever asks);
- uvicorn's proxy-header handling off: it would believe ``X-Forwarded-For`` from any loopback peer. The
  apps that need the caller's address read it themselves from configured proxies only
  (``abri_kit.client_address``);
- a graceful shutdown bounded in time (Kubernetes waits 30 s before SIGKILL by default).
"""

from __future__ import annotations

import argparse
from typing import Any

import uvicorn

SERVER_OPTIONS: dict[str, Any] = {
    "server_header": False,
    "proxy_headers": False,
    "access_log": False,
    "timeout_graceful_shutdown": 20,
}
"""uvicorn's options for every Abri server (tests that serve an app over TCP use them too)."""


def run(factory: str, *, host: str, port: int, log_level: str = "warning") -> None:
    """Serve the app ``factory`` builds (``module:function``) on ``host:port`` until SIGTERM."""
    uvicorn.run(factory, factory=True, host=host, port=port, log_level=log_level, **SERVER_OPTIONS)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m abri_kit.serve", description=__doc__.split("\n\n")[0])
    parser.add_argument("factory", help="the app factory, module:function (e.g. abri_listings.main:create_app)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--log-level", default="warning")
    options = parser.parse_args(argv)
    run(options.factory, host=options.host, port=options.port, log_level=options.log_level)


if __name__ == "__main__":
    main()
