"""Abri's published event contracts.

Every event that crosses a service boundary is declared here as a typed model (one module per
producing service). Consumers import the contract, never the producer's code.
"""

from abri_contracts import assistant as assistant
from abri_contracts import audit as audit
from abri_contracts import erasure as erasure
from abri_contracts import guarantees as guarantees
from abri_contracts import households as households
from abri_contracts import inventories as inventories
from abri_contracts import listings as listings
from abri_contracts import matching as matching
from abri_contracts.base import EventContract, contract, registry

__all__ = ["EventContract", "contract", "registry"]
