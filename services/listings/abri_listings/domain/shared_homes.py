"""Shared homes let room by room (loi 89-462, art. 8-1, "colocation"): what the rules look at about the home a
room belongs to, and the rules that judge a room with its home. Pure: the usecase gathers the home's rooms.

A room is published, reserved and let as a unit of its own; the home decides what one room cannot: whether
the home is equipped for its occupants together (décret 2002-120, art. 3), whether the occupants of its
offered rooms together fit its area (the overcrowding norm, applied to the whole home), and whether the
numbers the owner gave hold together. The rooms counted are those *offered* (published, reserved or let)
and the room judged, so that offering one more room never makes an offered one fail afterwards.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_FLOOR, Decimal

from abri_listings.domain.facts import HomeFacts, RuleFailure, UnitFacts
from abri_listings.domain.policy import ListingsPolicy, exact
from abri_listings.domain.reference_rents import ReferenceRents

__all__ = ["HomeFacts", "overcrowding_norm", "shared_home_coherence", "shared_home_crowding", "shared_home_spaces", "shared_room_size"]

OFFERED = frozenset({"published", "reserved", "let"})
"""The statuses of a room that is on offer or occupied: its occupants and rent count for the home."""


def overcrowding_norm(persons: int, policy: ListingsPolicy) -> Decimal:
    """The smallest area the overcrowding norm allows for ``persons`` people (CCH, art. R822-25)."""
    if persons <= 0:
        return Decimal(0)
    area = policy.overcrowding_first_person_m2
    if persons >= 2:
        area += policy.overcrowding_second_person_m2 + policy.overcrowding_extra_person_m2 * (persons - 2)
    return min(area, policy.overcrowding_cap_m2)


def shared_room_size(unit: UnitFacts, on: date, policy: ListingsPolicy, _: ReferenceRents) -> list[RuleFailure]:
    """Loi 89-462, art. 8-1: under a lease per occupant, each private room has at least 9 m² *and* 20 m³."""
    home = unit.home
    if home is None or home.lease_form != "individual":
        return []
    area, height = exact(unit.living_area_m2), exact(unit.ceiling_height_m)
    if area >= policy.shared_room_min_area_m2 and area * height >= policy.shared_room_min_volume_m3:
        return []
    volume = (area * height).quantize(Decimal("0.01"), rounding=ROUND_FLOOR)  # 19.996 m³ is shown below 20, as it is
    return [
        RuleFailure(
            "shared_room_size",
            ("living_area_m2", "ceiling_height_m"),
            f"a room let under its own lease needs {policy.shared_room_min_area_m2} m² and {policy.shared_room_min_volume_m3} m³; "
            f"this one has {area} m² and {volume} m³",
            {
                "min_area_m2": str(policy.shared_room_min_area_m2),
                "min_volume_m3": str(policy.shared_room_min_volume_m3),
                "area_m2": str(area),
                "volume_m3": str(volume),
            },
        )
    ]


def shared_home_crowding(unit: UnitFacts, on: date, policy: ListingsPolicy, _: ReferenceRents) -> list[RuleFailure]:
    """The overcrowding norm (9 m² for one person, 16 m² for two, 9 m² more for each other, 70 m² from eight)
    for the room and the people it takes, and for the whole home and the people its offered rooms take."""
    home = unit.home
    if home is None:
        return []
    failures = []
    capacity = unit.occupants_max or 1
    room_norm = overcrowding_norm(capacity, policy)
    if exact(unit.living_area_m2) < room_norm:
        failures.append(
            RuleFailure(
                "shared_home_crowding",
                ("living_area_m2", "occupants_max"),
                f"a room for {capacity} person(s) needs {room_norm} m², not {exact(unit.living_area_m2)} m²",
                {"scope": "room", "persons": capacity, "norm_m2": str(room_norm), "area_m2": str(exact(unit.living_area_m2))},
            )
        )
    home_norm = overcrowding_norm(home.occupants, policy)
    if home.living_area_m2 < home_norm:
        failures.append(
            RuleFailure(
                "shared_home_crowding",
                ("occupants_max",),
                f"the home's offered rooms take {home.occupants} people together, for whom the home needs {home_norm} m², "
                f"not {home.living_area_m2} m²",
                {"scope": "home", "persons": home.occupants, "norm_m2": str(home_norm), "area_m2": str(home.living_area_m2)},
            )
        )
    return failures


def shared_home_spaces(unit: UnitFacts, on: date, policy: ListingsPolicy, _: ReferenceRents) -> list[RuleFailure]:
    """Décret 2002-120, art. 3: a home has a kitchen or a cooking corner, a WC and a shower or bath: a shared
    home's occupants reach them in its shared spaces."""
    home = unit.home
    if home is None:
        return []
    present = {kind for kind, _ in home.spaces}
    missing = sorted(set(policy.shared_home_required_spaces) - present)
    if not missing:
        return []
    return [
        RuleFailure(
            "shared_home_spaces",
            ("spaces",),
            f"a shared home's shared spaces include {', '.join(sorted(policy.shared_home_required_spaces))}: missing {', '.join(missing)}",
            {"missing": " ".join(missing)},
        )
    ]


def shared_home_coherence(unit: UnitFacts, on: date, policy: ListingsPolicy, _: ReferenceRents) -> list[RuleFailure]:
    """Abri's check of the numbers: the rooms offered and the shared spaces fit in the home's area, and the home has
    a main room for each room offered and for its shared living room, if it lists one (no text to cite)."""
    home = unit.home
    if home is None:
        return []
    failures = []
    spaces = sum((area for _, area in home.spaces), Decimal(0))
    if home.rooms_area_m2 + spaces > home.living_area_m2:
        failures.append(
            RuleFailure(
                "shared_home_coherence",
                ("living_area_m2", "spaces"),
                f"the rooms ({home.rooms_area_m2} m²) and the shared spaces ({spaces} m²) exceed the home's {home.living_area_m2} m²",
                {"rooms_m2": str(home.rooms_area_m2), "spaces_m2": str(spaces), "home_m2": str(home.living_area_m2)},
            )
        )
    living_room = any(kind == "living_room" for kind, _ in home.spaces)  # a shared living room is a main room too
    if home.room_count + living_room > home.rooms:
        failures.append(
            RuleFailure(
                "shared_home_coherence",
                ("rooms",),
                f"the home has {home.rooms} main room(s) for {home.room_count} rooms offered"
                f"{' and its shared living room' if living_room else ''}",
                {"rooms": home.rooms, "room_count": home.room_count, "living_room": living_room},
            )
        )
    return failures
