"""What works, in figures (``/insights``): the whole platform's or a département's report for anyone, no sign-in
needed; an association's for its social workers (``/association/insights``) and a fund's for its agents
(``/fund/insights``), each asked only for the caller's own organisation (the ``org_id`` of the session's token:
another organisation's report is never asked for, and the service would answer 404).

Every figure comes from the insights service as it shows it: a count under the threshold (11) is "< 11", a
duration's quartiles only over 11 journeys, a share only when both its parts reach 11. Each breakdown is a table
(its caption, its column headers, every count) beside a bar chart drawn here as SVG (no script, no style
attribute: the geometry is in SVG attributes, the colours in ``web.css``), an image whose label says what it
shows; a hidden count has no bar. The months are chosen with a GET form (nothing is changed: no CSRF token), the
figures downloaded as the service's open-data CSV or its JSON: the public ones from the gateway's public API
(``/api/insights/v1/public/...``, limited per address), an organisation's through a page that streams the
service's file. An anonymous visitor's page counts against the same per-address limit as the public API."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from babel.dates import format_skeleton
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, StreamingResponse
from markupsafe import Markup

from abri_gateway.web import forms, i18n
from abri_gateway.web.api import ApiError
from abri_gateway.web.departements import DEPARTEMENTS, departement_name
from abri_gateway.web.i18n import PARIS, ngettext, number, percent
from abri_gateway.web.i18n import gettext as _
from abri_gateway.web.labels import label
from abri_gateway.web.pages.association.words import term
from abri_gateway.web.site import bdi
from abri_gateway.web.visit import PageError, Visit, for_roles, visit
from abri_kit.communes import fold

router = APIRouter()
Anyone = Annotated[Visit, Depends(visit)]
Worker = Annotated[Visit, Depends(for_roles("social_worker"))]
Agent = Annotated[Visit, Depends(for_roles("fund_agent"))]
Form = Annotated[str, Query(pattern="^(csv|json)$", description="`csv` (open data) or `json`")]

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
MOST_MONTHS = 120
"""The longest range the service answers (its own limit)."""
DEFAULT_MONTHS = 12
"""Without a choice, the last twelve months, this one included (as the service)."""

DURATIONS = (
    "registration_to_proposal_days",
    "registration_to_lease_days",
    "registration_to_slide_days",
    "lease_to_slide_days",
    "guarantee_decision_days",
)
PLACEMENTS = ("proposal_outcomes", "leases_signed", "lease_ends", "leases_still_running")
GUARANTEES = ("guarantee_decisions", "guarantee_decisions_on_time", "guarantees_activated")
HOMES = ("units", "let_energy_classes")
COUNTED: dict[str, frozenset[str]] = {
    "platform": frozenset((*DURATIONS, *PLACEMENTS, *GUARANTEES, "claims_filed", *HOMES)),
    "departement": frozenset((*DURATIONS[:4], *PLACEMENTS, *HOMES)),
    "association": frozenset((*DURATIONS, *PLACEMENTS, *GUARANTEES)),
    "fund": frozenset(("guarantee_decision_days", *GUARANTEES, "claims_filed")),
}
"""What each scope counts (``services/insights``' events name an association on placements and guarantees, a
fund on guarantees and claims, a département on placements and homes): a page shows only those, and says why
the others are not there."""
ORDER = {
    "proposal_outcomes": ("proposed", "accepted", "declined:", "expired", "withdrawn:", "fell_through:"),
    "units": ("published", "let", "withdrawn:"),
    "guarantee_decisions": ("approved", "rejected"),
    "guarantee_decisions_on_time": ("on_time", "late"),
}
"""The order of a breakdown's rows (the journey's), where the service's (alphabetical) would not do."""


# --- words ----------------------------------------------------------------------------------------------------
def duration_words() -> dict[str, str]:
    """Each duration measured, in words: from what to what."""
    return {
        "registration_to_proposal_days": _("From the household's registration to a proposal"),
        "registration_to_lease_days": _("From the household's registration to its lease"),
        "registration_to_slide_days": _("From the household's registration to the slide of its lease"),
        "lease_to_slide_days": _("From the lease to its slide to the household"),
        "guarantee_decision_days": _("From a file's entry into the fund's review to its decision"),
    }


