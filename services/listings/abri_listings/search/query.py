"""The search statement: published units only, the filters, one stable sort order, a keyset page.

Every sort order ends with the unit id, so that rows with equal keys keep one order between pages and
a page never repeats or skips a unit. Distance is the haversine great-circle distance, computed in SQL
after a bounding-box filter that the ``(latitude, longitude)`` index serves.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from abri_listings.db.models import Unit
from abri_listings.domain.lifecycle import UnitStatus
from abri_listings.search.cursor import Cursor, CursorError

EARTH_RADIUS_KM = 6371.0088
"""Mean Earth radius (IUGG), for the haversine distance."""
KM_PER_DEGREE_LATITUDE = 111.2

SortOrder = Literal["available_from", "total_cost", "distance", "newest"]


@dataclass(frozen=True)
class Near:
    """A point and a radius."""

    latitude: float
    longitude: float
    radius_km: float


@dataclass(frozen=True)
class Filters:
    """What a search asks for; every field left ``None`` (or empty) does not filter."""

    communes: tuple[str, ...] = ()
    departements: tuple[str, ...] = ()
    near: Near | None = None
    max_total_cents: int | None = None
    min_rooms: int | None = None
    min_area_m2: float | None = None
    accessibility: tuple[str, ...] = ()
    schemes: tuple[str, ...] = ()
    available_by: date | None = None


def distance_km(near: Near) -> ColumnElement[float]:
    """Haversine distance from ``near`` to the unit, in km."""
    lat, lon = sa.func.radians(Unit.latitude), sa.func.radians(Unit.longitude)
    lat0, lon0 = math.radians(near.latitude), math.radians(near.longitude)
    half_chord = sa.func.power(sa.func.sin((lat - lat0) / 2), 2) + math.cos(lat0) * sa.func.cos(lat) * sa.func.power(
        sa.func.sin((lon - lon0) / 2), 2
    )
    return 2 * EARTH_RADIUS_KM * sa.func.asin(sa.func.sqrt(sa.func.least(1.0, half_chord)))


def bounding_box(near: Near) -> list[ColumnElement[bool]]:
    """A box that holds the circle (cheap, indexed); the exact distance filters after it."""
    dlat = near.radius_km / KM_PER_DEGREE_LATITUDE
    cos_lat = max(math.cos(math.radians(near.latitude)), 0.01)
    dlon = min(near.radius_km / (KM_PER_DEGREE_LATITUDE * cos_lat), 180.0)
    return [
        Unit.latitude.between(near.latitude - dlat, near.latitude + dlat),
        Unit.longitude.between(near.longitude - dlon, near.longitude + dlon),
    ]


def conditions(filters: Filters, distance: ColumnElement[float] | None) -> list[ColumnElement[bool]]:
    """The WHERE clauses: published, then each filter given."""
    where: list[ColumnElement[bool]] = [Unit.status == UnitStatus.PUBLISHED.value]
    if filters.communes:
        where.append(Unit.insee_code.in_(filters.communes))
    if filters.departements:
        where.append(Unit.departement.in_(filters.departements))
    if filters.near is not None and distance is not None:
        where += [*bounding_box(filters.near), distance <= filters.near.radius_km]
    if filters.max_total_cents is not None:
        where.append(Unit.total_cents <= filters.max_total_cents)
    if filters.min_rooms is not None:
        where.append(Unit.rooms >= filters.min_rooms)
    if filters.min_area_m2 is not None:
        where.append(Unit.living_area_m2 >= filters.min_area_m2)
    if filters.accessibility:
        where.append(Unit.accessibility.contains(list(filters.accessibility)))  # has every feature asked
    if filters.schemes:
        where.append(Unit.schemes.overlap(list(filters.schemes)))  # accepts one of the schemes asked
    if filters.available_by is not None:
        where.append(Unit.available_from <= filters.available_by)
    return where


def sort_key(sort: SortOrder, distance: ColumnElement[float] | None) -> ColumnElement[Any]:
    keys: dict[str, ColumnElement[Any]] = {
        "available_from": Unit.available_from.expression,
        "total_cost": Unit.total_cents.expression,
        "newest": Unit.published_at.expression,
    }
    if sort == "distance":
        if distance is None:
            raise ValueError("sorting by distance needs a point")
        return distance
    return keys[sort]


def key_of(sort: SortOrder, value: Any) -> Any:
    """A sort key as a cursor holds it (JSON)."""
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def key_from(sort: SortOrder, value: Any) -> Any:
    """A sort key read back from a cursor."""
    try:
        if sort == "available_from":
            return date.fromisoformat(value)
        if sort == "newest":
            return datetime.fromisoformat(value)
        if sort == "total_cost" and isinstance(value, int) and not isinstance(value, bool):
            return value
        if sort == "distance" and isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    except (TypeError, ValueError) as exc:
        raise CursorError("the cursor's position is damaged: start the search again without it") from exc
    raise CursorError("the cursor's position is damaged: start the search again without it")


COLUMNS = (
    Unit.id,
    Unit.version,
    Unit.postal_code,
    Unit.commune,
    Unit.insee_code,
    Unit.departement,
    Unit.latitude,
    Unit.longitude,
    Unit.kind,
    Unit.rooms,
    Unit.living_area_m2,
    Unit.ceiling_height_m,
    Unit.floor,
    Unit.elevator,
    Unit.accessibility,
    Unit.furnished,
    Unit.rent_cents,
    Unit.charges_cents,
    Unit.total_cents,
    Unit.deposit_cents,
    Unit.energy_class,
    Unit.schemes,
    Unit.available_from,
    Unit.minimum_duration_months,
    Unit.description,
    Unit.published_at,
)
"""What a search shows: the unit's non-personal facts (no street, no owner)."""


def search_statement(filters: Filters, sort: SortOrder, limit: int, after: Cursor | None) -> sa.Select[Any]:
    """One page (``limit`` + 1 rows, to know whether another page follows) after ``after``."""
    distance = distance_km(filters.near) if filters.near is not None else None
    key = sort_key(sort, distance)
    columns: list[Any] = [*COLUMNS, (distance if distance is not None else sa.null()).label("distance_km"), key.label("sort_key")]
    statement = sa.select(*columns).where(*conditions(filters, distance))
    descending = sort == "newest"
    if after is not None:
        position = sa.tuple_(key, Unit.id)
        bound = sa.tuple_(sa.literal(key_from(sort, after.key)), sa.literal(after.last_id, sa.Uuid))
        statement = statement.where(position < bound if descending else position > bound)
    order = [key.desc(), Unit.id.desc()] if descending else [key.asc(), Unit.id.asc()]
    return statement.order_by(*order).limit(limit + 1)


def next_cursor(sort: SortOrder, last: Any) -> Cursor:
    """The cursor after the row ``last`` of a page."""
    return Cursor(sort=sort, key=key_of(sort, last.sort_key), last_id=uuid.UUID(str(last.id)))
