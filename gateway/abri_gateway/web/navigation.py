"""The main menu: what each role finds in it (a person with several roles sees each part)."""

from __future__ import annotations

from dataclasses import dataclass

from abri_gateway.web.i18n import gettext as _


@dataclass(frozen=True)
class MenuItem:
    """A link of the main menu."""

    path: str
    label: str


ASSISTED = frozenset({"household", "owner", "social_worker", "fund_agent"})
"""The roles the assistant answers: each finds it in its menu."""


def menu(roles: frozenset[str]) -> list[MenuItem]:
    """The links for these roles, in the order of the journey, then the assistant, the platform's figures (everyone's,
    a visitor's too), the inbox and preferences."""
    items: list[MenuItem] = []
    if "owner" in roles:
        items += [
            MenuItem("/owner/units", _("My units")),
            MenuItem("/owner/proposals", _("Proposals")),
            MenuItem("/owner/guarantees", _("Guarantees")),
            MenuItem("/visa-check", _("Check a visa")),
        ]
    if "social_worker" in roles:
        items += [
            MenuItem("/association/households", _("Households")),
            MenuItem("/association/units", _("Search units")),
            MenuItem("/association/suggestions", _("Suggestions")),
            MenuItem("/association/placements", _("Placements")),
            MenuItem("/association/files", _("Guarantee files")),
            MenuItem("/association/conversations", _("Conversations handed over")),
            MenuItem("/association/insights", _("My association in figures")),
        ]
    if "fund_agent" in roles:
        items += [
            MenuItem("/fund/files", _("Review queue")),
            MenuItem("/fund/claims", _("Claims")),
            MenuItem("/fund/insights", _("My fund in figures")),
        ]
    if "household" in roles:
        items += [MenuItem("/household", _("My file"))]
    if "ops" in roles:
        items += [MenuItem("/ops", _("Operations"))]
    if roles & ASSISTED:
        items += [MenuItem("/assistant", _("Assistant"))]
    items += [MenuItem("/insights", _("Abri in figures"))]  # public: everyone, signed in or not
    if roles:
        items += [MenuItem("/inbox", _("Messages")), MenuItem("/preferences", _("Notification preferences"))]
    return items


def trail(path: str, items: list[MenuItem]) -> list[MenuItem]:
    """The breadcrumb's links above the page at ``path``: the home page, then the part of the menu the page is
    in (the longest menu path it starts with) when the page is not that part's own. The page itself comes
    last, named by its title (``base.html``). The home page has none."""
    if path in ("", "/"):
        return []
    links = [MenuItem("/", _("Home"))]
    part = max((item for item in items if path.startswith(item.path + "/")), key=lambda item: len(item.path), default=None)
    if part is not None:
        links.append(part)
    return links