WITHDRAW_REASONS = (
    "household_withdrew", "household_housed_elsewhere", "association_decision", "other", "consent_withdrawn", "household_erased",
)  # fmt: skip


def withdraw_reason_words() -> dict[str, str]:
    """Why a proposal was withdrawn (matching's codes, the two it records itself included): the association's words."""
    return {code: term("withdraw_reason", code) for code in WITHDRAW_REASONS}


def fall_through_words() -> dict[str, str]:
    """Why an accepted proposal fell through before its lease (matching's codes)."""
    return {
        "owner_withdrew": _("The owner withdrew"),
        "household_withdrew": term("withdraw_reason", "household_withdrew"),
        "guarantee_refused": _("The guarantee was refused"),
        "lease_not_signed_in_time": _("The lease was not signed in time"),
        **{code: term("withdraw_reason", code) for code in ("other", "consent_withdrawn", "household_erased")},
    }


def unit_withdrawal_words() -> dict[str, str]:
    """Why a home left the market (listings' codes)."""
    return {
        "owner": _("Withdrawn by its owner"),
        "letting_ban": _("Withdrawn: its energy class may no longer be let"),
        "dpe_expired": _("Withdrawn: its energy diagnosis expired"),
        "rules": _("Withdrawn: publishing rules no longer accepted it"),
    }


def with_reason(outcome: str, reason: str) -> str:
    """An outcome and why ("Declined by the owner — The guarantee is not enough")."""
    return _("%(outcome)s — %(reason)s", outcome=outcome, reason=reason)


def decline_words(code: str) -> str:
    """Why an owner declined: the owner's pages' words (the owner's choice, in the first person there, said of the
    owner here)."""
    return _("The owner preferred another proposal") if code == "prefers_another_proposal" else label("decline_reason", code)


def value_words(measure: str, code: str) -> str:
    """A breakdown's coded value in words (a code without words shows as itself)."""
    kind, _sep, reason = code.partition(":")
    if measure == "proposal_outcomes":
        steps = {"proposed": "propose", "accepted": "accept", "expired": "expire"}
        if code in steps:
            return term("placement_step", steps[code])
        if kind == "declined":
            return with_reason(term("placement_step", "decline"), decline_words(reason))
        if kind == "withdrawn":
            return with_reason(term("placement_step", "withdraw"), withdraw_reason_words().get(reason, reason))
        if kind == "fell_through":
            return with_reason(_("Fell through after the owner's acceptance"), fall_through_words().get(reason, reason))
    if measure == "leases_signed":
        return _("Lease type not recorded") if code == "unknown" else term("lease_type", code)
    if measure == "lease_ends":
        return term("lease_end_reason", code)
    if measure == "guarantee_decisions":
        return label("file_status", code)
    if measure == "guarantee_decisions_on_time":
        return {"on_time": _("Decided within the fund's deadline"), "late": _("Decided after the fund's deadline")}.get(code, code)
    if measure == "units":
        if kind == "withdrawn":
            return unit_withdrawal_words().get(reason, code)
        return label("unit_status", code)
    if measure == "let_energy_classes":
        return _("Class %(energy_class)s", energy_class=code)
    return code


def breakdown_titles() -> dict[str, tuple[str, str]]:
    """Each breakdown's caption and the header of its values' column."""
    return {
        "proposal_outcomes": (_("Proposals to owners and what became of them"), _("Outcome")),
        "leases_signed": (_("Leases signed, by type"), _("Type of lease")),
        "lease_ends": (_("Leases ended, by reason"), _("Why the lease ended")),
        "guarantee_decisions": (_("The funds' decisions on guarantee files"), _("Decision")),
        "guarantee_decisions_on_time": (_("Decisions within the fund's deadline"), _("Deadline")),
        "units": (_("Homes offered: published, let and withdrawn"), _("What happened")),
        "let_energy_classes": (_("Homes let, by energy class (DPE)"), _("Energy class")),
    }


