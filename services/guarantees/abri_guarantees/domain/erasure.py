"""What the guarantees service keeps when a household is erased, why and how long. Pure.

An erasure destroys each file's data key (the tenant's identity and situation, the documents, the
messages and the visa holder's name can no longer be opened anywhere) and unlinks the files from the
household. What the law requires a fund to keep stays, pseudonymised (ids, amounts, dates, statuses and
coded reasons; no name, no contact, nothing that opens onto the person):

- a claim the fund paid is an accounting record: ten years (Code de commerce, art. L123-22: accounting
  documents and supporting evidence are kept ten years; counted here from the payment, the close of the
  fund's financial year coming at the latest within the following year);
- a guarantee that was activated and its claims not paid: five years after the guarantee's end (Code
  civil, art. 2224: personal actions are barred after five years), for the fund and the owner to settle.

Checked on 2026-12-05 against the texts' wording as cited by legal publishers (doctrine.fr, citing
Légifrance's LEGIARTI000006219326 and LEGIARTI000019017112); Légifrance itself was not reached from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class KeepRule:
    what: str
    legal_basis: str
    years: int


@dataclass(frozen=True)
class ErasurePolicy:
    """The legal keeps, configurable (``docs/domain-rules.md``, "Erasure: what is kept")."""

    paid_claims: KeepRule = KeepRule("paid_claims", "Code de commerce, art. L123-22 (accounting documents: 10 years)", 10)
    guarantees: KeepRule = KeepRule("guarantee_records", "Code civil, art. 2224 (limitation of personal actions: 5 years)", 5)


def until(start: date, years: int) -> date:
    """``years`` after ``start`` (29 February → 28 February)."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return start.replace(year=start.year + years, day=28)


def kept(paid_on: list[date], guarantees_end: list[date | None], policy: ErasurePolicy = ErasurePolicy()) -> list[dict[str, object]]:
    """What is kept, ``{what, legal_basis, until}``: the latest date each rule reaches (None: a guarantee
    still running, its end unknown)."""
    out: list[dict[str, object]] = []
    if paid_on:
        rule = policy.paid_claims
        out.append({"what": rule.what, "legal_basis": rule.legal_basis, "until": max(until(day, rule.years) for day in paid_on)})
    if guarantees_end:
        rule = policy.guarantees
        running = any(end is None for end in guarantees_end)
        latest = None if running else max(until(end, rule.years) for end in guarantees_end if end is not None)
        out.append({"what": rule.what, "legal_basis": rule.legal_basis, "until": latest})
    return out
