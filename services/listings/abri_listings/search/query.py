"""The search statement: published units only, the filters, one stable sort order, a keyset page.

Every sort order ends with the unit id, so that rows with equal keys keep one order between pages and
a page never repeats or skips a unit. Distance is the haversine great-circle distance, computed in SQL
after a bounding-box filter that the ``(public_latitude, public_longitude)`` index serves.

A search shows, filters and sorts on the unit's position snapped to the policy's grid (about 200 m,
``domain/position.py``), never on the exact one: probing with radii or sorting tells no more than the
cell. The snapped position is stored with the unit (``public_latitude``, ``public_longitude``), so that
a search reads it as it is rather than snapping every row it reads.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import asyncpg as asyncpg_dialect
from sqlalchemy.sql.elements import ColumnElement

from abri_kit.communes import EARTH_RADIUS_KM
from abri_listings.db.models import SharedHome, Unit
from abri_listings.domain.lifecycle import UnitStatus
from abri_listings.search.cursor import Cursor, CursorError

BOX_MARGIN_DEG = 1e-6
"""What the bounding box adds on each side (about 0.1 m), so that rounding never leaves out a unit on the circle."""

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
    home: HomeKind = "any"
    """Whole homes only, rooms of shared homes only, or both."""
    smoke_free: bool = False
    """A room only in a smoke-free shared home (whole homes are not concerned)."""
    quiet_hours: bool = False
    """A room only in a shared home with quiet hours (whole homes are not concerned)."""


HomeKind = Literal["any", "whole", "room"]


@dataclass(frozen=True)
class Shape:
    """Which filters a search uses, its sort and whether it continues a page: one compiled statement each."""

    communes: bool
    departements: bool
    near: bool
    max_total: bool
    min_rooms: bool
    min_area: bool
    accessibility: bool
    schemes: bool
    available_by: bool
    home: HomeKind
    smoke_free: bool
    quiet_hours: bool
    sort: SortOrder
    after: bool
    grid_deg: float
    """The policy's grid: only rows snapped to it are read (written into the statement: one per process)."""

    @classmethod
    def of(cls, filters: Filters, sort: SortOrder, after: Cursor | None, grid_deg: float) -> Shape:
        return cls(
            communes=bool(filters.communes),
            departements=bool(filters.departements),
            near=filters.near is not None,
            max_total=filters.max_total_cents is not None,
            min_rooms=filters.min_rooms is not None,
            min_area=filters.min_area_m2 is not None,
            accessibility=bool(filters.accessibility),
            schemes=bool(filters.schemes),
            available_by=filters.available_by is not None,
            home=filters.home,
            smoke_free=filters.smoke_free,
            quiet_hours=filters.quiet_hours,
            sort=sort,
            after=after is not None,
            grid_deg=grid_deg,
        )


def _bind(name: str, type_: Any) -> Any:
    return sa.bindparam(name, None, type_=type_)  # valued per request by search_sql


def distance_km() -> ColumnElement[float]:
    """Haversine distance from the point searched around (bound as radians and its cosine) to the unit's
    snapped position, in km."""
    lat, lon = sa.func.radians(Unit.public_latitude), sa.func.radians(Unit.public_longitude)
    lat0, lon0, cos_lat0 = _bind("lat0", sa.Float), _bind("lon0", sa.Float), _bind("cos_lat0", sa.Float)
    half_chord = sa.func.power(sa.func.sin((lat - lat0) / 2), 2) + cos_lat0 * sa.func.cos(lat) * sa.func.power(
        sa.func.sin((lon - lon0) / 2), 2
    )
    return 2 * EARTH_RADIUS_KM * sa.func.asin(sa.func.sqrt(sa.func.least(1.0, half_chord)))


