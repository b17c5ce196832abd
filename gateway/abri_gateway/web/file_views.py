"""The views of a list of guarantee files, shared by the fund's review queue and the association's files:
which files each view lists (the guarantees service's ``GET /v1/files`` filters), its name in words, and
how many files it holds (from ``GET /v1/files/counts``: true totals, never the length of a page)."""

from __future__ import annotations

from typing import Any

from abri_gateway.web.i18n import gettext as _

IN_QUEUE = ("under_review", "resubmitted")
"""The files waiting for the fund's decision (guarantees: ``domain/workflow.py`` ``IN_QUEUE``)."""
FILE_STATUSES = ("under_review", "resubmitted", "information_requested", "approved", "rejected", "ineligible", "withdrawn")
VIEWS = ("queue", "overdue", *FILE_STATUSES[2:], "all")
"""Every view: the files waiting for a decision, the overdue ones only, one status, or every file."""


def view_names() -> dict[str, str]:
    """Each view in words (in the current language)."""
    return {
        "queue": _("Waiting for a decision"),
        "overdue": _("Overdue only"),
        "information_requested": _("Information requested"),
        "approved": _("Approved"),
        "rejected": _("Rejected"),
        "ineligible": _("Not eligible"),
        "withdrawn": _("Withdrawn"),
        "all": _("Every file"),
    }


def view_filter(view: str) -> dict[str, Any]:
    """The guarantees service's filters of a view (``GET /v1/files``)."""
    if view == "queue":
        return {"status": list(IN_QUEUE)}
    if view == "overdue":
        return {"overdue": True}
    if view == "all":
        return {}
    return {"status": [view]}


def view_counts(counted: dict[str, Any]) -> dict[str, int]:
    """How many files each view lists, from the service's counts (true totals, whatever the pages: never
    the length of the page shown)."""
    by_status = counted["by_status"]
    return {
        "queue": int(counted["in_queue"]),
        "overdue": int(counted["overdue"]),
        **{status: int(by_status.get(status, 0)) for status in FILE_STATUSES[2:]},
        "all": int(counted["total"]),
    }
