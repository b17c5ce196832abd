"""Organisations' display names. The services and the tokens know an organisation by its id only
(``org_id``: ``assoc-1``, ``fund-1``); the identity provider knows no more. The deployment names them in
the gateway's settings (``ABRI_GATEWAY_ORGANISATIONS``, JSON: id to name); a page that names an
organisation without a name there says what it is instead (its role: "a rent guarantee fund"), and never
shows the id."""

from __future__ import annotations

from abri_gateway.settings import GatewaySettings
from abri_gateway.web.i18n import gettext as _

ASSOCIATION_ROLES = frozenset({"association", "social_worker"})
FUND_ROLES = frozenset({"fund", "fund_agent"})


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

    def said(self, org_id: str | None, role: str | None = None) -> str:
        """The organisation as a page names it: its name, else what it is (``role``: the role of the person
        who acted for it, ``social_worker`` or ``fund_agent``, or what matching and guarantees record,
        ``association`` or ``fund``), never its id."""
        return self.name(org_id) or kind_words(role)


def kind_words(role: str | None) -> str:
    """What an organisation without a name is, in words."""
    if role in ASSOCIATION_ROLES:
        return _("An association")
    if role in FUND_ROLES:
        return _("A rent guarantee fund")
    return _("An organisation")
