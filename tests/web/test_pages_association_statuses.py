"""What the association's pages derive from the services' answers (issue 20): the guarantee's state from the
placement and its files (never the owner's requirement alone), each household once among the suggestions,
documents' types and sizes in words, organisations by name or role."""

from __future__ import annotations

import pytest

from abri_gateway.web.labels import content_type_words, document_name, size_words
from abri_gateway.web.organisations import Organisations
from abri_gateway.web.pages.association.placements import guarantee_state
from abri_gateway.web.pages.association.suggestions import once_per_household

pytestmark = [pytest.mark.unit, pytest.mark.usefixtures("french")]


@pytest.mark.parametrize(
    ("status", "required", "files", "state"),
    [
        ("proposed", False, [], ("none", "Non demandée")),
        ("awaiting_guarantee", True, [], ("to_file", "Nécessaire : pas encore déposée")),
        ("awaiting_guarantee", True, [{"status": "under_review"}], ("under_review", "En cours d'instruction")),
        ("guaranteed", True, [{"status": "rejected"}, {"status": "approved"}], ("approved", "Approuvé")),
        ("lease_signed", True, [], ("approved", "Approuvé")),
        ("guarantee_rejected", True, [{"status": "rejected"}], ("rejected", "Rejeté")),
    ],
)
def test_the_guarantee_follows_the_placement_and_its_files(
    status: str, required: bool, files: list[dict[str, str]], state: tuple[str, str]
) -> None:
    assert guarantee_state({"status": status, "guarantee_required": required}, files) == state


def test_each_household_is_listed_once_with_its_best_suggestion_to_review() -> None:
    found = once_per_household(
        [
            {"household_id": "a", "unit_id": "1", "status": "dismissed", "score": 0.9},
            {"household_id": "b", "unit_id": "2", "status": "pending", "score": 0.8},
            {"household_id": "a", "unit_id": "3", "status": "pending", "score": 0.7},
            {"household_id": "a", "unit_id": "4", "status": "pending", "score": 0.6},
        ]
    )
    assert [(s["household_id"], s["unit_id"], s["others"]) for s in found] == [("a", "3", 2), ("b", "2", 0)]


def test_documents_are_said_by_their_type_and_true_size() -> None:
    assert content_type_words("application/pdf") == "Document PDF"
    assert content_type_words("application/x-unknown") == "Autre type de fichier"
    assert size_words(80) == "80 octets" and size_words(1) == "1 octet"
    assert size_words(12_700) == "12,4 ko"
    assert size_words(3 * 1024 * 1024) == "3 Mo"
    assert document_name("identity", "passport") == "Passeport"
    assert document_name("identity", None) == "Pièce d'identité"


def test_an_organisation_is_its_name_else_what_it_is_never_its_id() -> None:
    names = Organisations({"assoc-1": "Association Toit Commun"})
    assert names.said("assoc-1", "association") == "Association Toit Commun"
    assert names.said("assoc-2", "social_worker") == "Une association"
    assert names.said("fund-9", "fund") == "Un fonds de garantie des loyers"
    assert names.said("org-x", None) == "Une organisation"
