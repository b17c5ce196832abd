"""The OpenID Provider metadata served at ``/.well-known/openid-configuration``."""

from __future__ import annotations

from typing import Any

from abri_idp.assurance import ACR_VALUES_SUPPORTED
from abri_idp.catalog import ALL_SCOPES
from abri_idp.clients import TOKEN_AUTH_METHODS
from abri_idp.keys import ALGORITHM

CLAIMS_SUPPORTED = "iss sub aud exp iat auth_time nonce azp acr amr at_hash name preferred_username roles org_id"


def openid_configuration(issuer: str) -> dict[str, Any]:
    """OpenID Connect Discovery 1.0 / RFC 8414 metadata for ``issuer``."""
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/authorize",
        "token_endpoint": f"{issuer}/token",
        "userinfo_endpoint": f"{issuer}/userinfo",
        "jwks_uri": f"{issuer}/jwks",
        "end_session_endpoint": f"{issuer}/logout",
        "scopes_supported": list(ALL_SCOPES),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [ALGORITHM],
        "token_endpoint_auth_methods_supported": list(TOKEN_AUTH_METHODS),
        "code_challenge_methods_supported": ["S256"],
        "prompt_values_supported": ["none", "login"],
        "claims_supported": CLAIMS_SUPPORTED.split(),
        "acr_values_supported": list(ACR_VALUES_SUPPORTED),
        "ui_locales_supported": ["fr", "en", "ar", "uk"],
        "authorization_response_iss_parameter_supported": True,
        "request_parameter_supported": False,
        "claims_parameter_supported": False,
    }
