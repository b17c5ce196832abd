"""Communes by name (``web/communes.py``): the picker's state read from a posted form, names shown
instead of codes, a position read back as its commune."""

from __future__ import annotations

import pytest
from starlette.datastructures import FormData

from abri_gateway.web import communes, i18n

pytestmark = pytest.mark.unit


def picked(*fields: tuple[str, str]) -> communes.Picked:
    return communes.picked(FormData(list(fields)), "communes")


def test_a_picker_adds_removes_and_asks_among_homonyms() -> None:
    i18n.use("en")
    assert picked(("communes", "69123"), ("communes_search", "Villeurbanne (69100)"), ("communes_add", "1")) == communes.Picked(
        ["69123", "69266"], changed=True
    )
    assert picked(("communes", "69123"), ("communes", "69266"), ("communes_remove", "69123")).codes == ["69266"]
    several = picked(("communes_search", "Saint-Denis"), ("communes_add", "1"))
    assert several.codes == [] and several.error and "93066" in [code for code, _ in several.choices_shown]
    assert picked(("communes_search", "Saint-Denis"), ("communes_choice", "97411")).codes == ["97411"]
    assert picked(("communes_search", "Nulle-Part-sur-Rien")).error and not picked().error
    assert picked(("communes", "Lyon"), ("communes", "69123")).codes == ["69123"]  # a link's name, once
    assert picked(("communes_add", "1")).error == "Type the name of a commune, then add it."


def test_a_stored_code_of_a_merged_commune_becomes_the_commune_it_joined_and_keeps_the_others() -> None:
    from abri_kit.communes import communes as table

    former, successor = next(iter(table().successors.items()))
    assert table().get(former) is None
    assert picked(("communes", former), ("communes", "69123")).codes == [successor, "69123"]  # nothing after it lost


def test_a_commune_is_shown_by_name_and_a_position_by_its_commune() -> None:
    i18n.use("fr")
    assert communes.name_of("34172") == "Montpellier (Hérault)"
    assert communes.name_of("99999") == "une commune qui n'est plus dans la table officielle"
    assert communes.place_name({"latitude": 45.772, "longitude": 4.89, "radius_km": 5}) == "Villeurbanne (Rhône)"
    assert communes.place_name(None) == ""
    assert ("Montpellier (34070)", "Hérault") in communes.suggestions("montpel")
