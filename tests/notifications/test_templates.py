"""The message catalogue: every template in every language, Babel formatting, right to left, escaping (pure)."""

from __future__ import annotations

import re
import types
from datetime import UTC, date, datetime
from typing import Any, Literal, Union, get_args, get_origin
from uuid import UUID

import pytest

from abri_contracts import registry
from abri_notifications.domain.routing import ROUTES
from abri_notifications.domain.templates import (
    CATALOGUE,
    CODES,
    DEFAULT_LANGUAGE,
    DIGEST_TEMPLATE,
    LANGUAGES,
    SMS_MAX_CHARS,
    Channel,
    MissingValue,
    TemplateError,
    UnknownTemplate,
    format_value,
    has_sms,
    language_of,
    placeholders,
    render,
)

pytestmark = pytest.mark.unit
ARABIC = re.compile(r"[\u0600-\u06FF]")
CYRILLIC = re.compile(r"[\u0400-\u04FF]")
SCRIPTS = {"ar": ARABIC, "uk": CYRILLIC}
SENDER = {route.template: registry[event_type] for event_type, routes in ROUTES.items() for route in routes}
"""For each routed template, the contract of an event that sends it (its fields give the sample values)."""
LONG_DAY = date(2026, 9, 30)  # long month names, two-digit day: the longest dates an SMS shows
LONG_MOMENT = datetime(2026, 9, 30, 21, 45, tzinfo=UTC)


def sample_values(template: str) -> dict[str, Any]:
    """Values for every field of the event that sends the template, typed as its contract says (what
    the service passes: the model's ``model_dump()``)."""
    if template == DIGEST_TEMPLATE:
        return {"items": "• Un ménage vous est proposé\n• Votre logement est réservé"}
    model = SENDER[template]
    return {name: _sample(name, field.annotation) for name, field in model.model_fields.items()}


def _sample(name: str, annotation: Any) -> Any:
    origin, args = get_origin(annotation), get_args(annotation)
    if origin in (Union, types.UnionType):
        return _sample(name, next(arg for arg in args if arg is not type(None)))
    if origin is Literal:
        return args[0]
    if origin is list:
        if get_origin(args[0]) is Literal:
            return list(get_args(args[0])[:2])
        return list(CODES[name])[:2] if name in CODES else [_sample(name, args[0])]
    if origin is dict:
        return {}
    if annotation is bool:
        return True
    if annotation is int:
        return 123_456_789 if name.endswith("_cents") else 3
    if annotation is float:
        return 1.5
    if annotation is datetime:
        return LONG_MOMENT
    if annotation is date:
        return LONG_DAY
    if annotation is UUID:
        return UUID(int=7)
    if annotation is str:
        return next(iter(CODES[name])) if name in CODES else "75011"
    return None  # nested snapshots: never shown


@pytest.mark.parametrize("template", sorted(CATALOGUE))
def test_every_template_in_every_language(template: str) -> None:
    """THE translation test: a missing language, a placeholder set that differs from French, an untranslated
    text (identical to French, or Arabic without Arabic letters, Ukrainian without Cyrillic), a text that
    does not render, an SMS over 160 characters."""
    entries = CATALOGUE[template]
    french = entries[DEFAULT_LANGUAGE]
    values = sample_values(template)
    problems: list[str] = [f"missing language {language}" for language in LANGUAGES if language not in entries]
    for language, message in entries.items():
        if language not in LANGUAGES:
            problems.append(f"{language}: not a catalogue language")
        if placeholders(message.body) != placeholders(french.body):
            problems.append(f"{language}: body placeholders {sorted(placeholders(message.body))} differ from French")
        if (message.sms is None) != (french.sms is None):
            problems.append(f"{language}: an SMS text where French has none, or none where it has one")
        elif message.sms is not None and french.sms is not None and placeholders(message.sms) != placeholders(french.sms):
            problems.append(f"{language}: SMS placeholders differ from French")
        texts = {"subject": message.subject, "body": message.body, "sms": message.sms}
        for part, text in texts.items():
            if text is None or language == DEFAULT_LANGUAGE:
                continue
            if text == getattr(french, part):
                problems.append(f"{language} {part}: identical to French (untranslated)")
            if language in SCRIPTS and not SCRIPTS[language].search(text):
                problems.append(f"{language} {part}: no letter of its script (untranslated)")
        try:
            rendered = [render(template, language, values, Channel.EMAIL).text]
            if message.sms is not None:
                sms = render(template, language, values, Channel.SMS).sms
                rendered.append(sms or "")
                if sms is None or len(sms) > SMS_MAX_CHARS:
                    problems.append(f"{language}: SMS of {len(sms or '')} characters: {sms!r}")
            if any(".." in text for text in rendered):  # Ukrainian dates end with "р.": no sentence may end on one
                problems.append(f"{language}: a double full stop after a value")
        except TemplateError as error:
            problems.append(f"{language}: {error}")
    assert not problems, f"{template}: " + "; ".join(problems)


