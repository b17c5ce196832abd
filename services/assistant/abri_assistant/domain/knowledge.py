"""The curated knowledge base: entries kept in the repository (``knowledge/<id>.toml``), each a question people
ask, other ways they ask it, and a short answer, in the four languages, with the source the answer rests on and
the day it was checked. Pure: parsing and checking an entry's document.

An entry's source is a public page (``https://``) or, for Abri's own steps and choices, a page of this
repository's documentation (``docs/<page>.md#<heading>``), which the pages link to.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from abri_assistant.domain.urgency import LANGUAGES, Language

Audience = Literal["household", "owner", "social_worker"]
AUDIENCES: tuple[Audience, ...] = ("household", "owner", "social_worker")
TOPICS = ("schemes", "abri_steps", "guarantees", "rights", "money", "energy", "privacy", "shared_housing")
_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_DOC = re.compile(r"^docs/[a-z0-9-]+\.md(#[a-z0-9-]+)?$")


@dataclass(frozen=True)
class Wording:
    """An entry in one language."""

    question: str
    also: tuple[str, ...]
    answer: str


SOURCE_LANGUAGES = ("fr", "en")
"""The languages a source's title is written in: French (a text cited as its publisher names it) or English
(Abri's own documentation). Pages mark the title with it, so that a screen reader reads it in its language."""


@dataclass(frozen=True)
class Source:
    title: str
    url: str
    checked_on: date
    language: str

    @property
    def in_repository(self) -> bool:
        """A page of Abri's own documentation, not a public one."""
        return not self.url.startswith("https://")


@dataclass(frozen=True)
class Entry:
    id: str
    topic: str
    audiences: tuple[Audience, ...]
    source: Source
    wordings: Mapping[Language, Wording]


def parse_entry(name: str, document: Mapping[str, object]) -> Entry:
    """An entry from its TOML document named ``name`` (the file's stem); ValueError naming what is wrong."""

    def fail(why: str) -> ValueError:
        return ValueError(f"knowledge entry {name}: {why}")

    if document.get("id") != name or not _ID.match(name):
        raise fail("its id must be the file's name, in kebab-case")
    topic, audiences, source = document.get("topic"), document.get("audiences"), document.get("source")
    if topic not in TOPICS:
        raise fail(f"unknown topic {topic!r}")
    if not isinstance(audiences, list) or not audiences or not set(audiences) <= set(AUDIENCES):
        raise fail(f"audiences must be some of {AUDIENCES}")
    if not isinstance(source, Mapping) or not isinstance(source.get("checked_on"), date) or not source.get("title"):
        raise fail("a source needs its title, url and the day it was checked (a TOML date)")
    url = str(source.get("url") or "")
    if not (url.startswith("https://") or _DOC.match(url)):
        raise fail(f"a source's url is a public https page or docs/<page>.md#<heading>, not {url!r}")
    if source.get("language") not in SOURCE_LANGUAGES:
        raise fail(f"a source's title says its language, one of {SOURCE_LANGUAGES}")
    wordings: dict[Language, Wording] = {}
    for language in LANGUAGES:
        section = document.get(language)
        if not isinstance(section, Mapping):
            raise fail(f"no [{language}] wording")
        question, answer, also = section.get("question"), section.get("answer"), section.get("also", [])
        if not isinstance(question, str) or not question.strip() or not isinstance(answer, str) or not answer.strip():
            raise fail(f"[{language}] needs a question and an answer")
        if not isinstance(also, Sequence) or not all(isinstance(a, str) and a.strip() for a in also):
            raise fail(f"[{language}] also is a list of phrasings")
        wordings[language] = Wording(question.strip(), tuple(a.strip() for a in also), answer.strip())
    return Entry(
        id=name,
        topic=str(topic),
        audiences=tuple(audiences),
        source=Source(str(source["title"]), url, source["checked_on"], str(source["language"])),
        wordings=wordings,
    )
