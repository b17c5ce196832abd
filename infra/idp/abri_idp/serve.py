"""Serve the provider with waitress on the loopback interface."""

from __future__ import annotations

import logging
import signal
import time
from types import FrameType

from waitress.server import create_server

from abri_idp.provider import Provider
from abri_idp.settings import Settings
from abri_idp.web import create_app

log = logging.getLogger("abri_idp")


def serve(settings: Settings, *, started: float | None = None) -> None:
    """Provision if needed, then serve until SIGINT or SIGTERM."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    provider = Provider.load(settings)
    app = create_app(provider)
    server = create_server(app, host=settings.host, port=settings.port, threads=8, ident="abri-idp")

    def stop(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    elapsed = f" in {time.perf_counter() - started:.2f}s" if started is not None else ""
    log.info(
        "abri-idp ready%s: issuer %s, state in %s, signing kid %s",
        elapsed,
        settings.issuer,
        settings.directory,
        provider.keys.signing_kid,
    )
    server.run()  # returns on SIGINT or SIGTERM (waitress turns SystemExit into a clean stop)
    log.info("abri-idp stopped")