def bounding_box(near: Near) -> dict[str, float]:
    """The smallest latitude-longitude box that holds the circle on the sphere the distance uses (cheap,
    indexed, on the snapped positions), widened by :data:`BOX_MARGIN_DEG` against rounding; the distance
    filters after it. A circle that reaches a pole or crosses the 180th meridian takes every longitude."""
    angle = near.radius_km / EARTH_RADIUS_KM
    dlat = math.degrees(angle) + BOX_MARGIN_DEG
    reach = math.sin(angle) / max(math.cos(math.radians(near.latitude)), 1e-12)
    dlon = 180.0 if abs(near.latitude) + dlat >= 90.0 or reach >= 1.0 else math.degrees(math.asin(reach)) + BOX_MARGIN_DEG
    if near.longitude - dlon < -180.0 or near.longitude + dlon > 180.0:
        dlon = 360.0  # with the centre anywhere in [-180, 180], the box then spans every longitude
    return {
        "lat_min": near.latitude - dlat,
        "lat_max": near.latitude + dlat,
        "lon_min": near.longitude - dlon,
        "lon_max": near.longitude + dlon,
    }


SORT_KEYS: dict[str, tuple[Any, Any]] = {
    "available_from": (Unit.available_from, sa.Date),
    "total_cost": (Unit.total_cents, sa.Integer),
    "newest": (Unit.published_at, sa.DateTime(timezone=True)),
}


def statement_for(shape: Shape) -> sa.Select[Any]:
    """The search statement of a shape, every value a bound parameter. The status is written as a
    literal so that PostgreSQL's generic plan can still use the partial indexes on published units."""
    distance = distance_km() if shape.near else None
    where: list[ColumnElement[bool]] = [
        Unit.status == sa.literal_column(f"'{UnitStatus.PUBLISHED.value}'"),
        # on the policy's grid: never a finer one (a row not yet snapped again after the grid changed) nor none
        Unit.position_grid_deg == sa.literal_column(f"{float(shape.grid_deg)!r}::float8"),
    ]
    if shape.communes:
        where.append(Unit.insee_code == sa.any_(_bind("communes", ARRAY(sa.String))))
    if shape.departements:
        where.append(Unit.departement == sa.any_(_bind("departements", ARRAY(sa.String))))
    if distance is not None:
        where += [
            Unit.public_latitude.between(_bind("lat_min", sa.Float), _bind("lat_max", sa.Float)),
            Unit.public_longitude.between(_bind("lon_min", sa.Float), _bind("lon_max", sa.Float)),
            distance <= _bind("radius_km", sa.Float),
        ]
    if shape.max_total:
        where.append(Unit.total_cents <= _bind("max_total_cents", sa.Integer))
    if shape.min_rooms:
        where.append(Unit.rooms >= _bind("min_rooms", sa.Integer))
    if shape.min_area:
        where.append(Unit.living_area_m2 >= _bind("min_area_m2", sa.Float))
    if shape.accessibility:
        where.append(Unit.accessibility.contains(_bind("accessibility", ARRAY(sa.String(50)))))  # has every feature asked
    if shape.schemes:
        where.append(Unit.schemes.overlap(_bind("schemes", ARRAY(sa.String(40)))))  # accepts one of the schemes asked
    if shape.available_by:
        where.append(Unit.available_from <= _bind("available_by", sa.Date))
    if shape.home == "whole":
        where.append(Unit.home_id.is_(None))
    elif shape.home == "room":
        where.append(Unit.home_id.is_not(None))
    for rule, wanted in (("smoke_free", shape.smoke_free), ("quiet_hours", shape.quiet_hours)):
        if wanted:  # a house rule binds only a room's shared home: a whole home is its household's own
            where.append(Unit.home_id.is_(None) | sa.exists().where(SharedHome.id == Unit.home_id, HOUSE_RULES[rule]))
    key: Any
    key_type: Any
    if shape.sort == "distance":
        if distance is None:
            raise ValueError("sorting by distance needs a point")
        key, key_type = distance, sa.Float
    else:
        key, key_type = SORT_KEYS[shape.sort]
    descending = shape.sort == "newest"
    hits = sa.select(Unit.id.label("id"), (distance if distance is not None else sa.null()).label("distance_km"), key.label("sort_key"))
    hits = hits.where(*where)
    if shape.after:
        position = sa.tuple_(key, Unit.id)
        bound = sa.tuple_(_bind("after_key", key_type), _bind("after_id", sa.Uuid))
        hits = hits.where(position < bound if descending else position > bound)
    order = [key.desc(), Unit.id.desc()] if descending else [key.asc(), Unit.id.asc()]
    page = hits.order_by(*order).limit(_bind("page_rows", sa.Integer)).subquery("page")
    # The page's units are chosen from the covering index alone (every column above is in it: an index-only
    # scan), then only those rows are read from the table for what a hit shows.
    outer = [page.c.sort_key.desc(), page.c.id.desc()] if descending else [page.c.sort_key.asc(), page.c.id.asc()]
    shown: list[Any] = [*COLUMNS, page.c.distance_km, page.c.sort_key]
    return sa.select(*shown).select_from(page.join(Unit.__table__, Unit.id == page.c.id)).order_by(*outer)


