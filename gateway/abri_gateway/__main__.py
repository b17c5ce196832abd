"""``python -m abri_gateway``: serve the gateway on ABRI_GATEWAY_HOST:ABRI_GATEWAY_PORT, with the settings
every Abri server shares (``abri_kit.serve``: no ``server`` header, no uvicorn proxy headers)."""

from __future__ import annotations

import os

from abri_kit.serve import run

if __name__ == "__main__":
    run(
        "abri_gateway.app:create_app",
        host=os.environ.get("ABRI_GATEWAY_HOST", "127.0.0.1"),
        port=int(os.environ.get("ABRI_GATEWAY_PORT", "8000")),
        log_level=os.environ.get("ABRI_GATEWAY_LOG_LEVEL", "warning"),
    )
