"""``python -m abri_kit.serve <module>:<factory>``: serve an Abri app with uvicorn, as every image and
``make run`` do, with the settings no deployment should differ on:

- no ``server`` header (it names the software and its version to whoever asks);
- uvicorn's proxy-header handling off: it would believe ``X-Forwarded-For`` from any loopback peer. The
  apps that need the caller's address read it themselves from configured proxies only
  (``abri_kit.client_address``);
- a graceful shutdown bounded in time (Kubernetes waits 30 s before SIGKILL by default);
- HTTPS when the component is given a certificate and its key: ``ABRI_<COMPONENT>_TLS_CERT_FILE`` and
  ``ABRI_<COMPONENT>_TLS_KEY_FILE`` (the component named by the factory's package: ``abri_listings`` ->
  ``ABRI_LISTINGS_``, ``abri_gateway`` -> ``ABRI_GATEWAY_``), TLS 1.2 at least. The files are checked every
  minute and loaded again when they change (a renewed certificate), for the connections that follow.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import ssl
import sys
from collections.abc import Callable, Mapping
from types import FrameType
from typing import Any

import uvicorn

from abri_kit import draining
from abri_kit.tls import ServerContext, ServerFiles

log = logging.getLogger(__name__)

SERVER_OPTIONS: dict[str, Any] = {
    "server_header": False,
    "proxy_headers": False,
    "access_log": False,
    "timeout_graceful_shutdown": 20,
    "timeout_keep_alive": 75,
}
"""uvicorn's options for every Abri server (tests that serve an app over TCP use them too). An idle
connection is kept 75 s, longer than the gateway's pool keeps one (2 s: ``abri_gateway.proxy``), so that the
gateway's side always closes it first: a server closing an idle connection at the moment the gateway sends
a request on it answers nothing (a 503 now and then under load, with uvicorn's 5 s default)."""

STARTUP_FAILURE = 3
"""The exit status of a server that could not start (uvicorn's own)."""

RELOAD_CHECK_TICKS = 600
"""uvicorn ticks every 0.1 s: the certificate files are looked at once a minute."""


def env_prefix(factory: str) -> str:
    """``abri_listings.main:create_app`` -> ``ABRI_LISTINGS_``: the prefix of the component's variables."""
    package = factory.split(":", 1)[0].split(".", 1)[0]
    return package.upper() + "_"


def tls_options(files: ServerFiles | None) -> tuple[dict[str, Any], ServerContext | None]:
    """uvicorn's options to serve ``files`` (none: plain HTTP), and the context that reloads them."""
    if files is None:
        return {}, None
    server = ServerContext(files)  # read now: a bad pair stops the start, naming the files

    def factory(config: uvicorn.Config, default: Callable[[], ssl.SSLContext]) -> ssl.SSLContext:
        return server.context

    return {"ssl_certfile": files.cert_file, "ssl_keyfile": files.key_file, "ssl_context_factory": factory}, server


class Server(uvicorn.Server):
    """uvicorn's server, which also loads a renewed certificate, and drains before it stops
    (``abri_kit.draining``): the first SIGTERM starts the drain, the graceful shutdown follows ``drain_s`` later (a
    second signal stops it at once)."""

    def __init__(self, config: uvicorn.Config, tls: ServerContext | None = None, drain_s: float | None = None) -> None:
        super().__init__(config)
        self.tls = tls
        self.drain_s = drain_s if drain_s is not None else float(os.environ.get("ABRI_DRAIN_S", draining.DRAIN_S))
        self._drain_started = False

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self._drain_started or self.drain_s <= 0 or not self.started:
            super().handle_exit(sig, frame)
            return
        self._drain_started = True
        draining.start()
        stop = super().handle_exit
        loop = asyncio.get_event_loop()
        loop.call_soon_threadsafe(loop.call_later, self.drain_s, stop, sig, frame)

    async def on_tick(self, counter: int) -> bool:
        if self.tls is not None and counter % RELOAD_CHECK_TICKS == RELOAD_CHECK_TICKS - 1 and self.tls.reload_if_changed():
            log.warning("TLS certificate reloaded from %s", self.tls.files.cert_file)
        return await super().on_tick(counter)


def config(
    factory: str, *, host: str, port: int, log_level: str = "warning", environ: Mapping[str, str] | None = None
) -> tuple[uvicorn.Config, ServerContext | None]:
    """The uvicorn configuration of the app ``factory`` builds, HTTPS when its component has TLS files."""
    files = ServerFiles.from_environ(env_prefix(factory), os.environ if environ is None else environ)
    options, tls = tls_options(files)
    return uvicorn.Config(factory, factory=True, host=host, port=port, log_level=log_level, **SERVER_OPTIONS, **options), tls


def run(factory: str, *, host: str, port: int, log_level: str = "warning") -> None:
    """Serve the app ``factory`` builds (``module:function``) on ``host:port`` until SIGTERM."""
    server_config, tls = config(factory, host=host, port=port, log_level=log_level)
    server_config.load_app()  # as uvicorn.run: an app that cannot be built stops here
    server = Server(server_config, tls)
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
    if not server.started:
        sys.exit(STARTUP_FAILURE)


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
