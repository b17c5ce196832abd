"""The data shipped with the service, read and checked once: the knowledge base (``knowledge/*.toml``) and the
wording of a file's stages (``wording/file_states.toml``)."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any

from abri_assistant.domain.file_words import check_wording
from abri_assistant.domain.knowledge import Entry, parse_entry
from abri_assistant.domain.reply_words import check_reply_words


@cache
def knowledge_base() -> tuple[Entry, ...]:
    """Every entry, by id (a malformed one fails at start, naming itself)."""
    folder = resources.files("abri_assistant").joinpath("knowledge")
    found = [
        parse_entry(item.name.removesuffix(".toml"), tomllib.loads(item.read_text(encoding="utf-8")))
        for item in folder.iterdir()
        if item.name.endswith(".toml")
    ]
    return tuple(sorted(found, key=lambda entry: entry.id))


@cache
def file_wording() -> dict[str, Any]:
    """How the assistant words a file's stage and next step, checked (``wording/file_states.toml``)."""
    wording = tomllib.loads(resources.files("abri_assistant").joinpath("wording/file_states.toml").read_text(encoding="utf-8"))
    check_wording(wording)
    return wording


@cache
def reply_wording() -> dict[str, Any]:
    """What the assistant says besides the knowledge base, checked (``wording/replies.toml``)."""
    wording = tomllib.loads(resources.files("abri_assistant").joinpath("wording/replies.toml").read_text(encoding="utf-8"))
    check_reply_words(wording)
    return wording