@lru_cache(maxsize=256)
def compiled_for(shape: Shape) -> tuple[str, tuple[str, ...], dict[str, Any]]:
    """The SQL text of a shape for asyncpg (``$1``...), the names of its parameters in order, and the
    values of the constants SQLAlchemy bound itself (``2 * R``, ``/ 2``...)."""
    compiled = statement_for(shape).compile(dialect=asyncpg_dialect.dialect())  # type: ignore[no-untyped-call]
    return compiled.string, tuple(compiled.positiontup or ()), dict(compiled.construct_params())


def search_sql(filters: Filters, sort: SortOrder, limit: int, after: Cursor | None, grid_deg: float) -> tuple[str, list[Any]]:
    """The SQL text and arguments of one page (``limit`` + 1 rows, to know whether another follows), of the
    units snapped to ``grid_deg``."""
    shape = Shape.of(filters, sort, after, grid_deg)
    sql, names, constants = compiled_for(shape)
    values: dict[str, Any] = {
        **constants,
        "communes": list(filters.communes),
        "departements": list(filters.departements),
        "max_total_cents": filters.max_total_cents,
        "min_rooms": filters.min_rooms,
        "min_area_m2": filters.min_area_m2,
        "accessibility": list(filters.accessibility),
        "schemes": list(filters.schemes),
        "available_by": filters.available_by,
        "page_rows": limit + 1,
    }
    if filters.near is not None:
        values |= bounding_box(filters.near) | {
            "lat0": math.radians(filters.near.latitude),
            "lon0": math.radians(filters.near.longitude),
            "cos_lat0": math.cos(math.radians(filters.near.latitude)),
            "radius_km": filters.near.radius_km,
        }
    if after is not None:
        values |= {"after_key": key_from(sort, after.key), "after_id": after.last_id}
    return sql, [values[name] for name in names]


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
    Unit.public_latitude.label("latitude"),
    Unit.public_longitude.label("longitude"),
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
    Unit.energy_cost_cents,
    Unit.schemes,
    Unit.available_from,
    Unit.minimum_duration_months,
    Unit.description,
    Unit.published_at,
    Unit.home_id,
    Unit.occupants_max,
    sa.select(
        sa.func.jsonb_build_object(
            *(part for name in ("lease_form", "kind", "rooms", "living_area_m2", "spaces", "smoke_free", "quiet_hours")
              for part in (sa.literal(name), SharedHome.facts[name]))
        )
    )
    .where(SharedHome.id == Unit.home_id)
    .scalar_subquery()
    .label("shared_home"),
)  # fmt: skip
"""What a search shows: the unit's non-personal facts (no street, no owner, the position snapped), and a room's
shared home (its whole-home facts, lease form and house rules; null for a whole home)."""

HOUSE_RULES: dict[str, ColumnElement[bool]] = {
    "smoke_free": SharedHome.facts["smoke_free"].as_boolean(),
    "quiet_hours": sa.func.jsonb_typeof(SharedHome.facts["quiet_hours"]) == "object",
}
"""The house rules a search filters on, read from a shared home's facts."""


def next_cursor(sort: SortOrder, last: Any) -> Cursor:
    """The cursor after the row ``last`` of a page."""
    return Cursor(sort=sort, key=key_of(sort, last["sort_key"]), last_id=uuid.UUID(str(last["id"])))
