"""``python -m abri_gateway``: serve the gateway with uvicorn on ABRI_GATEWAY_HOST:ABRI_GATEWAY_PORT."""

from __future__ import annotations

import os

import uvicorn

if __name__ == "__main__":
    uvicorn.run(
        "abri_gateway.app:create_app",
        factory=True,
        host=os.environ.get("ABRI_GATEWAY_HOST", "127.0.0.1"),
        port=int(os.environ.get("ABRI_GATEWAY_PORT", "8000")),
        log_level=os.environ.get("ABRI_GATEWAY_LOG_LEVEL", "warning"),
        access_log=False,
    )
