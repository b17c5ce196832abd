"""The household's consent as a gate on its guarantee file. Pure.

A guarantee file is filed, and the fund reads the tenant's data (identity, situation, documents, the
messages, the visa's holder), only while the household's ``guarantee_file`` purpose is in force, as
matching last said (``household.consents_changed``). Once withdrawn, the fund still sees what is not
personal: the file's amounts, statuses, coded reasons and dates, without the tenant's identity.
"""

from __future__ import annotations

from collections.abc import Collection

from abri_kit.legal import LegalSource, coded_error

GUARANTEE_FILE = "guarantee_file"
CONSENT_REQUIRED = "consent_required"
SOURCE = LegalSource("RGPD art. 6 (1) a et art. 7 (3)", "https://eur-lex.europa.eu/eli/reg/2016/679/oj")
FUND_STILL_SEES = "the fund still sees the file's amounts, statuses, coded reasons and dates, without the tenant's identity"


def in_force(purposes: Collection[str] | None, *, erased: bool = False) -> bool:
    """Whether the household's data may go to a fund (``purposes``: None when matching never said)."""
    return not erased and purposes is not None and GUARANTEE_FILE in purposes


def refusal() -> dict[str, object]:
    """The coded item of a refusal (``errors`` of a 403 or 422; ``code`` kept beside ``rule`` for older readers)."""
    item = coded_error(
        CONSENT_REQUIRED,
        "the household has not consented to its guarantee file going to a fund (or withdrew it)",
        source=SOURCE,
        params={"purpose": GUARANTEE_FILE},
    )
    return {**item, "code": CONSENT_REQUIRED}
