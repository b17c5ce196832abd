"""A decent shared home and one of its rooms, as an owner gives them (the shared-home tests' data)."""

from __future__ import annotations

from typing import Any

HOME: dict[str, Any] = {
    "street": "3 rue de la Colocation",
    "postal_code": "34000",
    "insee_code": "34172",
    "kind": "apartment",
    "rooms": 4,
    "living_area_m2": 70.0,
    "floor": 2,
    "elevator": True,
    "energy_class": "D",
    "primary_energy_kwh": 200.0,
    "emissions_kg": 36.0,
    "final_energy_kwh": 150.0,
    "main_energy": "electricity",
    "dpe_date": "2024-03-01",
    "schemes": ["intermediated_letting"],
    "lease_form": "individual",
    "spaces": [
        {"kind": "kitchen", "area_m2": 10},
        {"kind": "living_room", "area_m2": 15},
        {"kind": "bathroom", "area_m2": 4},
        {"kind": "wc", "area_m2": 1},
    ],
    "smoke_free": True,
    "quiet_hours": {"start": "22:00", "until": "07:00"},
}
ROOM: dict[str, Any] = {
    "label": "Chambre 1",
    "living_area_m2": 12.0,
    "ceiling_height_m": 2.5,
    "occupants_max": 1,
    "accessibility": [],
    "furnished": False,
    "rent_cents": 35_000,
    "charges_cents": 5_000,
    "deposit_cents": 35_000,
    "available_from": "2027-01-01",
}
