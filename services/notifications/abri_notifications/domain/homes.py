"""A home named in words, as every message names what it is about (issue 20): its kind, its commune and
postal code ("an apartment in Paris (75011)"), never a postal code alone. Pure.

What a reader may see of a home is what listings broadcasts in its unit events (the street is left out of
them: it is given to the parties of an accepted placement in the web front, not in messages). The service
keeps it per unit (``db/read_models.py``) and adds it below a message's body: "The home: ...".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from abri_notifications.domain import texts

KINDS = frozenset(texts.HOME_KINDS) - {None}


def place_of(home: Mapping[str, Any]) -> str | None:
    """The commune and its postal code, "Paris (75011)" (the commune alone or the postal code alone when only
    one is known; ``None`` without either)."""
    commune, postal_code = home.get("commune"), home.get("postal_code")
    if commune and postal_code:
        return f"{commune} ({postal_code})"
    return str(commune or postal_code) if commune or postal_code else None


def home_phrase(home: Mapping[str, Any]) -> tuple[str, str] | None:
    """The English phrase of the home (the catalogue's message id) and its place, or ``None`` when nothing
    names it."""
    place = place_of(home)
    if place is None:
        return None
    kind = home.get("kind")
    return texts.HOME_KINDS[kind if kind in KINDS else None], place
