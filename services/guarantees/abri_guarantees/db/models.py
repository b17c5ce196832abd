"""Every table of the guarantees service (importing this module registers them all on ``Base``)."""

from abri_guarantees.db.access_log import FileAccessLogAnchor, FileAccessLogEntry
from abri_guarantees.db.documents import Document
from abri_guarantees.db.files import FileStep, GuaranteeFile
from abri_guarantees.db.funds import Fund, FundPolicyVersion
from abri_guarantees.db.guarantees import Claim, GuaranteeRecord
from abri_guarantees.db.read_models import InventoryView, PlacementView, UnitFacts
from abri_guarantees.db.visas import VisaRecord

__all__ = [
    "Claim",
    "Document",
    "FileAccessLogAnchor",
    "FileAccessLogEntry",
    "FileStep",
    "Fund",
    "FundPolicyVersion",
    "GuaranteeFile",
    "GuaranteeRecord",
    "InventoryView",
    "PlacementView",
    "UnitFacts",
    "VisaRecord",
]
