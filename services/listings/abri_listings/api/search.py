"""Search of published units, for social workers (and ops): filters, a stable sort, cursor pages.

The one read across owners: it shows only published units, and only their non-personal facts (no
street, no owner). The street is given to the parties of an accepted placement, not to searchers.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import to_json

from abri_auth.dependencies import require_roles
from abri_auth.principal import Principal
from abri_contracts.listings import SCHEME_COUNT, LettingScheme
from abri_listings.api.schemas import Accessibility, SearchHit, SearchPage
from abri_listings.search.cursor import digest
from abri_listings.search.query import Filters, HomeKind, Near, SortOrder
from abri_listings.search.reader import SearchReader
from abri_listings.usecases import search

router = APIRouter(prefix="/v1/search", tags=["search"])
Searcher = Annotated[Principal, Depends(require_roles("social_worker", "ops"))]
MIN_RADIUS_KM = 0.1  # 100 m: below that a radius only says "this address" (and 5e-324 broke the arithmetic)
MAX_RADIUS_KM = 200.0
HIT_FIELDS = tuple(SearchHit.model_fields)


class SearchParams(BaseModel):
    """The query string of a search; unknown parameters are refused (422), so a typo never widens it."""

    model_config = ConfigDict(extra="forbid")

    commune: list[Annotated[str, Field(pattern=r"^[0-9][0-9AB][0-9]{3}$")]] = Field(
        default_factory=list, max_length=50, description="INSEE code of a commune (repeat for several)."
    )
    departement: list[Annotated[str, Field(pattern=r"^(\d{2,3}|2A|2B)$")]] = Field(
        default_factory=list, max_length=20, description="Département code (repeat for several)."
    )
    lat: float | None = Field(default=None, ge=-90, le=90, description="Latitude of the point (with lon and radius_km).")
    lon: float | None = Field(default=None, ge=-180, le=180, description="Longitude of the point.")
    radius_km: float | None = Field(default=None, ge=MIN_RADIUS_KM, le=MAX_RADIUS_KM, description="Radius around the point, in km.")
    max_total_cents: int | None = Field(
        default=None, ge=0, le=100_000_00, description="Maximum rent plus charges per month, in euro cents."
    )
    min_rooms: int | None = Field(default=None, ge=1, le=20)
    min_area_m2: float | None = Field(default=None, ge=1, le=1000)
    accessibility: list[Accessibility] = Field(default_factory=list, max_length=10, description="Features the unit must all have.")
    scheme: list[LettingScheme] = Field(
        default_factory=list, max_length=SCHEME_COUNT, description="Schemes; the unit accepts at least one."
    )
    available_by: date | None = Field(default=None, description="The unit is available on or before this date.")
    home: HomeKind = Field(default="any", description="whole: whole homes only; room: rooms of shared homes only; any: both.")
    smoke_free: bool = Field(default=False, description="A room only in a smoke-free shared home (whole homes are not concerned).")
    quiet_hours: bool = Field(default=False, description="A room only in a shared home with quiet hours (whole homes are not concerned).")
    sort: SortOrder = Field(default="available_from", description="available_from, total_cost, distance (needs a point), newest.")
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = Field(default=None, max_length=500, description="next_cursor of the previous page.")

    @model_validator(mode="after")
    def _point_and_sort(self) -> SearchParams:
        given = [value is not None for value in (self.lat, self.lon, self.radius_km)]
        if any(given) and not all(given):
            raise ValueError("lat, lon and radius_km go together")
        if self.sort == "distance" and not all(given):
            raise ValueError("sort=distance needs lat, lon and radius_km")
        return self

    def filters(self) -> Filters:
        near = Near(self.lat, self.lon, self.radius_km) if self.lat is not None and self.lon is not None and self.radius_km else None
        return Filters(
            communes=tuple(self.commune),
            departements=tuple(self.departement),
            near=near,
            max_total_cents=self.max_total_cents,
            min_rooms=self.min_rooms,
            min_area_m2=self.min_area_m2,
            accessibility=tuple(self.accessibility),
            schemes=tuple(self.scheme),
            available_by=self.available_by,
            home=self.home,
            smoke_free=self.smoke_free,
            quiet_hours=self.quiet_hours,
        )

    def search_digest(self) -> str:
        """What a cursor is tied to: every parameter but the page size and the cursor itself."""
        return digest(self.model_dump(mode="json", exclude={"limit", "cursor"}))


@router.get(
    "/units",
    summary="Search published units (social workers, ops): filters, a stable sort, cursor pagination",
    response_model=None,
    responses={200: {"model": SearchPage}, 400: {"description": "The cursor is damaged or belongs to another search"}},
)
async def search_units(params: Annotated[SearchParams, Query()], _: Searcher, request: Request) -> Response:
    reader: SearchReader = request.app.state.search_reader
    page, next_cursor = await search.search_units(
        reader, params.filters(), params.sort, params.limit, params.cursor, params.search_digest()
    )
    # Our own rows, not validated again: serialized as SearchPage would serialize them (pydantic's own encoder,
    # the same JSON byte for byte), without building a model per hit (a quarter of the request's Python).
    items = [{name: row[name] for name in HIT_FIELDS} for row in page]
    return Response(to_json({"items": items, "next_cursor": next_cursor}), media_type="application/json")
