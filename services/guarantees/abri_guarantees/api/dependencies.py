"""What the guarantees routes take besides the kit's context: the callers' roles, and the service's
keys, review clock and visa signer (held by the app)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from abri_auth.dependencies import require_roles
from abri_auth.principal import Principal
from abri_guarantees.settings import GuaranteesSettings
from abri_guarantees.visa_signing import VisaSigning
from abri_kit.envelope import KeyEncryption

SocialWorker = Annotated[Principal, Depends(require_roles("social_worker"))]
FundAgent = Annotated[Principal, Depends(require_roles("fund_agent"))]
Party = Annotated[Principal, Depends(require_roles("social_worker", "fund_agent"))]
"""The two parties of a file: the association's social workers and the fund's agents."""
Owner = Annotated[Principal, Depends(require_roles("owner"))]
OwnerOrFund = Annotated[Principal, Depends(require_roles("owner", "fund_agent"))]
Ops = Annotated[Principal, Depends(require_roles("ops"))]
FundReader = Annotated[Principal, Depends(require_roles("social_worker", "fund_agent", "ops"))]


def keyring_of(request: Request) -> KeyEncryption:
    keyring: KeyEncryption = request.app.state.keyring
    return keyring


def sla_hours_of(request: Request) -> int:
    hours: int = request.app.state.review_sla_hours
    return hours


def signer_of(request: Request) -> VisaSigning:
    signer: VisaSigning = request.app.state.visa_signer
    return signer


def settings_of(request: Request) -> GuaranteesSettings:
    settings: GuaranteesSettings = request.app.state.guarantees_settings
    return settings


Keys = Annotated[KeyEncryption, Depends(keyring_of)]
SlaHours = Annotated[int, Depends(sla_hours_of)]
Signer = Annotated[VisaSigning, Depends(signer_of)]
Settings = Annotated[GuaranteesSettings, Depends(settings_of)]
