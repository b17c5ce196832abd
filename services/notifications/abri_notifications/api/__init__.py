"""HTTP routes of the notifications service (the probes come from the service kit)."""

from __future__ import annotations

from fastapi import APIRouter

routers: list[APIRouter] = []
