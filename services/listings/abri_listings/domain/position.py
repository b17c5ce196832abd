"""Where a unit is, as others than its owner see it: on a grid of about 200 m.

A unit's exact position (to a few metres, like its street) tells where its owner's property is, and, once
let, where a household lives. Everyone but the owner (their own unit's views) and, after the owner
accepted a placement, the association that carries it (``GET /v1/units/{id}/location``) sees the
position snapped to the centre of a grid cell of ``grid_deg`` degrees (``ListingsPolicy.position_grid_deg``,
default 0.002°: 222 m north-south everywhere, 157 m east-west at 45° N). That is enough to rank by
distance (matching counts in kilometres) and to show a neighbourhood on a map, not a building: a cell
holds dozens of buildings in a town. The snap is deterministic, so that repeated events or searches never
average out to the exact point, and the search filters and sorts on the snapped position too, so that
probing with radii reveals no more than the cell.
"""

from __future__ import annotations

import math

DECIMALS = 6
"""Digits kept after snapping (the grid's multiples need at most this many; it hides float noise)."""


def snap(coordinate: float, grid_deg: float) -> float:
    """``coordinate`` moved to the nearest multiple of ``grid_deg`` (halves away from minus infinity,
    as migration 0010's SQL does: ``floor(x / grid + 0.5) * grid``)."""
    if grid_deg <= 0:
        return coordinate
    return round(math.floor(coordinate / grid_deg + 0.5) * grid_deg, DECIMALS)


def public_position(latitude: float, longitude: float, grid_deg: float) -> tuple[float, float]:
    """The position everyone else sees (a longitude snapped past 180° wraps to -180°)."""
    lon = snap(longitude, grid_deg)
    return snap(latitude, grid_deg), (lon - 360.0 if lon > 180.0 else lon)


def public_position_of(latitude: float, longitude: float, grid_deg: float) -> dict[str, float]:
    """The stored columns of the position everyone else sees (``public_latitude``, ``public_longitude``) and
    the grid they were snapped to: what the search reads."""
    public_latitude, public_longitude = public_position(latitude, longitude, grid_deg)
    return {"public_latitude": public_latitude, "public_longitude": public_longitude, "position_grid_deg": grid_deg}
