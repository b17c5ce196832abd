"""The services' conflicts (409) and stale versions (412) in the reader's language: every conflict the
services raise has a sentence of its own, found by its code, type or title; an unknown one a translated
fallback; never the service's English ``detail``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from abri_gateway.web import i18n
from abri_gateway.web.api import ApiError
from abri_gateway.web.conflicts import explained, key_of, known_keys

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
DETAIL = "an English detail for developers: a withdrawn unit cannot withdraw"
CONFLICT_TITLE = re.compile(r"(?:\bConflict\(|Problem\(\s*409\s*,)(?P<call>[^()]*(?:\([^()]*\)[^()]*)*)\)", re.S)
TITLE = re.compile(r'title="([^"]+)"')
DEFAULT_TITLE = re.compile(r'class Conflict\(Problem\):.*?title: str = "([^"]+)"', re.S)


def raised_conflict_titles() -> set[str]:
    """Every title a service (or abri_kit, which every service runs) gives a 409, read from the source, with
    abri_kit's default title for a conflict raised without one."""
    titles: set[str] = set()
    kit = ROOT / "libs" / "kit" / "abri_kit"
    default = DEFAULT_TITLE.search((kit / "errors.py").read_text())
    assert default, "abri_kit's Conflict has a default title"
    for source in [*ROOT.glob("services/*/abri_*/**/*.py"), *kit.glob("**/*.py")]:
        for found in CONFLICT_TITLE.finditer(source.read_text()):
            named = TITLE.search(found.group("call"))
            titles.add(named.group(1) if named else default.group(1))
    return titles


def in_language(code: str, error: ApiError) -> str:
    token = i18n.use(code)
    try:
        return explained(error)
    finally:
        i18n._current.reset(token)


def test_the_scan_finds_the_services_conflicts() -> None:
    titles = raised_conflict_titles()
    assert {"File closed", "Not searching", "Not allowed at this step", "Not allowed in this state", "In progress"} <= titles
    assert len(titles) >= 20


@pytest.mark.parametrize("title", sorted(raised_conflict_titles()))
def test_every_conflict_a_service_raises_has_words_of_its_own_in_each_language(title: str) -> None:
    assert key_of({"title": title}) in known_keys(), f"409 {title!r} has no sentence in web/conflicts.py"
    error = ApiError(409, {"type": "about:blank", "title": title, "status": 409, "detail": DETAIL})
    english = in_language("en", error)
    for code in ("fr", "ar", "uk"):
        said = in_language(code, error)
        assert said and said != english and DETAIL not in said and title not in said, (code, title, said)


@pytest.mark.usefixtures("french")
def test_a_conflict_without_words_and_a_stale_version_are_said_in_french_never_in_english() -> None:
    unknown = explained(ApiError(409, {"title": "A conflict from next year", "detail": DETAIL}))
    assert unknown.startswith("Ce n'est pas possible dans son état actuel") and DETAIL not in unknown
    changed = 'the unit changed since you read it (now W/"3"): read it again'
    stale = explained(ApiError(412, {"title": "Precondition Failed", "detail": changed}))
    assert stale.startswith("Quelqu'un a modifié ceci entre-temps")
    assert explained(ApiError(412, {})) == stale  # no body at all
    assert explained(ApiError(409, {})).startswith("Ce n'est pas possible")
    assert explained(ApiError(428, {"detail": "If-Match required"})).startswith("Cette modification a besoin")
    assert explained(ApiError(400, {"detail": DETAIL})).startswith("Abri n'a pas pu faire cela")


@pytest.mark.usefixtures("french")
def test_the_code_then_the_type_then_the_title_name_the_conflict() -> None:
    assert key_of({"code": "file_open", "type": "https://abri.example/problems/not-waiting", "title": "Too late"}) == "file_open"
    assert key_of({"type": "https://abri.example/problems/not-waiting", "title": "Too late"}) == "not_waiting"
    assert key_of({"type": "about:blank", "title": "Too late"}) == "too_late"
    said = explained(ApiError(409, {"type": "https://abri.example/problems/not-waiting", "title": "Conflict", "detail": DETAIL}))
    assert said == "Cette orientation n'attend pas de garantie."


@pytest.mark.usefixtures("french")
def test_months_already_claimed_are_named_as_the_language_writes_them() -> None:
    error = ApiError(409, {"title": "Months already claimed", "detail": "already claimed: 2027-01, 2027-02"})
    assert explained(error) == (
        "Une demande d'indemnisation toujours en cours déclare déjà janvier 2027, février 2027 : retirez-les de celle-ci."
    )
    assert "2027-01" not in explained(error)
    assert in_language("uk", error).count("2027") == 2


@pytest.mark.usefixtures("french")
def test_a_coded_refusal_is_written_from_its_rule() -> None:
    error = ApiError(
        422,
        {
            "detail": "1 rule failed",
            "errors": [{"rule": "second_identity_document", "message": "the file already holds its identity document", "fields": []}],
        },
    )
    assert explained(error).startswith("Le dossier contient déjà sa pièce d'identité")
