"""What a household's data may be processed for: its consents in force, and the legal bases recorded
with it that stand in for a consent. Pure.

Each processing names its purpose and checks it here before it starts (``usecases/consent_gate.py``):
ranking, suggestions, proposals and allocations need ``matching``; showing the household's contact to
the owner who accepted it needs ``share_with_owner_after_acceptance``; a guarantee file ``guarantee_file``
(checked by the guarantees service); being told by notifications ``notifications``. A consent withdrawn is
out of force at once. An orientation by the SIAO (``siao_orientation``: the integrated reception and
orientation service orients the household towards housing, CASF art. L345-2-4) is a legal basis for
matching, without a consent: the association records it with the household (who, when).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from abri_kit.legal import LegalSource, source_fields


class Purpose(StrEnum):
    MATCHING = "matching"
    SHARE_WITH_OWNER_AFTER_ACCEPTANCE = "share_with_owner_after_acceptance"
    GUARANTEE_FILE = "guarantee_file"
    NOTIFICATIONS = "notifications"


class LegalBasis(StrEnum):
    SIAO_ORIENTATION = "siao_orientation"


STANDS_IN_FOR: dict[LegalBasis, frozenset[Purpose]] = {LegalBasis.SIAO_ORIENTATION: frozenset({Purpose.MATCHING})}
"""The purposes a recorded legal basis covers without a consent."""

CONSENT_REQUIRED = "consent_required"
"""The coded rule of a refusal: the purpose is neither consented (and not withdrawn) nor covered by a legal basis."""
SOURCE = "RGPD art. 6 (1) a et art. 7 (3); CASF art. L345-2-4 (SIAO)"


@dataclass(frozen=True)
class Consents:
    """A household's consents not withdrawn (their purposes) and its recorded legal bases."""

    given: frozenset[str]
    legal_bases: frozenset[str] = frozenset()

    @classmethod
    def of(cls, given: Iterable[str], legal_bases: Iterable[str | None] = ()) -> Consents:
        return cls(frozenset(given), frozenset(basis for basis in legal_bases if basis))

    def in_force(self, purpose: Purpose | str) -> bool:
        """Whether the household's data may be processed for ``purpose`` now."""
        if str(purpose) in self.given:
            return True
        return any(Purpose(purpose) in STANDS_IN_FOR.get(LegalBasis(basis), frozenset()) for basis in self.legal_bases)

    def purposes_in_force(self) -> list[str]:
        """Every purpose in force, in the order of :class:`Purpose`."""
        return [purpose.value for purpose in Purpose if self.in_force(purpose)]


def refusal(purpose: Purpose | str) -> dict[str, object]:
    """The coded item of a refusal for ``purpose`` (``errors`` of a 403 or 422)."""
    covered = [basis.value for basis, purposes in STANDS_IN_FOR.items() if Purpose(purpose) in purposes]
    return {
        "rule": CONSENT_REQUIRED,
        "code": CONSENT_REQUIRED,
        "message": f"the household has not consented to {purpose} (or withdrew it)"
        + (f", and no legal basis standing in for it ({', '.join(covered)}) is recorded" if covered else ""),
        "params": {"purpose": str(purpose), "legal_bases": covered},
        **source_fields(LegalSource(SOURCE)),
    }
