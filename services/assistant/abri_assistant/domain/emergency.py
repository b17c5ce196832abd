"""The national emergency numbers the assistant shows at once with any urgent message, and those each category
adds: sourced, configurable data (``docs/domain-rules.md``, "The assistant's emergency numbers"). Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from abri_assistant.domain.urgency import Category

SOURCE = "Service-public.fr, « Quels sont les numéros en cas d'urgence et les numéros d'écoute ? » (F33954)"
SOURCE_URL = "https://www.service-public.gouv.fr/particuliers/vosdroits/F33954"


@dataclass(frozen=True)
class Number:
    """A free national number: what it is for, as a code the pages write in the reader's language."""

    dial: str
    purpose: str


NUMBERS: Mapping[str, Number] = {
    "115": Number("115", "emergency_shelter"),
    "3919": Number("3919", "violence_against_women"),
    "119": Number("119", "child_in_danger"),
    "3114": Number("3114", "suicide_prevention"),
    "15": Number("15", "medical_emergency"),
    "17": Number("17", "police"),
    "18": Number("18", "fire_brigade"),
    "112": Number("112", "european_emergency"),
    "114": Number("114", "by_text_message"),
}
ALWAYS: tuple[str, ...] = ("115", "3919", "119")
"""Shown with every urgent message, whatever its category."""
BY_CATEGORY: Mapping[Category, tuple[str, ...]] = {
    "eviction_now": (),
    "no_shelter": (),
    "violence": ("17", "114"),
    "child_in_danger": ("17",),
    "suicide": ("3114", "15"),
    "health": ("15", "18", "112", "114"),
}


def numbers_for(categories: Sequence[Category]) -> list[Number]:
    """The numbers to show for the categories a message raised: the categories' own first, then the three shown
    always, each once."""
    dials = [dial for category in categories for dial in BY_CATEGORY[category]] + list(ALWAYS)
    return [NUMBERS[dial] for dial in dict.fromkeys(dials)]
