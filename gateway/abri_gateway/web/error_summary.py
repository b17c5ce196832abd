"""The error summary at the top of a form, in the form's order and with each field's own label.

The summary (``form_errors`` in ``_macros.html``) is written above the form, before the form's fields are
rendered: it cannot know then in which order they come, nor how each is labelled. So the macro writes
its entries tagged with their field's name, and once the whole page is rendered :func:`ordered` reads the
form (each field's ``id`` in document order, the text of its ``<label for>``, or of its fieldset's
``<legend>``, or its ``data-summary-label`` when the label is an action) and writes the entries again:
form-level errors first, then one entry per field in the order a person fills them in, each naming its
field by the words shown next to it and linking to it ("Loyer : saisissez un nombre."), as the DSFR
error summary asks. Every form of the front gets this
without declaring its fields twice; a field the page does not show is listed without a link."""

from __future__ import annotations

import re
from html import escape
from html.parser import HTMLParser

from abri_gateway.web.i18n import gettext as _

_SUMMARY = re.compile(r"<ul data-abri-errors>(?P<items>.*?)</ul>", re.DOTALL)
_ITEM = re.compile(r'<li data-abri-error="(?P<name>[^"]*)">(?P<text>.*?)<!--source-->(?P<source>.*?)</li>', re.DOTALL)
_FIELDS = ("input", "select", "textarea", "fieldset")
_SKIPPED_CLASSES = ("fr-hint-text", "fr-error-text", "fr-message")
_VOID = frozenset(("area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"))


class _Fields(HTMLParser):
    """Each field's id in document order, and its label: ``<label for>`` or the ``<legend>`` of a fieldset
    with an id (hints, error texts and what is hidden from screen readers left out)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.order: dict[str, int] = {}
        self.labels: dict[str, str] = {}
        self._fieldsets: list[str | None] = []
        self._reading: str | None = None  # the field whose label is being read
        self._ends: str = ""  # the tag that ends it
        self._depth = 0  # open tags inside the label
        self._skip_from: int | None = None  # the depth of a skipped part (a hint)
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag in _FIELDS and found.get("id") and found.get("type") != "hidden":
            self.order.setdefault(str(found["id"]), len(self.order))
            if found.get("data-summary-label"):  # a field whose label says what to do with it ("Add a commune")
                self.labels[str(found["id"])] = str(found["data-summary-label"])
        if tag == "fieldset":
            self._fieldsets.append(found.get("id"))
        if self._reading is not None:
            if tag in _VOID:
                return
            self._depth += 1
            classes = (found.get("class") or "").split()
            hidden = found.get("aria-hidden") == "true" or any(c in _SKIPPED_CLASSES for c in classes)
            if self._skip_from is None and hidden:
                self._skip_from = self._depth
            return
        if tag == "label" and found.get("for"):
            self._start(str(found["for"]), "label")
        elif tag == "legend" and self._fieldsets and self._fieldsets[-1] and self._fieldsets[-1] not in self.labels:
            self._start(str(self._fieldsets[-1]), "legend")

    def handle_endtag(self, tag: str) -> None:
        if self._reading is not None:
            if tag == self._ends and self._depth == 0:
                label = " ".join("".join(self._text).split())
                if label:
                    self.labels.setdefault(self._reading, label)
                self._reading = None
                return
            if tag in _VOID:
                return
            if self._skip_from is not None and self._depth == self._skip_from:
                self._skip_from = None
            self._depth = max(self._depth - 1, 0)
            return
        if tag == "fieldset" and self._fieldsets:
            self._fieldsets.pop()

    def handle_data(self, data: str) -> None:
        if self._reading is not None and self._skip_from is None:
            self._text.append(data)

    def _start(self, field: str, ends: str) -> None:
        self._reading, self._ends, self._depth, self._skip_from, self._text = field, ends, 0, None, []


def ordered(html: str) -> str:
    """The page with its error summary's entries in form order, each naming and linking to its field."""
    summary = _SUMMARY.search(html)
    if summary is None:
        return html
    fields = _Fields()
    fields.feed(html)
    fields.close()
    items = [(m["name"], m["text"], m["source"]) for m in _ITEM.finditer(summary["items"])]
    last = len(fields.order) + 1

    def rank(item: tuple[str, str, str]) -> int:
        return -1 if item[0] == "_form" else fields.order.get(item[0], last)

    written = [_entry(name, text, source, fields) for name, text, source in sorted(items, key=rank)]
    return html[: summary.start("items")] + "\n    " + "\n    ".join(written) + "\n  " + html[summary.end("items") :]


def _entry(name: str, text: str, source: str, fields: _Fields) -> str:
    """One entry: ``<a href="#field">Label: message</a>``, and the legal source of a coded refusal after it."""
    label = fields.labels.get(name)
    if name == "_form" or name not in fields.order:
        return f"<li>{text}{source}</li>"
    if label is not None:  # a coded refusal may open with a name (a commune's): it is left as written
        text = _("%(label)s: %(error)s", label=escape(label), error=text if source else _lowered(text))
    return f'<li><a href="#{escape(name)}">{text}</a>{source}</li>'


def _lowered(text: str) -> str:
    """A sentence going after its field's label: its first letter in lower case ("Saisissez un nombre."
    reads "Loyer : saisissez un nombre."), unless its first word is an acronym or a name in capitals."""
    if len(text) >= 2 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text
