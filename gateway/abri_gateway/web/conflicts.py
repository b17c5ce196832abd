"""A service's refusal that is not a form's field error, in the reader's language: above all its conflicts
(409: the resource is not in a state that allows the step) and stale versions (412).

The services answer RFC 9457 problems whose ``detail`` is English for developers (``a withdrawn unit
cannot withdraw``). A page never shows it: :func:`explained` writes the sentence from what identifies the
problem — its ``code``, else the last part of its ``type`` when it is not ``about:blank``, else its
``title`` (each service's conflicts carry a stable title: ``File closed``, ``Not searching``...), all
read as one snake_case key — and falls back on a translated sentence for the status, never on the
English. Coded refusals (422 with ``rule``) are written by ``refusals.py``.

Conflicts the services answer, by key (``tests/web/test_conflicts.py`` checks that every 409 title the
services raise has its words here):

- matching: ``erased``, ``duplicate_reference``, ``not_allowed_at_this_step``, ``changed_meanwhile``,
  ``not_searching``, ``unit_already_proposed``, ``already_reviewed``, ``too_late``,
  ``not_a_sliding_lease``, ``not_ready_to_slide``, ``no_term_recorded``, ``lease_ended``, ``not_a_lease``, ``no_contract``,
  ``account_already_linked``,
  ``household_already_linked``, ``invitation_not_pending``;
- listings: ``not_allowed_in_this_state`` (abri_kit's default title of a conflict);
- guarantees: ``file_closed``, ``invalid_transition``, ``fund_exists``, ``months_already_claimed``,
  ``unit_unknown``, ``not_waiting``, ``file_open``, ``already_revoked``, ``conflict``;
- notifications: ``not_failed``, ``too_many_endpoints``, ``removed``;
- assistant: ``no_association_to_hand_over_to``;
- every service (abri_kit's idempotency): ``in_progress``, ``not_replayable``, ``conflict``; (its ops API)
  ``dead_letter_still_fails``, ``nothing_to_replay``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from babel.dates import format_date

from abri_gateway.web import i18n
from abri_gateway.web.api import ApiError
from abri_gateway.web.i18n import gettext as _
from abri_gateway.web.refusals import is_coded, sentence

MONTH = re.compile(r"\b(\d{4})-(\d{2})\b")
CONFLICTS = frozenset({409, 412, 428})
"""A conflict with the resource's state, a stale version, a version missing."""


def key_of(problem: Mapping[str, Any]) -> str:
    """What identifies a problem, as a snake_case key: its ``code``, else its ``type``'s last part, else its ``title``."""
    kind = str(problem.get("type") or "")
    named = kind.rstrip("/").rsplit("/", 1)[-1] if kind not in ("", "about:blank") else None
    for found in (problem.get("code"), named, problem.get("title")):
        if found:
            return re.sub(r"[^a-z0-9]+", "_", str(found).lower()).strip("_")
    return ""


def explained(error: ApiError) -> str:
    """The refusal ``error`` as a sentence in the current language (never the service's English ``detail``)."""
    problem = error.problem
    coded = [item for item in error.errors if is_coded(item)]
    if coded:
        return " ".join(dict.fromkeys(sentence(item) for item in coded))
    write = _WORDS.get(key_of(problem)) if error.status in CONFLICTS else None
    if write is not None:
        return write(problem)
    if error.status == 412:
        return _stale()
    if error.status == 428:
        return _("This change needs the version of the page you read: reload the page, then make your change again.")
    if error.status == 409:
        return _generic_conflict()
    if error.status == 403:
        return _("Your role does not allow this.")
    if error.status in (404, 410):
        return _("This page does not exist, or it is not yours.") if error.status == 404 else _("This is no longer available.")
    if error.status == 429:
        return _("Too many requests in a short time: try again in a minute.")
    if error.status >= 500:
        return _("A part of Abri does not answer right now. Try again in a moment.")
    return _("Abri could not do this: check what you entered, reload the page and try again.")


def _stale() -> str:
    return _("Someone changed this meanwhile: reload the page to see it as it is now, then make your change again.")


def _generic_conflict() -> str:
    return _("This is not possible in its current state (it may have changed meanwhile): reload the page to see where it stands.")


