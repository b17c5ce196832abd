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


class Texts:
    """Where the texts several services cite are read (Légifrance: the consolidated text of a law or code,
    by its stable identifier), so that every service links the same page."""

    LOI_89_462 = "https://www.legifrance.gouv.fr/loda/id/JORFTEXT000000509310"
    """Loi n° 89-462 of 6 July 1989 (residential leases)."""
    LOI_2021_1104 = "https://www.legifrance.gouv.fr/jorf/id/JORFTEXT000043956924"
    """Loi n° 2021-1104 of 22 August 2021 (Climat et résilience)."""
    CCH = "https://www.legifrance.gouv.fr/codes/id/LEGITEXT000006074096"
    """Code de la construction et de l'habitation."""
    CGI = "https://www.legifrance.gouv.fr/codes/id/LEGITEXT000006069577"
    """Code général des impôts."""
    DECRET_2020_1610 = "https://www.legifrance.gouv.fr/jorf/id/JORFTEXT000042695187"
    """Décret n° 2020-1610 of 17 December 2020 (validity of DPEs)."""


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
