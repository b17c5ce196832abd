"""HTTP routes of the assistant service (the probes come from the service kit)."""

from __future__ import annotations

from fastapi import APIRouter

from abri_assistant.api.access_log import router as access_log
from abri_assistant.api.conversations import router as conversations
from abri_assistant.api.export import router as export
from abri_assistant.api.handovers import router as handovers

routers: list[APIRouter] = [conversations, handovers, access_log, export]
