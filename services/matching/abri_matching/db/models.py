"""Every table of the matching service (importing this module registers them all on ``Base``)."""

from abri_matching.db.access_log import AccessLogAnchor, AccessLogEntry
from abri_matching.db.allocations import AllocationRun, Suggestion
from abri_matching.db.associations import AssociationSettings
from abri_matching.db.erasures import ErasureReceipt, HouseholdErasure
from abri_matching.db.generations import RankingGeneration
from abri_matching.db.households import Consent, Household
from abri_matching.db.inventories import Inventory, InventoryPhoto
from abri_matching.db.invitations import HouseholdInvitation
from abri_matching.db.placements import Placement, PlacementStep
from abri_matching.db.units import UnitView

__all__ = [
    "AccessLogAnchor",
    "AccessLogEntry",
    "AllocationRun",
    "AssociationSettings",
    "Consent",
    "ErasureReceipt",
    "Household",
    "HouseholdErasure",
    "HouseholdInvitation",
    "Inventory",
    "InventoryPhoto",
    "Placement",
    "PlacementStep",
    "RankingGeneration",
    "Suggestion",
    "UnitView",
]
