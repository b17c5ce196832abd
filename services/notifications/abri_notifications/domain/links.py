"""The page of the web front where the reader of each message acts on it (issue 20: "every message links to
the exact page to act"). Pure data and one function.

A link is a path of the web front (``gateway/abri_gateway/web/pages``), filled from the message's values
(``placement_id``, ``file_id``, ``unit_id``: ids of the case the reader may see); e-mails join it to the
configured public address of the web front (``ABRI_NOTIFICATIONS_PUBLIC_URL``), the inbox shows it as a
link. A path whose id the event lacks falls back to the reader's list page.
"""

from __future__ import annotations

from collections.abc import Mapping
from string import Formatter
from typing import Any

OWNER_UNIT = "/owner/units/{unit_id}"
OWNER_PROPOSALS = "/owner/proposals"
OWNER_GUARANTEES = "/owner/guarantees"
PLACEMENT = "/association/placements/{placement_id}"
ASSOCIATION_FILE = "/association/files/{file_id}"
FUND_FILE = "/fund/files/{file_id}"
HOUSEHOLD = "/household"
HANDED_CONVERSATION = "/association/conversations/{conversation_id}"
INBOX = "/inbox"
"""The inbox: where the owners' daily digest links to."""
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"
"""The web front's address when none is configured (the gateway's own default, ``make run``)."""

LINKS: Mapping[str, str] = {
    "owner.unit_published": OWNER_UNIT,
    "owner.unit_updated": OWNER_UNIT,
    "owner.unit_withdrawn": OWNER_UNIT,
    "owner.unit_returned_to_draft_ban": OWNER_UNIT,
    "owner.unit_returned_to_draft_dpe": OWNER_UNIT,
    "owner.unit_returned_to_draft_rules": OWNER_UNIT,
    "owner.letting_ban_announced": OWNER_UNIT,
    "owner.dpe_expiry_announced": OWNER_UNIT,
    "owner.unit_reserved": OWNER_PROPOSALS,
    "owner.unit_republished": OWNER_UNIT,
    "owner.unit_lease_ended": OWNER_UNIT,
    "owner.unit_let": OWNER_PROPOSALS,
    "owner.placement_proposed": OWNER_PROPOSALS,
    "owner.placement_proposed_association_tenant": OWNER_PROPOSALS,
    "owner.placement_withdrawn": OWNER_PROPOSALS,
    "owner.placement_expired": OWNER_PROPOSALS,
    "owner.lease_slid": OWNER_PROPOSALS,
    "owner.sliding_review_due": OWNER_PROPOSALS,
    "owner.sliding_review_overdue": OWNER_PROPOSALS,
    "owner.slide_agreed": OWNER_PROPOSALS,
    "owner.guarantee_activated": OWNER_GUARANTEES,
    "owner.guarantee_activation_refused": OWNER_GUARANTEES,
    "owner.guarantee_ended": OWNER_GUARANTEES,
    "owner.claim_validated": OWNER_GUARANTEES,
    "owner.claim_paid": OWNER_GUARANTEES,
    "owner.claim_rejected": OWNER_GUARANTEES,
    "owner.daily_digest": INBOX,
    "association.placement_accepted": PLACEMENT,
    "association.placement_declined": PLACEMENT,
    "association.placement_expired": PLACEMENT,
    "association.placement_fell_through": PLACEMENT,
    "association.guarantee_requested": PLACEMENT,
    "association.lease_signed": PLACEMENT,
    "association.sliding_reviewed": PLACEMENT,
    "association.sliding_review_due": PLACEMENT,
    "association.sliding_review_overdue": PLACEMENT,
    "association.slide_agreed": PLACEMENT,
    "association.lease_slid": PLACEMENT,
    "association.tell_household": PLACEMENT,
    "association.conversation_handed_over": HANDED_CONVERSATION,
    "association.conversation_handed_over_urgent": HANDED_CONVERSATION,
    "association.file_under_review": ASSOCIATION_FILE,
    "association.file_ineligible": ASSOCIATION_FILE,
    "association.file_information_requested": ASSOCIATION_FILE,
    "association.file_approved": ASSOCIATION_FILE,
    "association.file_rejected": ASSOCIATION_FILE,
    "association.visa_revoked": ASSOCIATION_FILE,
    "association.guarantee_activated": ASSOCIATION_FILE,
    "association.guarantee_activation_refused": ASSOCIATION_FILE,
    "fund.file_submitted": FUND_FILE,
    "fund.guarantee_activated": FUND_FILE,
    "fund.guarantee_ended": FUND_FILE,
    "fund.claim_filed": "/fund/claims",
}
"""Template key → the path of the page where its reader acts (``household.*``: the household's page)."""

FALLBACKS: Mapping[str, str] = {
    "owner": "/owner/proposals",
    "association": "/association/placements",
    "fund": "/fund/files",
    "household": HOUSEHOLD,
}
"""A reader's list page, for a path whose id the event lacks."""

_FORMATTER = Formatter()


def link_for(template: str, values: Mapping[str, Any]) -> str:
    """The path of the page where the reader of ``template`` acts, filled from ``values``."""
    reader = template.split(".", 1)[0]
    path = LINKS.get(template, HOUSEHOLD if reader == "household" else None) or FALLBACKS.get(reader, "/inbox")
    names = [name for _, name, _, _ in _FORMATTER.parse(path) if name]
    if any(values.get(name) in (None, "") for name in names):
        return FALLBACKS.get(reader, "/inbox")
    return path.format(**{name: values[name] for name in names})


def absolute(public_url: str, path: str) -> str:
    """The path joined to the web front's public address."""
    return f"{public_url.rstrip('/')}{path}"
