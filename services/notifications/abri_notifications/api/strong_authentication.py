"""The operations of the notifications service that need a second factor of a social worker, a fund agent or ops
(``abri_auth.assurance``; the ops API's own key operations come from the service kit)."""

from __future__ import annotations

from abri_auth.assurance import KEY_OPERATION, PERSONAL_DATA, StrongAuthentication, operation_key

strong_authentication: dict[str, StrongAuthentication] = {
    operation_key("GET", "/v1/households/{household_id}/export"): PERSONAL_DATA,
    operation_key("POST", "/v1/ops/deliveries/{delivery_id}/retry"): KEY_OPERATION,
}
