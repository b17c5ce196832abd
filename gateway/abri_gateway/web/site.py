"""The web front's shared parts: settings, the services' client, the templates and static files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from abri_gateway.auth import GatewayAuth
from abri_gateway.settings import GatewaySettings
from abri_gateway.web import communes, i18n, reasons, refusals
from abri_gateway.web.api import ServiceApi
from abri_gateway.web.households import household_name
from abri_gateway.web.labels import content_type_words, document_name, label, options, size_words
from abri_gateway.web.navigation import trail
from abri_gateway.web.organisations import Organisations

TEMPLATES = Path(__file__).parent / "templates"
OWN_STATIC = Path(__file__).parent / "static"


class Site:
    """What every page needs."""

    def __init__(self, settings: GatewaySettings, auth: GatewayAuth, api: ServiceApi) -> None:
        self.settings = settings
        self.auth = auth
        self.api = api
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(TEMPLATES),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            extensions=["jinja2.ext.i18n"],
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
        self.organisations = Organisations.of(settings)
        self.env.filters["commune_name"] = communes.name_of
        self.env.filters["bdi"] = bdi
        self.env.globals.update(
            languages=i18n.LANGUAGES,
            date_text=i18n.date_text,
            datetime_text=i18n.datetime_text,
            euros=i18n.euros,
            number=i18n.number,
            label=label,
            options=options,
            rule_reason=reasons.rule_reason,
            component_reason=reasons.component_reason,
            error_parts=refusals.error_parts,
            cited=refusals.cited,
            refusal=refusals.refusal_of,
            organisation=self.organisations.said,
            content_type_words=content_type_words,
            size_words=size_words,
            document_name=document_name,
            trail=trail,
            household_name=household_name,
        )

    def render(self, template: str, **context: Any) -> str:
        """A template rendered in the current language (set by the visit)."""
        return self.env.get_template(template).render(**context)


def bdi(value: object) -> Markup:
    """A value whose direction is its own (an address, a name, a reference, a code) isolated from the text
    around it, so that "1 rue des Essais" keeps its number first in an Arabic sentence and an Arabic name
    keeps its order in a French one (``{{ address | bdi }}``; escaped like any value)."""
    return Markup("<bdi>%s</bdi>") % ("" if value is None else value)
