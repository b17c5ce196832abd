"""Why someone other than the person reads a person's personal data held by notifications (their
addresses, their inbox, the texts sent to them): a coded list, written to the access log
(``abri_kit.access_log``), never free text (a free text could carry a name).

Not logged: the person reading their own (their preferences, their inbox) and the service's own sending
(opening an address to send a message is no one's reading)."""

from __future__ import annotations

from enum import StrEnum


class PersonalDataPurpose(StrEnum):
    """The purposes a read of a person's data by someone else may name."""

    EXPORT = "export"
    """The household's data were exported on its behalf by its association (GDPR art. 15 and 20)."""
