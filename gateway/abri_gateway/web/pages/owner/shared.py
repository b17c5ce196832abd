"""What the owner's pages share: the role's dependency and the coded values their forms offer."""

from __future__ import annotations

from typing import Annotated, get_args

from fastapi import Depends

from abri_contracts.listings import MainEnergy
from abri_gateway.web.visit import Visit, for_roles

Owner = Annotated[Visit, Depends(for_roles("owner"))]

KINDS = ("studio", "apartment", "house", "room")
ENERGY_CLASSES = ("A", "B", "C", "D", "E", "F", "G")
MAIN_ENERGIES: tuple[str, ...] = get_args(MainEnergy)
"""The main energies a DPE may name (listings' ``MainEnergy``): with one, the unit shows its estimated energy bill."""
AMOUNTS = ("rent_cents", "charges_cents", "deposit_cents")
PLACE_FIELDS = {"insee_code": "commune", "departement": "commune", "commune": "commune"}
"""Where listings' errors on a home's place go on the form: the commune is chosen by name (its INSEE code
and département come from the commune table)."""
DECLINE_REASONS = ("unit_no_longer_available", "prefers_another_proposal", "guarantee_insufficient", "other")
WITHDRAWAL_REASONS = ("owner", "letting_ban", "dpe_expired", "rules")
"""Why listings says a unit left the market (``abri_contracts.listings.WithdrawalReason``)."""
