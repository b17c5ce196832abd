"""The ops pages: the health of each service, its event bus (outbox backlog, consumer lag, dead
letters), dead letters listed and replayed, outbox rows Kafka refused for good (parked) listed and
released, notifications that failed for good and their retry.

Each service answers for itself (``/readyz``, ``/v1/ops/bus``, ``/v1/ops/dead-letters``): the page puts
their answers side by side, and a service that does not answer is shown as such, never hidden."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Annotated, Any

import aiohttp
from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from abri_gateway.settings import SERVICES
from abri_gateway.web import forms
from abri_gateway.web.api import ApiError
from abri_gateway.web.conflicts import CONFLICTS, explained
from abri_gateway.web.i18n import gettext as _
from abri_gateway.web.visit import LIST_PAGE, PageError, Visit, for_roles

router = APIRouter(prefix="/ops")
Ops = Annotated[Visit, Depends(for_roles("ops"))]
PROBE_TIMEOUT_S = 3.0


@router.get("", response_class=HTMLResponse, summary="Health and event bus of every service, and the notifications that failed")
async def overview(page: Ops, deliveries: Annotated[str | None, Query(max_length=1000)] = None) -> HTMLResponse:
    rows = await asyncio.gather(*(_service_row(page, service) for service in SERVICES))
    failed, next_cursor = await _failed_deliveries(page, deliveries)
    next_link = page.link("/ops", deliveries=next_cursor) if next_cursor else None
    return page.render("ops/overview.html", rows=rows, failed=failed, next_link=next_link)


@router.get("/{service}/dead-letters", response_class=HTMLResponse, summary="The dead letters of one consumed topic")
async def dead_letters(service: str, topic: str, page: Ops, cursor: Annotated[str | None, Query(max_length=1000)] = None) -> HTMLResponse:
    _known(service)
    try:
        letters, next_cursor = await page.page_of(service, "/v1/ops/dead-letters", cursor, topic=topic, limit=LIST_PAGE)
    except ApiError as exc:
        if exc.status == 404:
            raise PageError(404, _("This service does not consume that topic.")) from exc
        raise
    next_link = page.link(f"/ops/{service}/dead-letters", topic=topic, cursor=next_cursor) if next_cursor else None
    return page.render("ops/dead_letters.html", service=service, topic=topic, letters=letters, next_link=next_link)


@router.post("/{service}/dead-letters/replay", summary="Have the service apply one of its dead letters, or all of a topic's, again")
async def replay(service: str, page: Ops) -> RedirectResponse:
    _known(service)
    form = await page.form()
    topic = forms.text(form, "topic")
    body: dict[str, Any] = {"topic": topic}
    if forms.text(form, "all") == "true":
        body["all"] = True
    else:
        partition, offset = forms.text(form, "partition"), forms.text(form, "offset")  # Kafka offsets: any size
        if not (partition.isdigit() and offset.isdigit()):
            raise PageError(422, _("Choose a dead letter to replay."))
        body |= {"partition": int(partition), "offset": int(offset)}
    try:
        answer = await page.api("POST", service, "/v1/ops/dead-letters/replay", json_body=body)
    except ApiError as exc:
        if exc.status >= 500 and exc.status != 503:
            raise
        if exc.problem.get("reason"):  # a dead letter that still fails: ops need its reason and the error as sent
            page.notify("error", _("A dead letter still fails (%(reason)s): %(detail)s", reason=exc.problem["reason"], detail=exc.detail))
        else:
            page.notify("error", explained(exc) if exc.status in CONFLICTS else exc.detail)  # ops read the rest as sent
    else:
        counts = {key: answer.get(key, 0) for key in ("applied", "duplicates", "skipped")}
        done = _(
            "%(applied)s dead letter(s) of %(topic)s applied again, %(duplicates)s already applied, %(skipped)s of other services left.",
            topic=topic,
            **counts,
        )
        page.notify("success", done)
    return page.redirect(page.link(f"/ops/{service}/dead-letters", topic=topic))


@router.get("/{service}/parked", response_class=HTMLResponse, summary="The outbox rows Kafka refused for good, set aside by the relay")
async def parked(service: str, page: Ops, cursor: Annotated[str | None, Query(max_length=1000)] = None) -> Response:
    _known(service)
    try:
        rows, next_cursor = await page.page_of(service, "/v1/ops/outbox/parked", cursor, limit=LIST_PAGE)
    except ApiError as exc:
        if exc.status == 400 and cursor:  # a damaged cursor: the first page instead
            return page.redirect(f"/ops/{service}/parked")
        raise
    next_link = page.link(f"/ops/{service}/parked", cursor=next_cursor) if next_cursor else None
    return page.render("ops/parked.html", service=service, rows=rows, next_link=next_link)


@router.post("/{service}/parked/release", summary="Let the relay send a parked outbox row again, once its cause is fixed")
async def release_parked(service: str, page: Ops) -> RedirectResponse:
    _known(service)
    form = await page.form()
    seq = forms.text(form, "seq")
    if not seq.isdigit() or not 1 <= int(seq) < 2**63:
        raise PageError(422, _("Choose a parked row to release."))
    try:
        await page.api("POST", service, "/v1/ops/outbox/parked/release", json_body={"seq": int(seq)})
    except ApiError as exc:
        if exc.status >= 500 and exc.status != 503:
            raise
        if exc.status == 404:
            page.notify("error", _("Row %(seq)s is not parked (any more): nothing was changed.", seq=seq))
        else:
            page.notify("error", exc.detail)  # ops read the rest as sent
    else:
        released = _("Row %(seq)s and those held behind it go out at the relay's next round; refused again, it is parked again.", seq=seq)
        page.notify("success", released)
    return page.redirect(f"/ops/{service}/parked")


@router.post("/deliveries/{delivery_id}/retry", summary="Send a notification that failed for good again")
async def retry_delivery(delivery_id: uuid.UUID, page: Ops) -> RedirectResponse:
    await page.form()
    try:
        await page.api("POST", "notifications", f"/v1/ops/deliveries/{delivery_id}/retry")
    except ApiError as exc:
        if exc.status >= 500:
            raise
        page.notify("error", explained(exc) if exc.status in CONFLICTS else exc.detail)  # ops read the rest as sent
    else:
        page.notify("success", _("The notification will be sent again."))
    return page.redirect("/ops")


def _known(service: str) -> None:
    if service not in SERVICES:
        raise PageError(404, _("This page does not exist, or it is not yours."))


async def _service_row(page: Visit, service: str) -> dict[str, Any]:
    """One service: ready or not (and why), and its bus, or what kept us from reading it."""
    row: dict[str, Any] = {"service": service, "ready": False, "checks": {}, "bus": None, "bus_error": None}
    http = page.site.api.proxy.http
    assert http is not None
    try:
        timeout = aiohttp.ClientTimeout(total=PROBE_TIMEOUT_S)
        async with http.get(page.site.settings.upstream(service) + "/readyz", timeout=timeout) as response:
            answer = json.loads(await response.read() or b"{}")
            row["ready"] = response.status == 200
            row["checks"] = answer.get("checks") or {}
            row["detail"] = answer.get("detail")
    except (aiohttp.ClientError, TimeoutError, ValueError):
        row["detail"] = _("does not answer")
    if row["ready"]:
        try:
            row["bus"] = await page.api("GET", service, "/v1/ops/bus")
        except ApiError as exc:
            row["bus_error"] = exc.detail
    return row


async def _failed_deliveries(page: Visit, cursor: str | None) -> tuple[list[dict[str, Any]] | None, str | None]:
    """A page of the notifications that failed for good, newest first (None: the service does not answer)."""
    try:
        return await page.page_of("notifications", "/v1/ops/deliveries", cursor, status="failed")
    except ApiError as exc:
        if exc.status == 400 and cursor:  # a damaged cursor, or one of another list: the first page instead
            return await _failed_deliveries(page, None)
        return None, None
