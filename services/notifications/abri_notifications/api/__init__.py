"""HTTP routes of the notifications service (the probes come from the service kit)."""

from __future__ import annotations

from fastapi import APIRouter

from abri_notifications.api.access_log import households as households_access_log
from abri_notifications.api.access_log import me as my_access_log
from abri_notifications.api.export import router as export
from abri_notifications.api.inbox import router as inbox
from abri_notifications.api.me import router as me
from abri_notifications.api.ops import router as ops
from abri_notifications.api.webhooks import router as webhooks

routers: list[APIRouter] = [me, my_access_log, inbox, webhooks, ops, export, households_access_log]
