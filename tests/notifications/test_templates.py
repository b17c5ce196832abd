"""The message catalogue: every template in every language, the gettext catalogues as translators edit
them, Babel formatting, right to left, escaping (pure)."""

from __future__ import annotations

import re
import shutil
import tomllib
import types
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from fnmatch import fnmatch
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin
from uuid import UUID

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import PoFileError, read_po, write_po

import abri_notifications
from abri_contracts import registry
from abri_notifications.domain import messages, templates
from abri_notifications.domain import texts as source_texts
from abri_notifications.domain.routing import PASS_ON, ROUTES, with_home
from abri_notifications.domain.templates import (
    CATALOGUE,
    CODES,
    DEFAULT_LANGUAGE,
    DIGEST_TEMPLATE,
    LANGUAGES,
    LOCALE_DIR,
    SMS_MAX_CHARS,
    SOURCE_LANGUAGE,
    Channel,
    Message,
    MissingValue,
    TemplateError,
    UnknownTemplate,
    catalogue_path,
    format_value,
    has_sms,
    language_of,
    placeholders,
    read_catalogue,
    render,
)

pytestmark = pytest.mark.unit
ARABIC = re.compile(r"[\u0600-\u06FF]")
CYRILLIC = re.compile(r"[\u0400-\u04FF]")
SCRIPTS = {"ar": ARABIC, "uk": CYRILLIC}
TRANSLATED = [language for language in LANGUAGES if language != SOURCE_LANGUAGE]
"""The languages with a catalogue (English is the source)."""
SENDER = {route.template: registry[event_type] for event_type, routes in ROUTES.items() for route in routes}
"""For each routed template, the contract of an event that sends it (its fields give the sample values)."""
LONG_DAY = date(2026, 9, 30)  # long month names, two-digit day: the longest dates an SMS shows
LONG_MOMENT = datetime(2026, 9, 30, 21, 45, tzinfo=UTC)


def sample_values(template: str) -> dict[str, Any]:
    """Values for every field of the event that sends the template, typed as its contract says (what
    the service passes: the model's ``model_dump()``)."""
    if template == DIGEST_TEMPLATE:
        return {"items": "• Un ménage vous est proposé\n• Votre logement est réservé"}
    if template == PASS_ON:  # the association passes a household's news on: each step is in words
        return {"step": next(iter(CODES["step"]))}
    model = SENDER[template]
    values = {name: _sample(name, field.annotation) for name, field in model.model_fields.items()}
    if {"postal_code", "commune"} <= placeholders(source_texts.TEMPLATES[template].body):  # the home, named (a snapshot's, if nested)
        values |= {"postal_code": "75011", "commune": "Saint-Laurent-du-Maroni"}
    return values


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


def template_problems(template: str) -> list[str]:
    """What is wrong with a template in the languages of the catalogue: a missing language, a placeholder
    set that differs from the English source, an untranslated text (identical to the English, or Arabic
    without Arabic letters, Ukrainian without Cyrillic), a text that does not render, an SMS over 160
    characters."""
    entries = templates.CATALOGUE[template]
    source = entries[SOURCE_LANGUAGE]
    values = sample_values(template)
    problems: list[str] = [f"missing language {language}" for language in LANGUAGES if language not in entries]
    for language, message in entries.items():
        if language not in LANGUAGES:
            problems.append(f"{language}: not a catalogue language")
        if placeholders(message.body) != placeholders(source.body):
            problems.append(f"{language}: body placeholders {sorted(placeholders(message.body))} differ from the English")
        if (message.sms is None) != (source.sms is None):
            problems.append(f"{language}: an SMS text where the English has none, or none where it has one")
        elif message.sms is not None and source.sms is not None and placeholders(message.sms) != placeholders(source.sms):
            problems.append(f"{language}: SMS placeholders differ from the English")
        if (message.unnamed is None) != (source.unnamed is None):
            problems.append(f"{language}: an unnamed body where the English has none, or none where it has one")
        elif message.unnamed is not None and source.unnamed is not None and placeholders(message.unnamed) != placeholders(source.unnamed):
            problems.append(f"{language}: unnamed body placeholders differ from the English")
        texts = {"subject": message.subject, "body": message.body, "sms": message.sms, "unnamed": message.unnamed}
        for part, text in texts.items():
            if text is None or language == SOURCE_LANGUAGE:
                continue
            if text == getattr(source, part):
                problems.append(f"{language} {part}: identical to the English (untranslated)")
            if language in SCRIPTS and not SCRIPTS[language].search(text):
                problems.append(f"{language} {part}: no letter of its script (untranslated)")
        try:
            rendered = [render(template, language, values, Channel.EMAIL).text]
            if message.unnamed is not None:  # an older event, without the home's postal code and commune
                rendered.append(render(template, language, {**values, "postal_code": None, "commune": None}, Channel.EMAIL).text)
            if message.sms is not None:
                sms = render(template, language, values, Channel.SMS).sms
                rendered.append(sms or "")
                if sms is None or len(sms) > SMS_MAX_CHARS:
                    problems.append(f"{language}: SMS of {len(sms or '')} characters: {sms!r}")
            if any(".." in text for text in rendered):  # Ukrainian dates end with "р.": no sentence may end on one
                problems.append(f"{language}: a double full stop after a value")
        except TemplateError as error:
            problems.append(f"{language}: {error}")
    return problems


