"""Coded refusals: a rule that refuses names itself, its numbers and the legal text it applies.

Every service keeps its rules' sources as data (``LegalSource``, one per rule id, beside its policy) and
refuses with :func:`coded_error` entries in the ``errors`` member of its problem-details body, so that a
page, a partner's client or an inspector reads the same thing everywhere:

``{"rule": "energy_letting_ban", "fields": ["energy_class"], "message": "...", "params": {...},
"source": "Loi 2021-1104, art. 160", "source_url": "https://www.legifrance.gouv.fr/..."}``

``rule`` and ``params`` are stable (a page writes the sentence in its reader's language from them);
``message`` is a plain English explanation for logs and API users; ``source`` is empty for Abri's own
coherence checks, which no law sets.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

Param = str | int | float | bool | None


@dataclass(frozen=True)
class LegalSource:
    """The text a rule applies: its citation (``text``: act and article, as a reader would look it up)
    and where to read it (``url``: Légifrance or the fund's own page; ``None`` for Abri's own choices)."""

    text: str
    url: str | None = None


NO_SOURCE = LegalSource("")
"""An Abri coherence check (rent positive, dates in order): no law to cite."""


def coded_error(
    rule: str,
    message: str,
    *,
    source: LegalSource = NO_SOURCE,
    params: Mapping[str, Param] | None = None,
    fields: Iterable[str] = (),
) -> dict[str, Any]:
    """One entry of a 422's ``errors``: the rule's id, the fields concerned, an English explanation, its
    numbers and its legal source."""
    return {
        "rule": rule,
        "fields": list(fields),
        "message": message,
        "params": dict(params or {}),
        "source": source.text,
        "source_url": source.url,
    }