def _months_claimed(problem: Mapping[str, Any]) -> str:
    """The months an earlier claim still standing declares (``YYYY-MM`` in the detail), as the language writes them."""
    months = [date(int(year), int(month), 1) for year, month in MONTH.findall(str(problem.get("detail") or "")) if 1 <= int(month) <= 12]
    if not months:
        return _("A claim still standing already declares these months: remove them from this one.")
    words = ", ".join(format_date(month, format="LLLL y", locale=i18n.current()) for month in months)
    return _("A claim still standing already declares %(months)s: remove them from this one.", months=words)


_WORDS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    # matching
    "erased": lambda p: _("This household's personal data were erased: this can no longer be done for it."),
    "duplicate_reference": lambda p: _("Your association already has a household with this reference: choose another one."),
    "not_allowed_at_this_step": lambda p: _(
        "This cannot be done at this step of the placement (it may have changed meanwhile): reload the page to see where it stands."
    ),
    "changed_meanwhile": lambda p: _stale(),
    "not_searching": lambda p: _("This household is not searching any more: it already has a proposal or a home."),
    "unit_already_proposed": lambda p: _("This unit already has a proposal under way."),
    "already_reviewed": lambda p: _("This suggestion was already reviewed."),
    "too_late": lambda p: _("The answer was due earlier: the proposal has lapsed."),
    "not_a_sliding_lease": lambda p: _("Only a sliding lease has joint reviews and slides to the household."),
    "no_term_recorded": lambda p: _("The lease's end date is not recorded: it cannot be renewed."),
    "lease_ended": lambda p: _("This lease has ended: nothing more can be recorded for it."),
    "not_a_lease": lambda p: _(
        "An intergenerational cohabitation contract is not renewed: it ends on the day agreed, and its parties may sign a new one."
    ),
    "no_contract": lambda p: _("No intergenerational cohabitation contract is recorded for this placement yet."),
    "not_ready_to_slide": lambda p: _("The owner agrees to a slide once a joint review found the household ready to take over the lease."),
    "account_already_linked": lambda p: _(
        "Your account is already linked to a household's file: an account reads one file only. Ask the association of that file"
        " to unlink it first."
    ),
    "household_already_linked": lambda p: _(
        "This household's file is already linked to an account: the association unlinks it before inviting the household again."
    ),
    "invitation_not_pending": lambda p: _("This invitation is no longer waiting: it was accepted, revoked or has expired."),
    "inventory_signed": lambda p: _("Both sides signed this inventory: it can no longer be changed."),
    "inventory_exists": lambda p: _("This lease already has this inventory: open it from the lease's inventories."),
    # listings
    "not_allowed_in_this_state": lambda p: _generic_conflict(),
    # guarantees
    "file_closed": lambda p: _("The file is decided: its documents can no longer be changed."),
    "invalid_transition": lambda p: _(
        "The file or the claim is no longer at a step that allows this (it may have changed meanwhile): reload the page to see"
        " where it stands."
    ),
    "fund_exists": lambda p: _("A fund with this identifier already exists."),
    "months_already_claimed": _months_claimed,
    "unit_unknown": lambda p: _("The funds do not know this home yet: try again in a moment."),
    "not_waiting": lambda p: _("This placement is not waiting for a guarantee."),
    "file_open": lambda p: _("A file is already open for this placement."),
    "already_revoked": lambda p: _("This visa is already revoked."),
    # notifications
    "not_failed": lambda p: _("This notification has not failed: there is nothing to send again."),
    "too_many_endpoints": lambda p: _("Your organisation has as many active webhook endpoints as it may: remove one first."),
    "removed": lambda p: _("This webhook endpoint was removed meanwhile: create a new one."),
    # assistant
    "no_association_to_hand_over_to": lambda p: _(
        "Your association has not linked your account to your file yet, so the conversation cannot be handed over:"
        " ask the association that supports you, or call the numbers shown."
    ),
    # every service: a form sent twice (the Idempotency-Key of its first sending)
    "in_progress": lambda p: _("This form is still being processed: wait a moment, then reload the page."),
    "not_replayable": lambda p: _("This form was already sent: reload the page to see what it did."),
    "conflict": lambda p: _("This could not be done right now: reload the page and try again."),
    # every service's ops API (abri_kit): a replay of dead letters
    "dead_letter_still_fails": lambda p: _("A dead letter still fails: fix its cause, then replay it again."),
    "nothing_to_replay": lambda p: _("This service applies no event: it has no dead letter to replay."),
    # 412 (abri_kit's Stale) and 428
    "precondition_failed": lambda p: _stale(),
}


def known_keys() -> frozenset[str]:
    """The problems that have words of their own (for the test that every service's conflict has)."""
    return frozenset(_WORDS)
