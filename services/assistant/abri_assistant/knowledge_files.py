"""The knowledge base shipped with the service (``knowledge/*.toml``), read and checked once."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources

from abri_assistant.domain.knowledge import Entry, parse_entry


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