def month_words(month: str) -> str:
    """A month as the reader's language writes it (``mars 2026``, ``березень 2026 р.``)."""
    year, number_ = month.split("-")
    return format_skeleton("yMMMM", date(int(year), int(number_), 1), locale=i18n.current())


def shown_count(count: dict[str, Any], threshold: int) -> Markup:
    """A count as shown: the number in the reader's way, or "< 11" (isolated: it reads the same in Arabic)."""
    if count.get("count") is None:
        return hidden_mark(threshold)
    return Markup("<bdi>%s</bdi>") % number(int(count["count"]))


def hidden_mark(threshold: int) -> Markup:
    """The mark of a hidden count, as the service and the CSV write it: "< 11"."""
    return Markup('<bdi dir="ltr" class="abri-hidden-count">&lt; %s</bdi>') % threshold


# --- the report as the page shows it --------------------------------------------------------------------------
@dataclass(frozen=True)
class Row:
    code: str
    words: str
    count: int | None
    shown: Markup


@dataclass(frozen=True)
class Line:
    """A line of a bar's label, at ``y`` (its baseline)."""

    y: int
    text: str


@dataclass(frozen=True)
class Bar:
    """One row of a chart: its label's lines, its bar (none for a hidden count) and its value."""

    lines: list[Line]
    bar_y: int
    bar_x: str
    bar_width: str | None
    value_y: int
    value_x: str
    value_dx: int
    value: str


@dataclass(frozen=True)
class Chart:
    """A horizontal bar chart, its geometry computed here for the SVG attributes (the CSP allows no style)."""

    id: str
    label: str
    height: int
    rtl: bool
    bars: list[Bar]


@dataclass(frozen=True)
class Breakdown:
    measure: str
    caption: str
    header: str
    rows: list[Row]
    chart: Chart | None


@dataclass(frozen=True)
class DurationRow:
    measure: str
    words: str
    journeys: Markup
    quartiles: list[str | None]


@dataclass(frozen=True)
class RunningRow:
    after: str
    leases: Markup
    still_running: Markup
    share: str | None


@dataclass
class Shown:
    """The report as the page shows it."""

    scope: str
    first_month: str
    last_month: str
    threshold: int
    counted: frozenset[str]
    durations: list[DurationRow] = field(default_factory=list)
    breakdowns: dict[str, Breakdown] = field(default_factory=dict)
    running: list[RunningRow] = field(default_factory=list)
    totals: list[tuple[str, Markup]] = field(default_factory=list)
    claims_per_guarantee: str | None = None

    @property
    def months(self) -> str:
        first, last = month_words(self.first_month), month_words(self.last_month)
        if self.first_month == self.last_month:
            return _("Month counted: %(month)s", month=first)
        return _("Months counted: from %(first)s to %(last)s", first=first, last=last)


CHART_LINE = 16
"""A label line's height (the text is 13 px: ``.abri-chart`` in ``web.css``)."""
CHART_BAR = 14
CHART_GAP = 12
CHART_LONGEST_BAR = 72
"""The longest bar, in percent of the chart's width: its value is written after it."""
LABEL_CHARACTERS = 34
"""A label's line at most this long (the chart keeps the screen's width: 13 px letters on a 360 px phone)."""


