"""Downloading a household's data from every service as one archive (``abri_gateway.web.export``):

- ``GET /v1/households/{id}/export``: the API, for a bearer token (a partner system of an association,
  a household's app) or a signed-in browser; the archive's labels in ``?lang=`` or the Accept-Language;
- ``POST /household/export``: the household's own page, "Download my data";
- ``POST /association/households/{id}/export``: the association's page of the household, on its behalf.

The pages post a form (its CSRF token checked) rather than follow a link: an export opens the household's
personal data and is written to each service's access log, so a prefetch or a crawler must not start one.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from abri_auth.errors import Forbidden, InsufficientUserAuthentication
from abri_gateway.auth import Caller
from abri_gateway.web import i18n
from abri_gateway.web.api import StepUpRequired
from abri_gateway.web.export import ExportFailed, export_archive
from abri_gateway.web.i18n import gettext as _
from abri_gateway.web.site import Site
from abri_gateway.web.visit import PageError, Visit, for_roles
from abri_kit.errors import Problem

router = APIRouter()
api = APIRouter(tags=["export"])
EXPORTERS = ("household", "social_worker")
Household = Annotated[Visit, Depends(for_roles("household"))]
SocialWorker = Annotated[Visit, Depends(for_roles("social_worker"))]
Language = Annotated[
    str | None, Query(pattern=r"^[a-z]{2}$", description="The labels' language: fr, en, ar or uk (else the Accept-Language, else fr)")
]
ARCHIVE = "The archive: one JSON document per service, the documents, labels.json, README.txt, manifest.json"


@api.get(
    "/v1/households/{household_id}/export",
    summary="Everything Abri holds about a household, from every service, as one zip (the household or its association; logged)",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"application/zip": {}}, "description": ARCHIVE},
        401: {"description": "No valid token"},
        403: {"description": "Not a household or a social worker, or a scope is missing"},
        404: {"description": "Not found, or not yours"},
        503: {"description": "A service did not answer (named in `service`): nothing is exported, never a partial archive"},
    },
)
async def export_api(household_id: uuid.UUID, request: Request, lang: Language = None) -> StreamingResponse:
    site: Site = request.app.state.web
    caller = await site.auth.caller(request.scope)
    if not caller.principal.has_role(*EXPORTERS):
        raise Forbidden("an export is for the household itself or its association's social workers")
    i18n.use(i18n.choose(lang, None, request.headers.get("accept-language")))
    request_id = request.scope.get("abri.request_id")
    try:
        archive = await export_archive(site.api, caller, household_id, request_id=request_id if isinstance(request_id, str) else None)
    except StepUpRequired as exc:  # passed on to the API client as the service said it (RFC 9470)
        description = "the export reads the household's personal data: sign in again with a second factor"
        raise InsufficientUserAuthentication(description, acr_values=tuple(exc.acr_values.split()), max_age=exc.max_age) from exc
    except ExportFailed as exc:
        extra = {"service": exc.service} if exc.service else {}
        headers = {"retry-after": "30"} if exc.status == 503 else {}
        raise Problem(exc.status, exc.detail, title="Export unavailable" if exc.status == 503 else None, headers=headers, **extra) from exc
    return archive.response()


@router.post("/household/export", summary="Download my data from every part of Abri (the export is logged)")
async def my_export(page: Household) -> StreamingResponse:
    await page.form()
    mine = await page.every("matching", "/v1/households")  # the service lists a household only its own
    if not mine:
        raise PageError(404, _("No file is linked to your account yet."))
    household = next((h for h in mine if not h["erased"]), mine[0])
    return await _download(page, page.signed(), uuid.UUID(household["id"]))


@router.post("/association/households/{household_id}/export", summary="Download a household's data, on its behalf (logged)")
async def household_export(household_id: uuid.UUID, page: SocialWorker) -> StreamingResponse:
    await page.form()
    return await _download(page, page.signed(), household_id)


async def _download(page: Visit, caller: Caller, household_id: uuid.UUID) -> StreamingResponse:
    try:
        archive = await export_archive(page.site.api, caller, household_id, request_id=page.request_id)
    except ExportFailed as exc:
        if exc.status == 503:
            unavailable = _(
                "Your data could not all be gathered: %(service)s does not answer. Nothing was downloaded: try again in a moment.",
                service=exc.service or "Abri",
            )
            raise PageError(503, unavailable) from exc
        if exc.status == 401:
            raise PageError(401, _("Your session has ended: sign in again.")) from exc
        raise PageError(404, _("This page does not exist, or it is not yours.")) from exc
    return archive.response()
