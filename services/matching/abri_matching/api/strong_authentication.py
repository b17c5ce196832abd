"""The operations of the matching service that need a second factor of a social worker, a fund agent or ops
(``abri_auth.assurance``; the ops API's own key operations come from the service kit)."""

from __future__ import annotations

from abri_auth.assurance import KEY_OPERATION, PERSONAL_DATA, StrongAuthentication, operation_key

ERASURE = StrongAuthentication("erases a household's personal data in every service")
ACCOUNT_LINK = StrongAuthentication("decides which account may read a household's personal data")

strong_authentication: dict[str, StrongAuthentication] = {
    operation_key("GET", "/v1/households/{household_id}/personal-data"): PERSONAL_DATA,
    operation_key("GET", "/v1/households/{household_id}/export"): PERSONAL_DATA,
    operation_key("GET", "/v1/placements/{placement_id}/household-contact"): PERSONAL_DATA,
    operation_key("GET", "/v1/inventories/{inventory_id}"): PERSONAL_DATA,  # the household's home: notes, photos
    operation_key("GET", "/v1/inventories/{inventory_id}/photos/{photo_id}"): PERSONAL_DATA,
    operation_key("GET", "/v1/inventories/{inventory_id}/pdf"): PERSONAL_DATA,
    # the answers of these show the inventory whole, as a read does
    operation_key("POST", "/v1/placements/{placement_id}/inventories"): PERSONAL_DATA,
    operation_key("PUT", "/v1/inventories/{inventory_id}"): PERSONAL_DATA,
    operation_key("POST", "/v1/inventories/{inventory_id}/signatures"): PERSONAL_DATA,
    operation_key("POST", "/v1/inventories/{inventory_id}/completion"): PERSONAL_DATA,
    operation_key("POST", "/v1/households/{household_id}/erasure"): ERASURE,
    operation_key("POST", "/v1/households/{household_id}/erase"): ERASURE,
    operation_key("POST", "/v1/allocation-runs"): KEY_OPERATION,
    # An invitation hands the household's data to whoever accepts it: as strong as reading them.
    operation_key("POST", "/v1/households/{household_id}/invitations"): ACCOUNT_LINK,
    operation_key("DELETE", "/v1/households/{household_id}/account"): ACCOUNT_LINK,
}
