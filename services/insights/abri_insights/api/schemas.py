"""The shapes of the insights API: a scope's report, every count as shown (a number, or hidden under the
threshold), in an open-data shape (one record per measure and value in the CSV)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from abri_insights.domain.suppression import Cell, suppress_total
from abri_insights.usecases.report import Report

HIDDEN = "Hidden: fewer than the threshold (a count this small could point at a household)."


class CountOut(BaseModel):
    count: int | None = Field(description=f"The count; null when {HIDDEN.lower()}")
    shown: str = Field(description="As the pages show it: the number, or `< 11`.")

    @classmethod
    def of(cls, cell: Cell) -> CountOut:
        return cls(count=cell.value, shown=cell.shown)


class DurationOut(BaseModel):
    journeys: CountOut
    first_quartile_days: int | None = Field(description="Null under the threshold of journeys.")
    median_days: int | None
    third_quartile_days: int | None


class RunningOut(BaseModel):
    horizon_months: int
    leases: CountOut = Field(description="The leases begun in the range whose every lease has reached the horizon.")
    still_running: CountOut
    share: float | None = Field(description="Null when the leases still running or those ended are under the threshold.")


class ReportOut(BaseModel):
    scope: str = Field(description="`platform`, `association`, `fund` or `departement`.")
    scope_id: str = Field(description="The association's or fund's organisation id, the département's code; empty for the platform.")
    first_month: str
    last_month: str
    threshold: int = Field(description="Counts under it are hidden (and one more where a total would reveal it).")
    durations: dict[str, DurationOut] = Field(description="Whole days, by measure (`registration_to_proposal_days`...).")
    breakdowns: dict[str, dict[str, CountOut]] = Field(description="Counts by coded value, by measure (`proposal_outcomes`...).")
    totals: dict[str, CountOut]
    claims_per_guarantee: float | None = Field(description="Claims filed per guarantee activated; null when either count is hidden.")
    leases_still_running: list[RunningOut] = Field(description="After 6, 12 and 24 months, the leases begun in the range.")

    @classmethod
    def of(cls, report: Report) -> ReportOut:
        return cls(
            scope=report.scope,
            scope_id=report.scope_id,
            first_month=report.first_month,
            last_month=report.last_month,
            threshold=report.threshold,
            durations={
                name: DurationOut(
                    journeys=CountOut.of(suppress_total(d.count)),
                    first_quartile_days=d.first_quartile,
                    median_days=d.median,
                    third_quartile_days=d.third_quartile,
                )
                for name, d in report.durations.items()
            },
            breakdowns={name: {value: CountOut.of(cell) for value, cell in cells.items()} for name, cells in report.breakdowns.items()},
            totals={name: CountOut.of(cell) for name, cell in report.totals.items()},
            claims_per_guarantee=report.claims_per_guarantee,
            leases_still_running=[
                RunningOut(
                    horizon_months=r.horizon_months,
                    leases=CountOut.of(suppress_total(r.leases)),
                    still_running=CountOut.of(suppress_total(r.running)),
                    share=r.share,
                )
                for r in report.still_running
            ],
        )


CSV_COLUMNS = ("scope", "scope_id", "first_month", "last_month", "measure", "value", "count")


def csv_records(report: ReportOut) -> list[dict[str, str]]:
    """The report as open-data records: one per measure and value (a duration's journeys and quartiles as values)."""
    base = {"scope": report.scope, "scope_id": report.scope_id, "first_month": report.first_month, "last_month": report.last_month}
    records = []
    for name, d in report.durations.items():
        records.append({**base, "measure": name, "value": "journeys", "count": d.journeys.shown})
        for statistic in ("first_quartile_days", "median_days", "third_quartile_days"):
            found = getattr(d, statistic)
            records.append({**base, "measure": name, "value": statistic, "count": "" if found is None else str(found)})
    for name, cells in report.breakdowns.items():
        records += [{**base, "measure": name, "value": value, "count": cell.shown} for value, cell in cells.items()]
    records += [{**base, "measure": name, "value": "total", "count": cell.shown} for name, cell in report.totals.items()]
    for r in report.leases_still_running:
        measure = f"leases_still_running_{r.horizon_months}_months"
        records += [
            {**base, "measure": measure, "value": "leases", "count": r.leases.shown},
            {**base, "measure": measure, "value": "still_running", "count": r.still_running.shown},
            {**base, "measure": measure, "value": "share", "count": "" if r.share is None else f"{r.share:.3f}"},
        ]
    return records
