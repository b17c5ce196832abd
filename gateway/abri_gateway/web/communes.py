"""Communes by name on the pages, from the official commune table (``abri_kit.communes``, the one the
listings service checks a home against): suggestions as people type (with the postal code and the
département), a name typed in a plain form resolved on the server (asking to choose when several match),
several communes picked one by one (:func:`picked`), a position taken from the commune's centre, and a
code shown as its name. No page asks for an INSEE code or a latitude: the services still receive them,
from the table."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Protocol

from abri_gateway.web.departements import departement_name
from abri_gateway.web.i18n import gettext as _
from abri_kit.communes import Commune, communes, distance_km, fold

SUGGESTIONS = 10
"""How many communes a suggestion list offers (each with its postal codes)."""
CHOICES = 20
"""How many communes a plain form offers to choose from when a name matches several."""
_WITH_POSTAL_CODE = re.compile(r"^(?P<name>.+?)\s*\((?P<postal_code>[0-9][0-9AB][0-9]{3})\)\s*$")
_INSEE = re.compile(r"^[0-9][0-9AB][0-9]{3}$")


def shown(commune: Commune, postal_code: str | None = None) -> str:
    """How a page writes a commune: ``Montpellier (34000)``."""
    return f"{commune.name} ({postal_code or commune.postal_codes[0]})" if commune.postal_codes else commune.name


def described(commune: Commune) -> str:
    """A commune among others of the same name: ``Saint-Denis (93200, 93210) · Seine-Saint-Denis``."""
    return f"{commune.name} ({', '.join(commune.postal_codes)}) · {departement_name(commune.departement)}"


def suggestions(text: str) -> list[tuple[str, str]]:
    """What a search field suggests for ``text``: ``Name (postal code)`` once per postal code (what the
    field then holds), with its département's name (what tells two communes of one name apart)."""
    if len(fold(text)) < 2:
        return []
    return [
        (shown(c, code), departement_name(c.departement)) for c in communes().search(text, limit=SUGGESTIONS) for code in c.postal_codes
    ]


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
    """A commune's INSEE code as people read it: ``Montpellier (Hérault)``, never the code (a code the
    table no longer knows, a merged commune's, reads as its successor's name, else as "a commune")."""
    table = communes()
    commune = table.get(str(insee_code)) or table.successor(str(insee_code))
    return f"{commune.name} ({departement_name(commune.departement)})" if commune else _("a commune no longer in the official table")


@lru_cache(maxsize=4096)
def nearest(latitude: float, longitude: float) -> Commune:
    """The commune whose centre is nearest a position (a place stored as a position, read back by name;
    the whole table is scanned, so each position's answer is kept)."""
    return min(communes(), key=lambda c: distance_km(latitude, longitude, c.latitude, c.longitude))


def place_name(around: dict[str, Any] | None) -> str:
    """A place stored as a position (a household's ``wanted.around``) as people read it: the name of the
    commune whose centre it is (or is nearest), never its coordinates ("" without a place)."""
    if not around:
        return ""
    return name_of(nearest(float(around["latitude"]), float(around["longitude"])).insee_code)


def centre(commune: Commune) -> dict[str, float]:
    """The position the services receive for a place chosen by its commune: the commune's centre."""
    return {"latitude": commune.latitude, "longitude": commune.longitude}


@dataclass(frozen=True)
class Picked:
    """Communes picked one by one in a form (``commune_picker`` in ``_macros.html``): the INSEE codes
    chosen so far (hidden fields), what is still typed, the communes to choose from when it matches
    several, the error to show, and whether the person only added or removed one (the form is then shown
    again, nothing saved)."""

    codes: list[str]
    typed: str = ""
    choices: list[Commune] = field(default_factory=list)
    error: str | None = None
    changed: bool = False

    @property
    def names(self) -> list[tuple[str, str]]:
        """Each chosen commune's code and name, as the form lists them."""
        return [(code, name_of(code)) for code in self.codes]

    @property
    def choices_shown(self) -> list[tuple[str, str]]:
        """The communes to choose from, each with its postal codes and département."""
        return [(c.insee_code, described(c)) for c in self.choices]


def typed_in(query: _Values) -> str:
    """What a commune field holds, from the query string htmx sends as one types (the field's name in
    ``commune_field``; ``commune`` by default)."""
    name = _text(query, "commune_field") or "commune"
    return _text(query, name)[:100]


def picked(values: _Values, name: str) -> Picked:
    """The communes of picker ``name`` as posted (or in a query string): ``name`` (each chosen code),
    ``name_search`` (the text typed), ``name_choice`` (one of several that match), ``name_add`` (the
    button that adds it), ``name_remove`` (the button that removes a code). Text still typed when the
    form is sent otherwise is added too: nobody loses a commune for not pressing "Add"."""
    codes: list[str] = []
    for given in (v.strip() for v in values.getlist(name) if isinstance(v, str) and v.strip()):
        found = resolve(given, given)  # a code, as the form keeps them; a name, as a link may give one
        commune = found.commune or communes().successor(given.upper())  # a merged commune's code: the commune it joined
        if commune is None:
            error = _("Several communes match: choose yours in the list.") if found.choices else None
            return Picked(
                codes, given, found.choices, error or _("No commune matches what you typed: check its spelling, or type its postal code.")
            )
        codes = list(dict.fromkeys([*codes, commune.insee_code]))
    removed = values.get(f"{name}_remove")
    if isinstance(removed, str) and removed:
        return Picked([c for c in codes if c != removed], _text(values, f"{name}_search"), changed=True)
    typed, choice = _text(values, f"{name}_search"), _text(values, f"{name}_choice")
    adding = values.get(f"{name}_add") is not None
    if not typed and not choice:
        return Picked(codes, error=_("Type the name of a commune, then add it.") if adding else None, changed=adding)
    found = resolve(typed, choice)
    if found.commune is not None:
        return Picked(list(dict.fromkeys([*codes, found.commune.insee_code])), changed=adding)
    if found.choices:
        return Picked(codes, typed, found.choices, _("Several communes match: choose yours in the list."), changed=adding)
    return Picked(codes, typed, error=_("No commune matches what you typed: check its spelling, or type its postal code."), changed=adding)


class _Values(Protocol):
    """A posted form or a query string: what :func:`picked` reads."""

    def get(self, key: str, /) -> Any: ...

    def getlist(self, key: str, /) -> list[Any]: ...


def _text(values: _Values, name: str) -> str:
    value = values.get(name)
    return value.strip() if isinstance(value, str) else ""
