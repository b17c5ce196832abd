"""Why someone reads a guarantee file's personal data: a coded list, written to the access log
(``abri_kit.access_log``), never free text (a free text could carry a name)."""

from __future__ import annotations

from enum import StrEnum


class FileReadPurpose(StrEnum):
    """The purposes a read of a file's personal data (the tenant's data, a document, the messages) may name."""

    REVIEW_FILE = "review_file"
    """A fund agent reviews the file."""
    CHECK_IDENTITY = "check_identity"
    CHECK_RESOURCES = "check_resources"
    INFORMATION_REQUEST_ANSWER = "information_request_answer"
    """The association reads the file to answer a fund's request for information."""
    READ_MESSAGES = "read_messages"
    """The messages between the fund and the association were opened (the file's timeline)."""
    VISA_CERTIFICATE = "visa_certificate"
    """The visa certificate (PDF) was drawn, with the holder's name."""
    HOUSEHOLD_OWN_REQUEST = "household_own_request"
    """The household reads its own data."""
    EXPORT = "export"
    """The household's data were exported at its request (GDPR art. 15 and 20)."""


class PartyReadPurpose(StrEnum):
    """The purposes a fund agent or a social worker gives when it opens the tenant's data or a document
    (the others are the service's own: a timeline's messages, a visa, an export)."""

    REVIEW_FILE = FileReadPurpose.REVIEW_FILE.value
    CHECK_IDENTITY = FileReadPurpose.CHECK_IDENTITY.value
    CHECK_RESOURCES = FileReadPurpose.CHECK_RESOURCES.value
    INFORMATION_REQUEST_ANSWER = FileReadPurpose.INFORMATION_REQUEST_ANSWER.value

    def logged(self) -> FileReadPurpose:
        return FileReadPurpose(self.value)
