"""What every service's export of a household's data (GDPR art. 15 and 20) starts with: the document's schema
version, when it was made, and whose data it holds; each service adds its ``service`` name and its sections."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field


class HouseholdExport(BaseModel):
    """The head of a service's export document (machine-readable: the keys are its schema)."""

    schema_version: int = Field(description="Changes when the document's shape changes.")
    generated_at: datetime
    household_id: uuid.UUID
