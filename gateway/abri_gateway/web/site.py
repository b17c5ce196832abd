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
        self.env.globals.update(gettext=_page_gettext, ngettext=_page_ngettext)  # as Jinja's new style, with i18n.filled
        self.organisations = Organisations.of(settings)
        self.env.filters["commune_name"] = communes.name_of
        self.env.filters["bdi"] = bdi
        self.env.globals.update(
            languages=i18n.LANGUAGES,
            date_text=i18n.date_text,
            datetime_text=i18n.datetime_text,
            euros=i18n.euros,
            energy_bill=reasons.energy_bill,
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


@jinja2.pass_context
def _page_gettext(context: jinja2.runtime.Context, message: str, **values: Any) -> str:
    """Jinja's new-style ``_()``: the translation, marked safe where the page escapes (the values then are
    escaped as they are put in), always formatted (``%%`` for a percent sign); filled by ``i18n.filled``."""
    text = i18n.gettext(message)
    return i18n.filled(Markup(text) if context.eval_ctx.autoescape else text, values)  # noqa: S704 (our own catalogue, as Jinja's own)


@jinja2.pass_context
def _page_ngettext(context: jinja2.runtime.Context, singular: str, plural: str, count: int, **values: Any) -> str:
    text = i18n.ngettext_text(singular, plural, count)
    return i18n.filled(Markup(text) if context.eval_ctx.autoescape else text, {"num": count, **values})  # noqa: S704 (our catalogue)