@pytest.mark.parametrize("template", sorted(CATALOGUE))
def test_every_template_in_every_language(template: str) -> None:
    """THE translation test, on what the service renders (the catalogues as loaded at start)."""
    assert not (problems := template_problems(template)), f"{template}: " + "; ".join(problems)


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_catalogue_parses_and_translates_every_text(code: str) -> None:
    """The same, on the catalogue files as translators edit them: each parses (strictly, as the service
    reads them), has Babel's plural rule for its language, and translates every text of ``texts`` with
    the same placeholders, nothing fuzzy, empty or left in English, nothing stale."""
    assert messages.problems(code) == []


def test_every_text_is_within_reach_of_the_translators_tools() -> None:
    """What ``pybabel extract`` finds is exactly what the service shows, and each SMS text tells the
    translator its limit."""
    found = messages.extracted()
    assert set(found) == messages.sources()
    sms = {message.sms for message in source_texts.TEMPLATES.values() if message.sms is not None}
    assert all(any("160" in comment for comment in found[text].comments) for text in sms)


@pytest.mark.parametrize("code", TRANSLATED)
def test_the_catalogues_cover_every_template_of_the_routing_table(code: str) -> None:
    """Every template a route sends (and the digest), with its subject, body, SMS text and the words of
    each code it shows, is translated in the language's catalogue file."""
    have = messages.translated(code)
    used = {route.template for routes in ROUTES.values() for route in routes} | {DIGEST_TEMPLATE}
    missing = []
    for template in sorted(used):
        source = source_texts.TEMPLATES.get(template)
        if source is None:
            missing.append(f"{template}: no such template")
            continue
        parts = {"subject": source.subject, "body": source.body, "sms": source.sms, "unnamed": source.unnamed}
        missing += [f"{template} {part}" for part, text in parts.items() if text is not None and text not in have]
        for field in sorted(placeholders(source.body) & set(source_texts.CODES)):
            missing += [f"{template} {field}={value}" for value, phrase in source_texts.CODES[field].items() if phrase not in have]
    assert not missing, f"{code}: untranslated: " + ", ".join(missing)


@pytest.mark.parametrize(("code", "forms"), [("fr", 3), ("ar", 6), ("uk", 3)])
def test_plural_forms_follow_babels_rules(code: str, forms: int) -> None:
    catalog = read_catalogue(code)
    assert catalog.num_plurals == forms == Catalog(locale=code).num_plurals
    assert messages.plural_rule(catalog) == messages.plural_rule(Catalog(locale=code))
    assert (
        messages.plural_rule(catalog)[:12]
        == {
            "fr": (0, 0, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2),
            "ar": (0, 1, 2, 3, 3, 3, 3, 3, 3, 3, 3, 4),
            "uk": (2, 0, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2),
        }[code]
    )


def _copy_catalogue(code: str, into: Path) -> Path:
    target = catalogue_path(code, into)
    target.parent.mkdir(parents=True)
    shutil.copyfile(catalogue_path(code), target)
    return target


def _rewrite(path: Path, code: str, change: Callable[[Catalog], None]) -> None:
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=code)
    change(catalog)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=120)


