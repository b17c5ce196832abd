"""How pages name a household: the only way a household's reference reaches a page.

A household is named by its association's reference (a code, never a name). Once its data are erased,
matching replaces that reference with ``erased-<its id>`` (``domain/erasure.py``: a placeholder that keeps
references unique) and marks it ``erased``; a page then says "Erased household" in the reader's language,
never the placeholder, whatever list or record it was read from (some, such as a match's household, carry
the reference without the mark: the placeholder alone gives it away)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from abri_gateway.web.i18n import gettext as _

ERASED_PREFIX = "erased-"


def is_erased(household: Mapping[str, Any]) -> bool:
    """Whether the household's data are erased: matching's mark, or the reference it leaves in its place."""
    if household.get("erased"):
        return True
    own_id = household.get("id") or household.get("household_id")
    return bool(own_id) and household.get("reference") == f"{ERASED_PREFIX}{own_id}"


def household_name(household: Mapping[str, Any] | None) -> str:
    """The household as a page names it: its reference, "Erased household" once erased, "Household" when
    the page does not know it (a placement of a household the association no longer lists)."""
    if household and is_erased(household):
        return _("Erased household")
    if not household or not household.get("reference"):
        return _("Household")
    return str(household["reference"])
