"""Organisations' display names. The services and the tokens know an organisation by its id only
(``org_id``: ``assoc-1``, ``fund-1``); the identity provider knows no more. The deployment names them in
the gateway's settings (``ABRI_GATEWAY_ORGANISATIONS``, JSON: id to name); a page that names an
organisation without a name there says what it is instead (its role: "a rent guarantee fund"), and never
shows the id."""

from __future__ import annotations

from abri_gateway.settings import GatewaySettings


class Organisations:
    """The names the deployment gave its organisations."""

    def __init__(self, names: dict[str, str]) -> None:
        self._names = {key.strip(): name.strip() for key, name in names.items() if key.strip() and name.strip()}

    @classmethod
    def of(cls, settings: GatewaySettings) -> Organisations:
        return cls(settings.organisations)

    def name(self, org_id: str | None) -> str | None:
        """The organisation's name, if the deployment gave one."""
        return self._names.get(org_id) if org_id else None
