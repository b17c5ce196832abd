"""The web front's languages: every text translated, placeholders kept, dates and amounts localised,
numbers read as people type them."""

from __future__ import annotations

from datetime import date

import pytest
from starlette.datastructures import FormData

from abri_gateway.web import forms, i18n
from abri_gateway.web.messages import problems, texts

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("code", ["fr", "ar", "uk"])
def test_every_text_of_the_pages_is_translated_with_the_same_placeholders(code: str) -> None:
    assert texts(), "no text found: the extraction is broken"
    assert problems(code) == []


def test_the_check_finds_a_missing_text_and_a_changed_placeholder(monkeypatch: pytest.MonkeyPatch) -> None:
    from abri_gateway.web import messages
    from abri_gateway.web.messages import Text

    monkeypatch.setattr(
        messages, "texts", lambda: {"Hello %(name)s": Text("Hello %(name)s", None, "x:1"), "Not there": Text("Not there", None, "y:2")}
    )
    monkeypatch.setattr(messages, "translated", lambda code: {"Hello %(name)s": ("Bonjour %(nom)s",)})
    found = messages.problems("fr")
    assert any("missing 'Not there'" in line for line in found)
    assert any("same placeholders" in line for line in found)


@pytest.mark.parametrize(
    ("code", "amount", "day"),
    [
        ("fr", "1\u202f234,50\xa0€", "12 mars 2027"),
        ("en", "€1,234.50", "March 12, 2027"),
        ("uk", "1\xa0234,50\xa0EUR", "12 березня 2027\u202fр."),
    ],
)
def test_amounts_and_dates_are_written_the_languages_way(code: str, amount: str, day: str) -> None:
    token = i18n._current.set(code)
    try:
        assert i18n.euros(123_450) == amount
        assert i18n.date_text(date(2027, 3, 12)) == day
    finally:
        i18n._current.reset(token)


def test_arabic_is_right_to_left_and_translated() -> None:
    assert i18n.LANGUAGES["ar"].direction == "rtl"
    token = i18n._current.set("ar")
    try:
        assert i18n.gettext("Sign in") == "تسجيل الدخول"
        assert i18n.ngettext("%(num)d room", "%(num)d rooms", 2) == "غرفتان"
        assert i18n.ngettext("%(num)d room", "%(num)d rooms", 5) == "5 غرف"
    finally:
        i18n._current.reset(token)


@pytest.mark.parametrize(
    ("asked", "cookie", "accept", "chosen"),
    [
        (None, None, None, "fr"),
        ("ar", "uk", "en", "ar"),
        (None, "uk", "en", "uk"),
        (None, None, "en-GB,fr;q=0.5", "en"),
        ("de", "xx", "de-DE", "fr"),
    ],
)
def test_the_language_is_the_links_then_the_remembered_then_the_browsers_then_french(
    asked: str | None, cookie: str | None, accept: str | None, chosen: str
) -> None:
    assert i18n.choose(asked, cookie, accept) == chosen


@pytest.mark.parametrize(
    ("typed", "cents"),
    [("450", 45_000), ("450,50", 45_050), ("1 234,5", 123_450), ("1,234.50", 123_450), ("1.234,50", 123_450), ("0", 0)],
)
def test_amounts_are_read_as_people_type_them(typed: str, cents: int) -> None:
    errors = forms.FieldErrors()
    assert forms.cents(FormData({"rent": typed}), "rent", errors) == cents
    assert not errors


@pytest.mark.parametrize("typed", ["quatre cents", "-5", "12,345", "1e9999", "NaN"])
def test_what_is_not_an_amount_is_an_error_on_its_field(typed: str) -> None:
    errors = forms.FieldErrors()
    assert forms.cents(FormData({"rent": typed}), "rent", errors) is None
    assert "rent" in errors
