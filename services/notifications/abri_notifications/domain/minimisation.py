"""What a reader may see in a message, per kind of reader, template and channel. Pure.

The rule is the GDPR's data minimisation (art. 5(1)(c): "adequate, relevant and limited to what is
necessary"), as the CNIL applies it: a message carries the values its text shows and nothing more. On
top of it, three guards that hold even if a template or a caller goes wrong:

1. **Owners never get household identity or priority situation** (``docs/domain-rules.md``, "Notifications: data
   minimisation": an owner never sees households' identity or situation before accepting a proposal).
   The rule forbids it before acceptance; no owner message needs it after either (the lease is made
   through the association), so :data:`HOUSEHOLD_IDENTITY` and :data:`PRIORITY_SITUATION` are never
   allowed to an owner, whatever the template. The proposal's anonymous summary (household size,
   resources band, whether a guarantee is filed) is what the contract ``placement.proposed`` gives
   the owner, and stays allowed on the proposal's email and inbox message.
2. **SMS carry no situation details** (issue 7, "Data minimisation"; CNIL, SMS and lock screens are
   read by whoever holds the phone): on the SMS channel only dates are allowed (:data:`DATE_FIELDS`),
   never :data:`SITUATION_DETAILS` (resources, household size, reasons, amounts). An SMS says "you have
   a new X, open Abri", at most with a deadline.
3. **Ids of other parties are never passed on**: a reader gets the opaque ids of the case the message
   is about (:data:`REFERENCE_FIELDS`, to link to it in the app or a partner system; not on SMS),
   never the subject of another party (``owner_id``, ``org_id``, ``fund_id``, ``household_id``).
4. **A household reads only its own news, in plain words** (issue 20): never another person's data (the
   owner's subject, the association's or the fund's ids), nor the owner's or the fund's reasons and
   amounts (:data:`NOT_FOR_HOUSEHOLDS`): its social worker explains them in person.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from abri_notifications.domain.routing import ID_FIELDS, RecipientKind
from abri_notifications.domain.templates import Channel, fields_of

HOUSEHOLD_IDENTITY = frozenset(
    {
        "first_name",
        "last_name",
        "name",
        "full_name",
        "birth_name",
        "email",
        "phone",
        "birth_date",
        "age",
        "address",
        "nationality",
        "household_id",
        "members",
    }
)
"""Fields that identify a household or its members (``docs/domain-rules.md``, "Personal data")."""

PRIORITY_SITUATION = frozenset(
    {
        "priority",
        "priority_situations",
        "priority_groups",
        "dalo",
        "situation",
        "situations",
        "disability",
        "health",
        "domestic_violence",
        "eviction",
        "resources_cents",
    }
)
"""A household's situation beyond the anonymous summary: DALO and L441-1 CCH priority situations
(``docs/domain-rules.md``, "Priority situations"), health and disability, exact resources."""

SITUATION_DETAILS = frozenset(
    {
        "resources_band",
        "household_size",
        "guarantee_required",
        "reason",
        "reasons",
        "failed_rules",
        "rules",
        "outcome",
    }
)
"""Details of a situation that an SMS never carries (nor any ``*_cents`` amount)."""

DATE_FIELDS = frozenset(
    {
        "answer_by",
        "review_deadline",
        "valid_until",
        "available_from",
        "lease_starts_on",
        "lease_signed_on",
        "ended_on",
        "next_review_by",
        "deadline",
    }
)
"""The dates an SMS may carry (deadlines and the day a step takes effect)."""

REFERENCE_FIELDS = frozenset({"unit_id", "placement_id", "file_id", "claim_id"})
"""Opaque ids of the case a message is about, to link to it (not on SMS)."""

PARTY_IDS = frozenset(ID_FIELDS.values())

NOT_FOR_HOUSEHOLDS = frozenset({"reason", "reasons", "failed_rules", "rules", "resources_band", "household_size", "guarantee_required"})
"""What a household's message never carries besides other parties' ids: the owner's reason to decline, the
fund's reasons, the owner's view of the proposal (and no amount: ``*_cents``)."""


def is_situation_detail(field: str) -> bool:
    """A field an SMS never carries: situation details and amounts."""
    return field in SITUATION_DETAILS or field.endswith("_cents")


def forbidden_fields(recipient_kind: RecipientKind | str, channel: Channel | str) -> frozenset[str]:
    """Fields never allowed to this kind of reader on this channel, whatever the template (rules 1–3)."""
    forbidden = set(PARTY_IDS)
    if RecipientKind(recipient_kind) is RecipientKind.OWNER:
        forbidden |= HOUSEHOLD_IDENTITY | PRIORITY_SITUATION
    if RecipientKind(recipient_kind) is RecipientKind.HOUSEHOLD:
        forbidden |= NOT_FOR_HOUSEHOLDS
    if Channel(channel) is Channel.SMS:
        forbidden |= SITUATION_DETAILS | REFERENCE_FIELDS
    return frozenset(forbidden)


def allowed_fields(recipient_kind: RecipientKind | str, template: str, channel: Channel | str) -> frozenset[str]:
    """The values a message may carry: the placeholders of its text on that channel (plus the ids of its
    case, except on SMS), less the forbidden fields; on SMS, only dates."""
    channel = Channel(channel)
    fields = set(fields_of(template, channel))
    if channel is Channel.SMS:
        fields = {field for field in fields if field in DATE_FIELDS and not is_situation_detail(field)}
    else:
        fields |= REFERENCE_FIELDS
    return frozenset(fields - forbidden_fields(recipient_kind, channel))


def minimise(values: Mapping[str, Any], recipient_kind: RecipientKind | str, template: str, channel: Channel | str) -> dict[str, Any]:
    """``values`` without anything the reader may not see on that channel."""
    allowed = allowed_fields(recipient_kind, template, channel)
    household = RecipientKind(recipient_kind) is RecipientKind.HOUSEHOLD
    return {field: value for field, value in values.items() if field in allowed and not (household and field.endswith("_cents"))}
