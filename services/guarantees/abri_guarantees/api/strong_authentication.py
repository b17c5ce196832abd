"""The operations of the guarantees service that need a second factor of a social worker, a fund agent or ops
(``abri_auth.assurance``; the ops API's own key operations come from the service kit)."""

from __future__ import annotations

from abri_auth.assurance import DECISION, KEY_OPERATION, PERSONAL_DATA, StrongAuthentication, operation_key

POLICY = StrongAuthentication("publishes what every file is judged against")

strong_authentication: dict[str, StrongAuthentication] = {
    operation_key("GET", "/v1/files/{file_id}/tenant"): PERSONAL_DATA,
    operation_key("GET", "/v1/files/{file_id}/documents/{document_id}"): PERSONAL_DATA,
    operation_key("GET", "/v1/files/{file_id}/visa.pdf"): PERSONAL_DATA,
    operation_key("GET", "/v1/households/{household_id}/export"): PERSONAL_DATA,
    operation_key("GET", "/v1/households/{household_id}/export/documents/{document_id}"): PERSONAL_DATA,
    operation_key("GET", "/v1/households/{household_id}/export/visas/{file_id}"): PERSONAL_DATA,
    operation_key("POST", "/v1/files/{file_id}/approval"): DECISION,
    operation_key("POST", "/v1/files/{file_id}/rejection"): DECISION,
    operation_key("POST", "/v1/files/{file_id}/visa/revocation"): DECISION,
    operation_key("POST", "/v1/claims/{claim_id}/validation"): DECISION,
    operation_key("POST", "/v1/claims/{claim_id}/rejection"): DECISION,
    operation_key("POST", "/v1/claims/{claim_id}/payment"): DECISION,
    operation_key("PUT", "/v1/funds/{fund_id}/policy"): POLICY,
    operation_key("POST", "/v1/funds"): KEY_OPERATION,
}
