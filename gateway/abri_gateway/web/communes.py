"""Communes by name on the pages, from the official commune table (``abri_kit.communes``, the one the
listings service checks a home against): suggestions as people type, a name or a code typed in a plain
form resolved on the server (asking to choose when several match), and a code shown as its name."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from abri_kit.communes import Commune, communes, fold

SUGGESTIONS = 10
"""How many communes a suggestion list offers (each with its postal codes)."""
CHOICES = 20
"""How many communes a plain form offers to choose from when a name matches several."""
_WITH_POSTAL_CODE = re.compile(r"^(?P<name>.+?)\s*\((?P<postal_code>[0-9][0-9AB][0-9]{3})\)\s*$")
_INSEE = re.compile(r"^[0-9][0-9AB][0-9]{3}$")


def shown(commune: Commune, postal_code: str | None = None) -> str:
    """How a page writes a commune: ``Montpellier (34000)``."""
    return f"{commune.name} ({postal_code or commune.postal_codes[0]})" if commune.postal_codes else commune.name


def suggestions(text: str) -> list[str]:
    """What a search field suggests for ``text``: ``Name (postal code)``, once per postal code."""
    if len(fold(text)) < 2:
        return []
    return [shown(c, code) for c in communes().search(text, limit=SUGGESTIONS) for code in c.postal_codes]


@dataclass(frozen=True)
class Found:
    """What a typed commune resolves to: one commune (with the postal code the text named, if any), or
    the communes to choose from (none: nothing matches)."""

    commune: Commune | None = None
    postal_code: str | None = None
    choices: list[Commune] = field(default_factory=list)


def resolve(text: str, insee_code: str = "") -> Found:
    """The commune ``text`` names: ``Name (postal code)`` as suggested, a name, an INSEE code or a postal
    code. ``insee_code`` is the one already chosen (the form's hidden field, or a choice among several):
    it wins when the text still names that commune."""
    table = communes()
    text = text.strip()
    chosen = table.get(insee_code.strip().upper()) if insee_code.strip() else None
    typed = _WITH_POSTAL_CODE.match(text)
    name, postal_code = (typed["name"], typed["postal_code"]) if typed else (text, None)
    if chosen is not None and (not text or fold(name) == fold(chosen.name) or text.upper() == chosen.insee_code):
        return Found(chosen, postal_code if postal_code in chosen.postal_codes else None)
    if not text:
        return Found()
    named = table.get(typed["postal_code"]) if typed else None
    if named is not None and fold(named.name) == fold(name):  # "Name (INSEE code)", as pages show a commune's code
        return Found(named)
    if _INSEE.fullmatch(text.upper()) and table.get(text.upper()) is not None:
        return Found(table.get(text.upper()))
    if text.isdigit():  # a postal code: every commune it serves
        matches = [c for c in table.search(text, limit=CHOICES) if text in c.postal_codes]
        return _one_or_choices(matches, text if len(text) == 5 else None)
    found = table.search(name, limit=CHOICES)
    if postal_code:
        found = [c for c in found if postal_code in c.postal_codes]
    exact = [c for c in found if fold(c.name) == fold(name)]
    return _one_or_choices(exact or found, postal_code)


def _one_or_choices(matches: list[Commune], postal_code: str | None) -> Found:
    if len(matches) == 1:
        return Found(matches[0], postal_code if postal_code in matches[0].postal_codes else None)
    return Found(choices=matches)


def name_of(insee_code: str) -> str:
    """A commune's INSEE code as people read it: ``Montpellier (34172)`` (the code alone if unknown)."""
    commune = communes().get(str(insee_code))
    return f"{commune.name} ({commune.insee_code})" if commune else str(insee_code)
