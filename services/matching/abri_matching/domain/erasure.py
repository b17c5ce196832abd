"""What matching keeps of an erased household, why and until when. Pure.

An erasure destroys the household's data key (identity, contact, situations can no longer be opened),
unlinks its account, clears its purposes, replaces its association's reference (the association's own
code, which could point to the person) by a non-identifying one and, when the household asked itself,
keeps only the requester's role. What stays holds no name, no contact, no free text about the person,
only ids, counts, dates and codes:

- ``consent_proof``: its consents (purpose, notice version, dates, the social worker who recorded
  them): the controller must be able to prove that the processing had a basis (GDPR art. 7(1)), for as
  long as an action can be brought (Code civil art. 2224: 5 years), counted from the erasure, which
  ended the processing; then deleted by the retention sweeper (``domain/retention.py``,
  ``consent_proof_years``);
- ``placement_history``: its placements and their steps (unit, owner, who moved each step and why, in
  codes): the evidence of who proposed, who answered and why, for a dispute while an action can be
  brought (Code civil art. 2224), 5 years after each placement's last step (``placement_years``); a
  sliding lease not yet slid is still followed, so its end is not known yet (``until`` empty);
- ``inventories``: the move-in and move-out inventories of its leases (the home's condition, the parties' notes and
  photos, the names the parties typed), sealed with their own keys: the lease's evidence (loi 89-462, art. 3-2),
  kept while the lease runs and 3 years after the deposit's last day (``domain/retention.py``, ``inventory_years``);
- ``erasure_record``: the household's row without identity (composition, resources, wanted places,
  dates) and this request (who asked, by role, and when): the proof that the erasure was done (GDPR
  art. 5(2) and 17); no end date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from abri_matching.domain.retention import RetentionPolicy, still_followed

CONSENT_PROOF = "GDPR art. 7(1) (the controller proves the consent) and Code civil art. 2224 (limitation of personal actions: 5 years)"
PLACEMENT_HISTORY = "Code civil art. 2224 (limitation of personal actions: 5 years after the facts)"
ERASURE_RECORD = "GDPR art. 5(2) and 17 (accountability: the proof that the erasure was done)"
INVENTORIES = (
    "Loi 89-462, art. 3-2 (the inventories are the lease's evidence of the home's condition) and art. 7-1 (actions arising "
    "from the lease are barred after 3 years)"
)


@dataclass(frozen=True)
class PlacementTrace:
    """A placement as the erasure leaves it: its status, its lease and its last step."""

    status: str
    lease_type: str | None
    last_step_on: date
    """The day of its last step, in France."""


def erased_reference(household_id: object) -> str:
    """The reference an erased household keeps: its own id, which means nothing outside matching and
    keeps the association's references unique."""
    return f"erased-{household_id}"


def years_after(day: date, years: int) -> date:
    """``years`` calendar years after ``day`` (29 February → 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def kept(
    erased_on: date,
    placements: list[PlacementTrace],
    policy: RetentionPolicy = RetentionPolicy(),
    moved_out_on: list[date | None] | None = None,
) -> list[dict[str, object]]:
    """``{what, legal_basis, until}`` of what matching keeps (``until`` an ISO date, or None: no end known).
    ``moved_out_on``: for each of the household's leases with inventories, the day of its move-out inventory (None:
    the lease runs); they are kept with their own keys, so the erasure does not reach them (``inventories``)."""
    out: list[dict[str, object]] = [
        {"what": "consent_proof", "legal_basis": CONSENT_PROOF, "until": years_after(erased_on, policy.consent_proof_years).isoformat()}
    ]
    if placements:
        followed = any(still_followed(p.status, p.lease_type) for p in placements)
        latest = max(p.last_step_on for p in placements)
        until = None if followed else years_after(latest, policy.placement_years).isoformat()
        out.append({"what": "placement_history", "legal_basis": PLACEMENT_HISTORY, "until": until})
    if moved_out_on:
        ends = [policy.inventories_kept_until(day) if day is not None else None for day in moved_out_on]
        last = None if None in ends else max(e for e in ends if e is not None).isoformat()
        out.append({"what": "inventories", "legal_basis": INVENTORIES, "until": last})
        history = next((entry for entry in out if entry["what"] == "placement_history"), None)
        if history is not None and history["until"] is not None:  # a placement is kept as long as its inventories
            history["until"] = None if last is None else max(str(history["until"]), last)
    out.append({"what": "erasure_record", "legal_basis": ERASURE_RECORD, "until": None})
    return out