def test_the_check_finds_a_missing_a_changed_an_untranslated_a_fuzzy_and_a_stale_text(tmp_path: Path) -> None:
    published, updated, withdrawn, reserved = (
        source_texts.TEMPLATES[f"owner.unit_{what}"].body for what in ("published", "updated", "withdrawn", "reserved")
    )

    def spoil(catalog: Catalog) -> None:
        catalog.delete(published)
        catalog[updated].string = "Votre logement ({code_postal}) a changé."
        catalog[withdrawn].string = withdrawn
        catalog[reserved].flags.add("fuzzy")
        catalog.add("A text the service no longer has", "Un texte disparu")

    _rewrite(_copy_catalogue("fr", tmp_path), "fr", spoil)
    found = "\n".join(messages.problems("fr", tmp_path))
    assert f"missing {published!r}" in found
    assert f"{updated!r} does not use the same placeholders" in found
    assert f"{withdrawn!r} is untranslated" in found
    assert f"missing (fuzzy) {reserved!r}" in found
    assert "'A text the service no longer has' is no longer a text" in found
    assert len(found.splitlines()) == 5


def test_the_check_finds_a_translation_in_the_wrong_script_and_a_wrong_plural_rule(tmp_path: Path) -> None:
    subject = source_texts.TEMPLATES["owner.unit_let"].subject
    path = _copy_catalogue("ar", tmp_path)
    _rewrite(path, "ar", lambda catalog: setattr(catalog[subject], "string", "Votre logement est loué"))
    text = path.read_text(encoding="utf-8")
    start = text.index('"Plural-Forms:')
    end = text.index('"MIME-Version:')
    path.write_text(text[:start] + '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n' + text[end:], encoding="utf-8")
    found = messages.problems("ar", tmp_path)
    assert any(f"{subject!r} has no letter of its script" in line for line in found)
    assert any("the plural rule is not Babel's for ar" in line for line in found)
    assert len(found) == 2


def test_a_catalogue_that_does_not_parse_is_a_problem_and_stops_the_service(tmp_path: Path) -> None:
    path = _copy_catalogue("uk", tmp_path)
    path.write_text(path.read_text(encoding="utf-8") + '\nmsgid "Broken"\nthis is not a po line\nmsgstr "Зламано"\n', encoding="utf-8")
    found = messages.problems("uk", tmp_path)
    assert len(found) == 1 and "does not parse" in found[0]
    with pytest.raises(PoFileError):
        read_catalogue("uk", tmp_path)
    assert any("does not parse" in line for line in messages.problems("de", tmp_path))  # no file at all


def test_the_check_finds_an_sms_over_160_characters(monkeypatch: pytest.MonkeyPatch) -> None:
    entries = dict(templates.CATALOGUE["association.file_approved"])
    entries["uk"] = replace(entries["uk"], sms=(entries["uk"].sms or "") + " Abri" * 40)
    monkeypatch.setattr(templates, "CATALOGUE", {**templates.CATALOGUE, "association.file_approved": entries})
    assert any(line.startswith("uk: SMS of ") for line in template_problems("association.file_approved"))


def test_a_translation_with_other_placeholders_stops_the_service() -> None:
    with pytest.raises(TemplateError, match=r"owner.x \(uk\): the body's placeholders differ"):
        templates._check({"owner.x": {"en": Message("Hello", "Home {postal_code}"), "uk": Message("Привіт", "Житло {postcode}")}})


def test_the_catalogues_are_read_from_the_package_and_shipped_with_it() -> None:
    """The service reads the ``.po`` files of its package (compiled in memory, as the web front does), and
    the package declares them, so that an installed service (the image) has them."""
    assert templates.translations("fr").gettext("Your home is let") == "Votre logement est loué"
    assert templates.translations("en").gettext("Your home is let") == "Your home is let"  # the source
    package = tomllib.loads((Path(abri_notifications.__file__).parent.parent / "pyproject.toml").read_text(encoding="utf-8"))
    declared = package["tool"]["setuptools"]["package-data"]["abri_notifications"]
    shipped = [path.relative_to(LOCALE_DIR.parent).as_posix() for path in LOCALE_DIR.glob("*/LC_MESSAGES/*.po")]
    assert sorted(path.split("/")[1] for path in shipped) == sorted(TRANSLATED)
    assert all(any(fnmatch(path, pattern) for pattern in declared) for path in shipped)


