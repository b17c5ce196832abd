"""A scope's insights, as JSON or CSV: the whole platform and a département for anyone (public, open data: the
gateway limits each address), an association for its social workers, a fund for its agents (anyone else 404).
Months are ``YYYY-MM``; by default the last twelve, this one included."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response

from abri_auth.scoping import NotFound
from abri_insights.api.schemas import CSV_COLUMNS, ReportOut, csv_records
from abri_insights.domain.facts import Scope
from abri_insights.usecases.report import report
from abri_kit.dependencies import Ctx, PublicCtx
from abri_kit.errors import Refused
from abri_kit.usecase import Context

public = APIRouter(prefix="/v1/public/insights", tags=["insights (public)"])
members = APIRouter(prefix="/v1/insights", tags=["insights"])
MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
MOST_MONTHS = 120
Month = Annotated[str | None, Query(description="A month, `YYYY-MM`.", max_length=7)]
DEPARTEMENT = re.compile(r"^(\d{2}|2A|2B|97\d)$")


def months(today: date, first: str | None, last: str | None) -> tuple[str, str]:
    """The range asked, or the last twelve months; 422 for a malformed month, a reversed or too long range."""
    last = last or f"{today.year:04d}-{today.month:02d}"
    if first is None:
        year, month = divmod(today.year * 12 + today.month - 1 - 11, 12)
        first = f"{year:04d}-{month + 1:02d}"
    errors = [
        {"field": name, "rule": "month", "detail": "a month is written YYYY-MM"}
        for name, value in (("from", first), ("to", last))
        if not MONTH.match(value)
    ]
    if errors:
        raise Refused("the months are not YYYY-MM", errors=errors)
    span = (int(last[:4]) * 12 + int(last[5:])) - (int(first[:4]) * 12 + int(first[5:]))
    if span < 0 or span >= MOST_MONTHS:
        raise Refused(f"from must come before to, at most {MOST_MONTHS} months apart", errors=[{"field": "from", "rule": "range"}])
    return first, last


async def answered(ctx: Context, scope: Scope, scope_id: str, first: str | None, last: str | None, form: str) -> ReportOut | Response:
    first_month, last_month = months(ctx.today, first, last)
    shown = ReportOut.of(await report(ctx, scope, scope_id, first_month, last_month))
    if form == "json":
        return shown
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(csv_records(shown))
    name = f"abri-insights-{scope}{'-' + scope_id if scope_id else ''}-{first_month}-{last_month}.csv"
    return Response(
        buffer.getvalue(), media_type="text/csv; charset=utf-8", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


Form = Annotated[str, Query(pattern="^(json|csv)$", description="`json` (default) or `csv` (open data: one record per measure and value).")]
OrgId = Annotated[str, Path(max_length=200, description="An organisation's id.")]
Code = Annotated[str, Path(max_length=3, description="A département's code: 75, 2A, 971.")]
AS_CSV: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The report (JSON), or with `form=csv` its open-data records",
        "content": {"text/csv": {"schema": {"type": "string"}, "example": "scope,scope_id,first_month,last_month,measure,value,count\n"}},
    }
}


@public.get("/platform", summary="The whole platform's insights (public, small counts hidden)", response_model=ReportOut, responses=AS_CSV)
async def platform(
    ctx: PublicCtx, from_: Annotated[Month, Query(alias="from")] = None, to: Month = None, form: Form = "json"
) -> ReportOut | Response:
    return await answered(ctx, "platform", "", from_, to, form)


@public.get(
    "/departements/{code}", summary="A département's insights (public, small counts hidden)", response_model=ReportOut, responses=AS_CSV
)
async def departement(
    code: Code, ctx: PublicCtx, from_: Annotated[Month, Query(alias="from")] = None, to: Month = None, form: Form = "json"
) -> ReportOut | Response:
    if not DEPARTEMENT.match(code):
        raise Refused("a département is 2 characters (75, 2A) or 3 overseas (971)", errors=[{"field": "code", "rule": "departement"}])
    return await answered(ctx, "departement", code, from_, to, form)


@members.get(
    "/associations/{org_id}",
    summary="My association's insights (its social workers; small counts hidden)",
    response_model=ReportOut,
    responses={**AS_CSV, 404: {"description": "Not my association"}},
)
async def association(
    org_id: OrgId, ctx: Ctx, from_: Annotated[Month, Query(alias="from")] = None, to: Month = None, form: Form = "json"
) -> ReportOut | Response:
    if not (ctx.principal.has_role("social_worker") and ctx.principal.org_id == org_id):
        raise NotFound("association", org_id)
    return await answered(ctx, "association", org_id, from_, to, form)


@members.get(
    "/funds/{fund_id}",
    summary="My fund's insights (its agents; small counts hidden)",
    response_model=ReportOut,
    responses={**AS_CSV, 404: {"description": "Not my fund"}},
)
async def fund(
    fund_id: OrgId, ctx: Ctx, from_: Annotated[Month, Query(alias="from")] = None, to: Month = None, form: Form = "json"
) -> ReportOut | Response:
    if not (ctx.principal.has_role("fund_agent") and ctx.principal.org_id == fund_id):
        raise NotFound("fund", fund_id)
    return await answered(ctx, "fund", fund_id, from_, to, form)
