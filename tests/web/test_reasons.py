"""Matching's reasons written in the reader's language from their codes and numbers."""

from __future__ import annotations

import pytest

from abri_gateway.web.reasons import component_reason, rule_reason

pytestmark = pytest.mark.unit


@pytest.mark.usefixtures("french")
@pytest.mark.parametrize(
    ("rule", "text"),
    [
        ({"rule": "overcrowding", "params": {"area_m2": 20.0, "norm_m2": 43.0, "persons": 5}}, "20 m² pour une norme de 43 m²"),
        ({"rule": "rent_burden", "params": {"burden": 0.2, "threshold": 0.33}}, "taux d'effort de 20\xa0% pour un seuil de 33\xa0%"),
        ({"rule": "rent_burden", "params": {"burden": None, "threshold": 0.33}}, "aucune ressource enregistrée"),
        (
            {"rule": "rent_burden", "params": {"burden": 0.2, "threshold": 0.33, "energy_cents": 12_000, "burden_with_energy": 0.26}},
            "taux d'effort de 20\xa0% pour un seuil de 33\xa0% ; 26\xa0% avec la facture d'énergie estimée de 120,00\xa0€ par mois",
        ),
        ({"rule": "availability", "params": {"available_from": "2027-03-12", "horizon_days": 90}}, "disponible à partir du 12 mars 2027"),
        ({"rule": "wanted_place", "params": {"in_commune": False, "distance_km": 3.5, "radius_km": 10}}, "à 3,5 km du lieu souhaité"),
        ({"rule": "scheme", "params": {"schemes": "intermediated_letting"}}, "dispositifs en commun : Intermédiation locative"),
        ({"rule": "accessibility", "params": {"met": False}}, "un besoin enregistré n'est pas satisfait"),
    ],
)
def test_a_rule_is_written_from_its_code_and_numbers(rule: dict[str, object], text: str) -> None:
    assert rule_reason({**rule, "passed": False, "reason": "English"}) == text


@pytest.mark.usefixtures("french")
def test_a_component_is_written_with_the_languages_plural() -> None:
    assert (
        component_reason({"name": "waiting_time", "params": {"months": 14}, "reason": "waiting for 14 months"})
        == "en attente depuis 14 mois"
    )
    assert component_reason({"name": "distance", "params": {"distance_km": None}, "reason": "x"}) == "dans une commune souhaitée"
    energy = {"name": "energy_cost", "params": {"energy_cents": 17_430}, "reason": "x"}
    assert component_reason(energy) == "facture d'énergie estimée à 174,30\xa0€ par mois"
    assert component_reason({**energy, "params": {"energy_cents": None}}) == "facture d'énergie non estimée"


@pytest.mark.usefixtures("french")
def test_without_numbers_the_services_own_reason_is_shown() -> None:
    assert rule_reason({"rule": "overcrowding", "passed": True, "reason": "20 m² for a norm of 16 m²"}) == "20 m² for a norm of 16 m²"
    assert rule_reason({"rule": "a_new_rule", "params": {"x": 1}, "reason": "new"}) == "new"