@pytest.mark.parametrize("field", sorted(CODES))
def test_every_code_in_every_language(field: str) -> None:
    problems = []
    for code, phrases in CODES[field].items():
        problems += [f"{code}: missing {language}" for language in LANGUAGES if language not in phrases]
        for language, phrase in phrases.items():
            if language != DEFAULT_LANGUAGE and phrase == phrases[DEFAULT_LANGUAGE]:
                problems.append(f"{code} ({language}): identical to French")
            if language in SCRIPTS and not SCRIPTS[language].search(phrase):
                problems.append(f"{code} ({language}): no letter of its script")
    assert not problems, f"{field}: " + "; ".join(problems)


def test_every_code_a_message_shows_is_in_words() -> None:
    """The codes of every routed event's coded fields (the contracts' literals) have their phrases."""
    missing = []
    for event_type, routes in ROUTES.items():
        model = registry[event_type]
        shown = {name for route in routes for name in placeholders(CATALOGUE[route.template][DEFAULT_LANGUAGE].body)}
        for name in shown & set(CODES):
            for code in _codes(model.model_fields[name].annotation):
                if code not in CODES[name]:
                    missing.append(f"{event_type}.{name} = {code!r}")
    assert not missing, "codes without words: " + ", ".join(missing)


def _codes(annotation: Any) -> set[str]:
    if annotation is bool:
        return {"true", "false"}
    if get_origin(annotation) is Literal:
        return {str(value) for value in get_args(annotation)}
    return {code for arg in get_args(annotation) for code in _codes(arg)}


BABEL = [
    ("fr", "29 mars 2026", "1\u202f300,00\xa0€"),
    ("en", "29 March 2026", "€1,300.00"),
    ("ar", "29 مارس 2026", "\u200f1,300.00\xa0€"),
    ("uk", "29 березня 2026\u202fр.", "1\xa0300,00\xa0EUR"),
]


@pytest.mark.parametrize(("language", "day", "amount"), BABEL)
def test_dates_and_amounts_as_babel_writes_them(language: str, day: str, amount: str) -> None:
    assert format_value("lease_signed_on", date(2026, 3, 29), language) == day
    assert format_value("rent_and_charges_cents", 130_000, language) == amount
    text = render(
        "owner.guarantee_activated", language, {"lease_signed_on": date(2026, 3, 29), "rent_and_charges_cents": 130_000}, "email"
    ).text
    assert day in text and amount in text


def test_amounts_are_exact_to_the_cent() -> None:
    assert format_value("payable_cents", 1, "en") == "€0.01"
    assert format_value("payable_cents", 10**17 + 1, "en") == "€1,000,000,000,000,000.01"  # a float would lose the cent


