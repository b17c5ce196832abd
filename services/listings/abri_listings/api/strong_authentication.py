"""The operations of the listings service that need a second factor of a social worker, a fund agent or ops
(``abri_auth.assurance``; the ops API's own key operations come from the service kit)."""

from __future__ import annotations

from abri_auth.assurance import PERSONAL_DATA, StrongAuthentication, operation_key

strong_authentication: dict[str, StrongAuthentication] = {
    operation_key("GET", "/v1/households/{household_id}/export"): PERSONAL_DATA,  # empty here, but one rule for every export
}
