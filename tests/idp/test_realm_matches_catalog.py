"""The Keycloak realm (``infra/keycloak/realm-abri.json``) grants what the local identity provider grants
(``abri_idp.catalog``): a scope per service and access, each mapped to the roles the catalogue gives it, and
the web client may ask for every one. Read from the file: nothing runs (the Keycloak tier runs the realm)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from abri_contracts.services import SERVICES
from abri_idp.catalog import ROLE_SCOPES, SERVICE_SCOPES
from tests.support import REPO

pytestmark = pytest.mark.unit


def realm() -> dict[str, Any]:
    found: dict[str, Any] = json.loads((REPO / "infra" / "keycloak" / "realm-abri.json").read_text(encoding="utf-8"))
    return found


def test_the_realm_declares_a_read_and_a_write_scope_for_every_service() -> None:
    declared = {scope["name"] for scope in realm()["clientScopes"] if ":" in scope["name"]}
    assert declared == set(SERVICE_SCOPES) == {f"{service}:{access}" for service in SERVICES for access in ("read", "write")}


def test_each_scope_is_mapped_to_the_roles_the_catalogue_gives_it() -> None:
    mapped = {mapping["clientScope"]: set(mapping["roles"]) for mapping in realm()["scopeMappings"] if ":" in mapping["clientScope"]}
    expected = {scope: {role for role, scopes in ROLE_SCOPES.items() if scope in scopes} for scope in SERVICE_SCOPES}
    assert mapped == expected


def test_the_web_client_may_ask_for_every_service_scope() -> None:
    [web] = [client for client in realm()["clients"] if client["clientId"] == "abri-web"]
    assert set(SERVICE_SCOPES) <= set(web["optionalClientScopes"])
