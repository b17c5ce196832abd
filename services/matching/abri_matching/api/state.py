"""What the app holds for its routes (read once at start, ``main.py``): the keyring of households'
personal data, the matching, journey and retention policies, the ranking's in-memory columns."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request

from abri_kit.envelope import KeyEncryption
from abri_matching.domain.inventories import InventoryPolicy
from abri_matching.domain.invitations import InvitationPolicy
from abri_matching.domain.placements import PlacementPolicy
from abri_matching.domain.policy import MatchingPolicy
from abri_matching.domain.retention import RetentionPolicy
from abri_matching.settings import MatchingSettings
from abri_matching.usecases.ranking_cache import RankingCache


def held(name: str) -> Callable[[Request], Any]:
    """A dependency answering the app's ``state.<name>``."""

    def read(request: Request) -> Any:
        return getattr(request.app.state, name)

    read.__name__ = f"{name}_of"
    return read


Keys = Annotated[KeyEncryption, Depends(held("keyring"))]
Policy = Annotated[MatchingPolicy, Depends(held("policy"))]
Cache = Annotated[RankingCache, Depends(held("ranking_cache"))]
Journey = Annotated[PlacementPolicy, Depends(held("placement_policy"))]
Retention = Annotated[RetentionPolicy, Depends(held("retention_policy"))]
Invitation = Annotated[InvitationPolicy, Depends(held("invitation_policy"))]
Inventories = Annotated[InventoryPolicy, Depends(held("inventory_policy"))]
Settings = Annotated[MatchingSettings, Depends(held("matching_settings"))]
