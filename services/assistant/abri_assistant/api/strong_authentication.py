"""The operations of the assistant that need a second factor of a social worker, a fund agent or ops
(``abri_auth.assurance``; the ops API's own key operations come from the service kit): a social worker's
reading of a conversation a household handed over."""

from __future__ import annotations

from abri_auth.assurance import PERSONAL_DATA, StrongAuthentication, operation_key

strong_authentication: dict[str, StrongAuthentication] = {
    operation_key("GET", "/v1/handovers/{conversation_id}"): PERSONAL_DATA,
}