def wrapped(text: str, width: int = LABEL_CHARACTERS) -> list[str]:
    """``text`` in lines of at most ``width`` characters, cut between words (a longer word keeps its line)."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def chart_of(measure: str, caption: str, rows: list[Row], threshold: int, rtl: bool) -> Chart | None:
    """A breakdown's bars: each row's words over its bar, the bar as long as its count against the largest shown
    (none for a hidden count, whose value is written "< 11"), starting on the side the reading starts."""
    if not rows:
        return None
    largest = max((row.count for row in rows if row.count is not None), default=0)
    bars: list[Bar] = []
    y = 4
    for row in rows:
        lines = [Line(y + CHART_LINE * index + 12, text) for index, text in enumerate(wrapped(row.words))]
        bar_y = y + CHART_LINE * len(lines) + 2
        if row.count is None or largest == 0:
            width = None
            value = f"< {threshold}"
        else:
            share = max(CHART_LONGEST_BAR * row.count / largest, 0.5) if row.count else 0.0
            width = f"{share:.2f}%"
            value = number(row.count)
        end = 0.0 if width is None else float(width[:-1])
        bars.append(
            Bar(
                lines=lines,
                bar_y=bar_y,
                bar_x=f"{100 - end:.2f}%" if rtl else "0",
                bar_width=width,
                value_y=bar_y + 11,
                value_x=f"{100 - end:.2f}%" if rtl else f"{end:.2f}%",
                value_dx=(-6 if rtl else 6) if width and end else 0,
                value=value,
            )
        )
        y = bar_y + CHART_BAR + CHART_GAP
    said = "; ".join(
        _("%(what)s: %(count)s", what=row.words, count=number(row.count) if row.count is not None else hidden_words(threshold))
        for row in rows
    )
    return Chart(
        id=f"chart-{measure.replace('_', '-')}",
        label=_("%(caption)s (bar chart): %(values)s.", caption=caption, values=said),
        height=y,
        rtl=rtl,
        bars=bars,
    )


def hidden_words(threshold: int) -> str:
    return _("fewer than %(threshold)s", threshold=threshold)


def ordered(measure: str, cells: dict[str, Any]) -> list[tuple[str, Any]]:
    """A breakdown's values in the journey's order (the service's, alphabetical, within each kind)."""
    order = ORDER.get(measure)
    if order is None:
        return list(cells.items())

    def rank(code: str) -> int:
        for index, known in enumerate(order):
            if code == known or (known.endswith(":") and code.startswith(known)):
                return index
        return len(order)

    return sorted(cells.items(), key=lambda item: rank(item[0]))


def shown_report(report: dict[str, Any], rtl: bool) -> Shown:
    """The service's report (``ReportOut``) in the reader's words."""
    threshold = int(report.get("threshold") or 11)
    scope = str(report["scope"])
    shown = Shown(scope, str(report["first_month"]), str(report["last_month"]), threshold, COUNTED.get(scope, frozenset()))
    words = duration_words()
    for measure in DURATIONS:
        found = (report.get("durations") or {}).get(measure)
        if found is None or measure not in shown.counted:
            continue
        quartiles = [found.get(name) for name in ("first_quartile_days", "median_days", "third_quartile_days")]
        shown.durations.append(
            DurationRow(
                measure,
                words[measure],
                shown_count(found["journeys"], threshold),
                [None if days is None else ngettext("%(num)d day", "%(num)d days", int(days)) for days in quartiles],
            )
        )
    titles = breakdown_titles()
    for measure, cells in (report.get("breakdowns") or {}).items():
        if measure not in titles or measure not in shown.counted:
            continue
        caption, header = titles[measure]
        rows = [
            Row(code, value_words(measure, code), cell.get("count"), shown_count(cell, threshold)) for code, cell in ordered(measure, cells)
        ]
        shown.breakdowns[measure] = Breakdown(measure, caption, header, rows, chart_of(measure, caption, rows, threshold, rtl))
    for running in report.get("leases_still_running") or []:
        share = running.get("share")
        shown.running.append(
            RunningRow(
                ngettext("%(num)d month", "%(num)d months", int(running["horizon_months"])),
                shown_count(running["leases"], threshold),
                shown_count(running["still_running"], threshold),
                None if share is None else percent(float(share)),
            )
        )
    totals = report.get("totals") or {}
    names = {
        "guarantees_activated": _("Guarantees activated (a lease signed under the fund's visa)"),
        "claims_filed": _("Claims of unpaid rent filed"),
    }
    shown.totals = [(names[name], shown_count(totals[name], threshold)) for name in names if name in totals and name in shown.counted]
    ratio = report.get("claims_per_guarantee")
    shown.claims_per_guarantee = None if ratio is None else number(round(float(ratio), 2))
    return shown


# --- the months asked -----------------------------------------------------------------------------------------
def this_month() -> str:
    today = datetime.now(PARIS).date()
    return f"{today.year:04d}-{today.month:02d}"


def month_shifted(month: str, months: int) -> str:
    year, number_ = divmod(int(month[:4]) * 12 + int(month[5:]) - 1 + months, 12)
    return f"{year:04d}-{number_ + 1:02d}"


def span(first: str, last: str) -> int:
    return (int(last[:4]) * 12 + int(last[5:])) - (int(first[:4]) * 12 + int(first[5:]))


@dataclass
class Asked:
    """The filter's fields as typed (shown back in the form) and the months to ask for, once they are right."""

    values: dict[str, str]
    errors: forms.FieldErrors
    first: str = ""
    last: str = ""


def asked_in(request: Request) -> Asked:
    """The months (and the département) of the address: each month ``YYYY-MM``; without the first, the twelve months
    up to the last; without the last, up to this month; at most 120 months, the first before the last."""
    query = request.query_params
    values = {name: str(query.get(name) or "").strip()[:40] for name in ("from", "to", "departement")}
    errors = forms.FieldErrors()
    example = this_month()
    for name in ("from", "to"):
        if values[name] and not MONTH.match(values[name]):
            errors.add(name, _("Write a month as %(pattern)s, for example %(example)s.", pattern=_("YYYY-MM"), example=example))
    asked = Asked(values, errors)
    if errors:
        return asked
    last = values["to"] or (example if not values["from"] else max(example, values["from"]))
    first = values["from"] or month_shifted(last, 1 - DEFAULT_MONTHS)
    if span(first, last) < 0:
        errors.add("from", _("The first month comes after the last one: swap them."))
    elif span(first, last) >= MOST_MONTHS:
        errors.add("from", _("At most %(months)s months at once: choose a shorter range.", months=MOST_MONTHS))
    else:
        asked.first, asked.last = first, last
        values["from"], values["to"] = first, last  # the form shows the months the figures are of
    return asked


def refused(exc: ApiError, asked: Asked) -> None:
    """The service's refusal of the months or the département (422), next to its field."""
    if exc.status != 422:
        raise exc
    for item in exc.errors or [{"field": "from"}]:
        name = str(item.get("field") or "from")
        if name == "code":
            asked.errors.add("departement", _("Choose the département in the list."))
        else:
            asked.errors.add(name if name in ("from", "to") else "from", _("These months cannot be shown: check them."))


def months_query(asked: Asked, **more: str) -> str:
    return urlencode({"from": asked.first, "to": asked.last, **more})


def departement_options() -> list[tuple[str, str]]:
    """The départements by name, each with its code ("Hérault (34)")."""
    names = sorted(DEPARTEMENTS.items(), key=lambda item: fold(item[1]))
    return [(code, f"{name} ({code})") for code, name in names]


def render(page: Visit, status: int, **context: Any) -> HTMLResponse:
    return page.render("insights/report.html", status=status, hidden_mark=hidden_mark, **context)


async def limited(page: Visit) -> None:
    """An anonymous visitor's page counts against the public API's limit per address (the service's figures are
    open data: its routes are limited per address at the gateway, and so is this page)."""
    if page.caller is not None:
        return
    client = page.request.client
    retry = await page.site.api.proxy.public_limits.hit(client.host if client else "-")
    if retry is not None:
        raise PageError(429, _("Too many requests in a short time: try again in a minute."))


# --- the pages ------------------------------------------------------------------------------------------------
@router.get("/insights", response_class=HTMLResponse, summary="Abri in figures: the whole platform's or a département's (public)")
async def public_insights(request: Request, page: Anyone) -> HTMLResponse:
    asked = asked_in(request)
    code = asked.values["departement"].upper()
    if code and code not in DEPARTEMENTS:
        asked.errors.add("departement", _("Choose the département in the list."))
    asked.values["departement"] = code
    report = None
    path = f"/v1/public/insights/departements/{quote(code, safe='')}" if code else "/v1/public/insights/platform"
    if not asked.errors:
        await limited(page)
        try:
            report = (await page.site.api.public("insights", "GET", path, params={"from": asked.first, "to": asked.last})).body
        except ApiError as exc:
            refused(exc, asked)
    shown = shown_report(report, page.direction == "rtl") if report else None
    api = f"/api/insights{path}" if report else ""
    named = f"{departement_name(code)} ({code})"
    return render(
        page,
        422 if asked.errors else 200,
        title=_("Abri in figures"),
        subject=_("Département: %(name)s", name=named) if code in DEPARTEMENTS else _("The whole platform"),
        action="/insights",
        asked=asked,
        departements=departement_options(),
        shown=shown,
        downloads={"csv": f"{api}?{months_query(asked, form='csv')}", "json": f"{api}?{months_query(asked)}"} if report else None,
    )


async def organisation_report(request: Request, page: Visit, kind: str, path: str, title: str) -> HTMLResponse:
    """A member's page: their own organisation's report (the service answers 404 for any other)."""
    org_id = page.signed().principal.org_id
    if not org_id:
        raise PageError(404, _("This page does not exist, or it is not yours."))
    asked = asked_in(request)
    report = None
    if not asked.errors:
        try:
            report = await page.api(
                "GET", "insights", f"/v1/insights/{kind}/{quote(org_id, safe='')}", params={"from": asked.first, "to": asked.last}
            )
        except ApiError as exc:
            refused(exc, asked)
    shown = shown_report(report, page.direction == "rtl") if report else None
    name = page.site.organisations.name(org_id)
    return render(
        page,
        422 if asked.errors else 200,
        title=title,
        subject=bdi(name) if name else None,  # its name, when the deployment gave one (never its id)
        action=path,
        asked=asked,
        departements=None,
        shown=shown,
        downloads={
            "csv": f"{path}/download?{months_query(asked, form='csv')}",
            "json": f"{path}/download?{months_query(asked, form='json')}",
        }
        if report
        else None,
    )


async def organisation_download(request: Request, page: Visit, kind: str, form: str) -> StreamingResponse:
    """The member's report as the service writes it (its open-data CSV, or its JSON), streamed as an attachment."""
    org_id = page.signed().principal.org_id
    if not org_id:
        raise PageError(404, _("This page does not exist, or it is not yours."))
    asked = asked_in(request)
    if asked.errors:
        raise PageError(422, next(iter(asked.errors.values())))
    params = {"from": asked.first, "to": asked.last, "form": form}
    response = await page.download("insights", f"/v1/insights/{kind}/{quote(org_id, safe='')}", **params)
    if form == "json":
        scope = "association" if kind == "associations" else "fund"
        name = re.sub(r"[^A-Za-z0-9._-]", "-", f"abri-insights-{scope}-{org_id}-{asked.first}-{asked.last}.json")
        response.headers["content-disposition"] = f'attachment; filename="{name}"'
    return response


@router.get("/association/insights", response_class=HTMLResponse, summary="My association in figures (its social workers)")
async def association_insights(request: Request, page: Worker) -> HTMLResponse:
    return await organisation_report(request, page, "associations", "/association/insights", _("My association in figures"))


@router.get("/association/insights/download", summary="My association's figures as CSV (open data) or JSON")
async def association_download(request: Request, page: Worker, form: Form = "csv") -> StreamingResponse:
    return await organisation_download(request, page, "associations", form)


@router.get("/fund/insights", response_class=HTMLResponse, summary="My fund in figures (its agents)")
async def fund_insights(request: Request, page: Agent) -> HTMLResponse:
    return await organisation_report(request, page, "funds", "/fund/insights", _("My fund in figures"))


@router.get("/fund/insights/download", summary="My fund's figures as CSV (open data) or JSON")
async def fund_download(request: Request, page: Agent, form: Form = "csv") -> StreamingResponse:
    return await organisation_download(request, page, "funds", form)