@pytest.mark.parametrize("field", sorted(CODES))
def test_every_code_in_every_language(field: str) -> None:
    problems = []
    for code, phrases in CODES[field].items():
        problems += [f"{code}: missing {language}" for language in LANGUAGES if language not in phrases]
        for language, phrase in phrases.items():
            if language != SOURCE_LANGUAGE and phrase == phrases[SOURCE_LANGUAGE]:
                problems.append(f"{code} ({language}): identical to the English")
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


HOMES = [  # what names the home in each language, and the words of the text an older event gets instead
    ("fr", "de votre logement situé à Saint-Denis (97400) ne sera plus valide", "de votre logement ne sera plus valide"),
    ("en", "of your home in 97400 Saint-Denis will no longer be valid", "of your home will no longer be valid"),
    ("ar", "لمسكنك الواقع في Saint-Denis (97400) صالحًا", "لمسكنك صالحًا"),
    ("uk", "вашого житла за адресою 97400 Saint-Denis буде недійсним", "вашого житла буде недійсним"),
]


@pytest.mark.parametrize(("language", "named", "unnamed"), HOMES)
def test_a_deadline_names_the_home_and_an_older_announcement_says_your_home(language: str, named: str, unnamed: str) -> None:
    values = {"deadline": date(2031, 3, 1), "energy_class": "D", "overseas": True, "postal_code": "97400", "commune": "Saint-Denis"}
    text = render("owner.dpe_expiry_announced", language, values, Channel.EMAIL).text
    assert named in text and "97400" in text and "2031" in text
    older = render("owner.dpe_expiry_announced", language, {**values, "postal_code": None, "commune": None}, Channel.EMAIL).text
    assert unnamed in older and "97400" not in older and "Saint-Denis" not in older
    half = render("owner.dpe_expiry_announced", language, {**values, "commune": None}, Channel.EMAIL).text  # a name without its commune
    assert half == older
    with pytest.raises(MissingValue, match="deadline"):  # only the home's name may be absent: a message never has a hole
        render("owner.dpe_expiry_announced", language, {**values, "deadline": None}, Channel.EMAIL)


@pytest.mark.parametrize(
    ("template", "named"),
    [
        ("owner.letting_ban_announced", "Votre logement situé à Paris (75011) est de classe énergétique F"),
        ("owner.unit_returned_to_draft_ban", "Votre logement situé à Paris (75011) est désormais frappé d'une interdiction de louer"),
        ("owner.unit_returned_to_draft_dpe", "de votre logement situé à Paris (75011) n'est plus valide"),
        ("owner.unit_returned_to_draft_rules", "Votre logement situé à Paris (75011) ne respecte plus ces règles de location"),
    ],
)
def test_every_deadline_and_return_to_draft_names_the_home(template: str, named: str) -> None:
    values = {
        "deadline": date(2028, 1, 1), "energy_class": "F", "overseas": False, "rules": ["deposit_cap"],
        "postal_code": "75011", "commune": "Paris",
    }  # fmt: skip
    assert named in render(template, "fr", values, Channel.EMAIL).text
    sms = render(template, "fr", values, Channel.SMS).sms or ""
    assert "75011" not in sms and "Paris" not in sms  # an SMS shows a date at most (minimisation)


def test_a_withdrawal_names_the_home_of_its_snapshot() -> None:
    withdrawn = {"unit_id": UUID(int=1), "reason": "letting_ban", "unit": {"postal_code": "97200", "commune": "Fort-de-France"}}
    assert with_home(withdrawn) == {**withdrawn, "postal_code": "97200", "commune": "Fort-de-France"}
    assert with_home({"reason": "owner", "unit": None}) == {"reason": "owner", "unit": None}  # an older event: nothing to name
    announced = {"postal_code": "75011", "commune": "Paris"}
    assert with_home(announced) == announced
    text = render("owner.unit_returned_to_draft_ban", "uk", with_home(withdrawn), Channel.EMAIL).text
    assert "вашого житла за адресою 97200 Fort-de-France" in text


def test_an_unnamed_body_shows_what_the_body_shows_but_the_home() -> None:
    with pytest.raises(TemplateError, match="unnamed body"):
        templates._check({"owner.x": {"en": Message("Hello", "Home {postal_code} {deadline}", unnamed="Home {rules}")}})
