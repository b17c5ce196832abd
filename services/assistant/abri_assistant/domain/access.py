"""Why someone other than the person reads a conversation with the assistant: a coded list, written to the
access log (``abri_kit.access_log``), never free text (a free text could carry a name).

Not logged: the person reading their own conversation, and the assistant answering it."""

from __future__ import annotations

from enum import StrEnum


class PersonalDataPurpose(StrEnum):
    """The purposes a reading of a person's conversation by someone else may name."""

    HANDOVER = "handover"
    """A social worker of the household's association read the conversation the household handed to it."""
