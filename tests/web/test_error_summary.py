"""The error summary above a form: in the form's order, each entry naming its field by its label and
linking to it, form-level errors first, the legal source of a coded refusal kept."""

from __future__ import annotations

import re

import pytest

from abri_gateway.web import i18n
from abri_gateway.web.error_summary import ordered

pytestmark = pytest.mark.unit

PAGE = """<main>
<div class="fr-alert" id="form-errors"><ul data-abri-errors>
  <li data-abri-error="rent">Saisissez un nombre.<!--source--></li>
  <li data-abri-error="_form">Le formulaire a expiré.<!--source--></li>
  <li data-abri-error="schemes">Choisissez au moins un mode.<!--source--></li>
  <li data-abri-error="deposit">Montpellier demande moins.<!--source--><br><span>Source : <a href="https://x">loi</a></span></li>
  <li data-abri-error="area">Saisissez un nombre.<!--source--></li>
  <li data-abri-error="nowhere">DPE absent.<!--source--></li>
</ul></div>
<form>
  <input type="hidden" name="csrf_token" id="csrf">
  <label class="fr-label" for="area">Surface (m²) <span aria-hidden="true">*</span><span class="fr-hint-text">Par exemple 40</span></label>
  <input id="area" name="area">
  <label class="fr-label" for="rent">Loyer &amp; charges<br> <span aria-hidden="true">*</span></label>
  <input id="rent" name="rent">
  <fieldset id="schemes" aria-labelledby="schemes-legend">
    <legend id="schemes-legend">Modes de location<span class="fr-hint-text">Au moins un.</span></legend>
    <input type="checkbox" id="schemes-a" name="schemes"><label for="schemes-a">Bail glissant</label>
  </fieldset>
  <label for="deposit">Ajouter un dépôt</label><input id="deposit" name="deposit" data-summary-label="Dépôt de garantie">
</form></main>"""


def entries(html: str) -> list[str]:
    summary = re.search(r"<ul data-abri-errors>(.*?)</ul>", html, re.S)
    assert summary is not None
    return [item.strip() for item in re.findall(r"<li>(.*?)</li>", summary.group(1), re.S)]


def test_the_summary_follows_the_form_and_names_each_field_by_its_label() -> None:
    i18n.use("fr")
    assert entries(ordered(PAGE)) == [
        "Le formulaire a expiré.",
        '<a href="#area">Surface (m²) : saisissez un nombre.</a>',
        '<a href="#rent">Loyer &amp; charges : saisissez un nombre.</a>',
        '<a href="#schemes">Modes de location : choisissez au moins un mode.</a>',
        '<a href="#deposit">Dépôt de garantie : Montpellier demande moins.</a><br><span>Source : <a href="https://x">loi</a></span>',
        "DPE absent.",  # a field the page does not show: no link to nowhere
    ]


def test_each_language_writes_the_label_its_way_and_a_page_without_summary_is_left_alone() -> None:
    i18n.use("en")
    assert entries(ordered(PAGE))[1] == '<a href="#area">Surface (m²): saisissez un nombre.</a>'
    assert ordered("<form><label for='a'>A</label><input id='a'></form>") == "<form><label for='a'>A</label><input id='a'></form>"