def test_times_are_shown_in_the_readers_zone() -> None:
    deadline = datetime(2026, 3, 31, 8, 0, tzinfo=UTC)
    assert format_value("answer_by", deadline, "fr") == "31 mars 2026, 10:00"  # Paris, summer time
    assert format_value("answer_by", deadline, "en", zone="America/Cayenne") == "31 March 2026, 05:00"
    with pytest.raises(TemplateError, match="time zone"):
        format_value("answer_by", datetime(2026, 3, 31, 8, 0), "fr")


def test_codes_in_words_and_lists_in_the_languages_way() -> None:
    assert format_value("reasons", ["rent_cap", "documents_missing", "duplicate"], "fr") == (
        "loyer au-dessus du plafond, pièces manquantes et déclaration en double"
    )
    assert format_value("guarantee_required", False, "en") == "No rent guarantee is planned."
    assert format_value("reason", "a_code_added_later", "uk") == "a_code_added_later"  # shown as it is, never a failure
    assert format_value("household_size", 3, "ar") == "3"


@pytest.mark.parametrize(("language", "direction"), [("fr", "ltr"), ("en", "ltr"), ("ar", "rtl"), ("uk", "ltr")])
def test_arabic_reads_right_to_left(language: str, direction: str) -> None:
    rendered = render("owner.unit_let", language, {"postal_code": "13001"}, Channel.INBOX)
    assert (rendered.direction, rendered.language) == (direction, language)
    assert rendered.html.startswith(f'<p dir="{direction}" lang="{language}">')


def test_html_escapes_values_and_keeps_paragraphs() -> None:
    rendered = render("owner.unit_let", "fr", {"postal_code": "<script>alert(1)</script>"}, Channel.EMAIL)
    assert "<script>" not in rendered.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered.html
    assert "<script>alert(1)</script>" in rendered.text  # plain text stays plain
    assert rendered.html.count("<p ") == 2 and rendered.html.count("</p>") == 2


@pytest.mark.parametrize(("tag", "language"), [("en-GB", "en"), ("ar_MA", "ar"), ("UK", "uk"), ("de", "fr"), ("", "fr"), (None, "fr")])
def test_an_unknown_language_falls_back_to_french(tag: str | None, language: str) -> None:
    assert language_of(tag) == language
    assert render("owner.placement_withdrawn", tag, {}, Channel.EMAIL).subject == CATALOGUE["owner.placement_withdrawn"][language].subject


def test_a_missing_value_is_a_clear_error() -> None:
    with pytest.raises(MissingValue, match=r"'owner.unit_let' \(en\) needs a value for 'postal_code'") as missing:
        render("owner.unit_let", "en", {}, Channel.EMAIL)
    assert missing.value.field == "postal_code"
    with pytest.raises(MissingValue):
        render("owner.unit_let", "en", {"postal_code": None}, Channel.EMAIL)


def test_other_misuses_are_errors() -> None:
    with pytest.raises(UnknownTemplate):
        render("owner.imagined", "fr", {}, Channel.EMAIL)
    with pytest.raises(TemplateError, match="no SMS text"):
        render("owner.unit_let", "fr", {"postal_code": "13001"}, Channel.SMS)
    with pytest.raises(TemplateError, match="yes/no"):
        format_value("resubmission", True, "fr")


def test_the_sms_channel_renders_the_sms_text() -> None:
    values = {"valid_until": date(2026, 6, 30)}
    rendered = render("association.file_approved", "fr", values, Channel.SMS)
    assert rendered.sms == rendered.text == "Abri : garantie accordée. Visa valable jusqu'au 30 juin 2026. Ouvrez Abri."
    assert has_sms("association.file_approved") and not has_sms("owner.unit_let")


@pytest.mark.parametrize("text", ["{value.__class__}", "{items[0]}", "{amount!r}", "{amount:>10}", "{é}"])
def test_placeholders_are_plain_names(text: str) -> None:
    with pytest.raises(TemplateError, match="plain name"):
        placeholders(text)


def test_subjects_carry_no_values() -> None:
    assert all(not placeholders(message.subject) for entries in CATALOGUE.values() for message in entries.values())
