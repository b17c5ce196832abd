"""An inventory as a PDF, one copy for each party (décret 2016-382, art. 3: a copy to each party), in the
reader's language (French by default, the lease's; English, Arabic right to left, Ukrainian): a tagged PDF
(PDF/UA-1, ``abri_kit.pdf``) from ``templates/inventory.html``.

It prints what the décret asks of an inventory that Abri holds: its kind and day, the home, the parties as
the landlord's side typed them, the meter readings, the keys, each room's items with their condition and
notes, their photos (smaller copies, each with its alternative text), a move-out's comparison with its
move-in, the household's completion, and the signatures with the digest both sides signed. An inventory not
yet signed by both says so at its top.
"""

from __future__ import annotations

import base64
import io
from datetime import date, datetime
from functools import cache
from typing import Any

import jinja2
from PIL import Image

from abri_kit.calendar import day_in_france
from abri_matching.db.units import UnitView
from abri_matching.inventory_words import RIGHT_TO_LEFT, Language, words_in
from abri_matching.usecases.inventories import Printed

PHOTO_EDGE_PX = 480
"""The photos' long edge in the PDF (they are kept larger in Abri)."""


@cache
def _template() -> jinja2.Template:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("abri_matching", "templates"), autoescape=True, undefined=jinja2.StrictUndefined
    )
    return environment.get_template("inventory.html")


def _day(day: date | datetime | None) -> str:
    if day is None:
        return ""
    return (day_in_france(day) if isinstance(day, datetime) else day).isoformat()


def _data_uri(jpeg: bytes) -> str:
    with Image.open(io.BytesIO(jpeg)) as picture:
        small = picture.convert("RGB")
        small.thumbnail((PHOTO_EDGE_PX, PHOTO_EDGE_PX))
        out = io.BytesIO()
        small.save(out, format="JPEG", quality=75)
    return "data:image/jpeg;base64," + base64.b64encode(out.getvalue()).decode()


def _home(unit: UnitView | None) -> str:
    if unit is None:
        return ""
    parts = [unit.kind or "", f"{unit.rooms} p." if unit.rooms else "", f"{unit.living_area_m2:g} m²" if unit.living_area_m2 else ""]
    place = " ".join(p for p in (unit.postal_code, unit.commune) if p)
    return ", ".join(p for p in (*parts, place) if p)


def inventory_html(printed: Printed, language: Language, font: str | None) -> str:
    """The inventory's HTML in ``language`` (``font``: the font file's address, None for the fallback)."""
    view, inventory = printed.view, printed.view.inventory
    words = words_in(language)
    comparison = view.comparison
    landlord = (
        f"{_day(inventory.landlord_signed_at)} ({words.get(inventory.landlord_signed_role or '', '')})"
        if inventory.landlord_signed_at
        else ""
    )
    context: dict[str, Any] = {
        "lang": language,
        "rtl": language in RIGHT_TO_LEFT,
        "w": words,
        "title": words[inventory.kind],
        "signed": inventory.signed,
        "made_on": _day(inventory.made_on),
        "home": _home(printed.unit),
        "content": view.content,
        "photos": {item: [_data_uri(p) for p in jpegs] for item, jpegs in printed.photos.items()},
        "comparison": {"made_on": _day(comparison.move_in_made_on), "rows": comparison.rows} if comparison else None,
        "completion": view.completion["notes"] if view.completion else None,
        "completion_asked_on": _day(inventory.completion_asked_at),
        "landlord_signed": landlord,
        "household_signed": _day(inventory.household_signed_at),
        "digest": inventory.content_sha256,
        "font_uri": font,
    }
    return _template().render(**context)
