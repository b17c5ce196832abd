"""Coded refusals: a rule that refuses names itself, its numbers and the legal text it applies.

Every service keeps its rules' sources as data (``LegalSource``, one per rule id, beside its policy) and
refuses with :func:`coded_error` entries in the ``errors`` member of its problem-details body, so that a
page, a partner's client or an inspector reads the same thing everywhere:

``{"rule": "head_lease_ended", "fields": [...], "message": "...", "params": {...},
"source": "Loi 89-462, art. 8; a sub-let lasts no longer than the owner's lease to the association",
"source_url": "https://www.legifrance.gouv.fr/...", "source_citation": "Loi 89-462, art. 8",
"source_note": "sub_let_within_head_lease"}``

``rule`` and ``params`` are stable (a page writes the sentence in its reader's language from them);
``message`` is a plain English explanation for logs and API users; ``source`` is the whole source in
English words, empty for Abri's own coherence checks, which no law sets. A page shows the source in its
reader's language from the two other members: ``source_citation``, the reference of the text (a French
proper name, "Loi 89-462, art. 8", said as it is in every language; empty for a source that is no law,
such as the needs the association recorded) and ``source_note``, the stable code of the explanation that
follows it (``None`` for none), which the page translates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

Param = str | int | float | bool | None


@dataclass(frozen=True)
class Note:
    """What a source adds to its citation in words (why it applies, what is Abri's own choice): a stable
    ``code`` that pages translate (the web's catalogues) and its ``text`` in English for API users. A note
    is a fragment starting in lower case ("a sub-let lasts no longer than ...")."""

    code: str
    text: str


@dataclass(frozen=True)
class LegalSource:
    """The text a rule applies: its ``citation`` (act and article, as a reader would look it up: a French
    proper name, never translated; empty for a source that is no law), where to read it (``url``:
    Légifrance or the fund's own page; ``None`` for Abri's own choices) and its ``note`` in words."""

    citation: str
    url: str | None = None
    note: Note | None = None

    @property
    def text(self) -> str:
        """The whole source in English words (the ``source`` of a refusal): the citation and its note."""
        if self.note is None:
            return self.citation
        if not self.citation:
            return self.note.text[:1].upper() + self.note.text[1:]
        return f"{self.citation}; {self.note.text}"


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
    ARRETE_2011_03_10 = "https://www.legifrance.gouv.fr/loda/id/JORFTEXT000023700453"
    """Arrêté of 10 March 2011 (how a rent burden is computed)."""


def source_fields(source: LegalSource) -> dict[str, str | None]:
    """The members that name a source in an API answer (a refusal, a pre-check failure, a checklist): the
    whole source in English (``source``), its link, its citation alone and its note's code."""
    return {
        "source": source.text,
        "source_url": source.url,
        "source_citation": source.citation,
        "source_note": source.note.code if source.note else None,
    }


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
    return {"rule": rule, "fields": list(fields), "message": message, "params": dict(params or {}), **source_fields(source)}
