"""Every template of the pages compiles (a quote inside a translated string ends it: a page would answer 500
only when it is opened), with the site's own Jinja settings."""

from __future__ import annotations

import jinja2
import pytest

from abri_gateway.web.site import TEMPLATES

pytestmark = pytest.mark.unit

SITE_FILTERS = ("bdi", "commune_name")
"""The filters ``abri_gateway.web.site`` adds to Jinja's."""
NAMES = sorted(str(path.relative_to(TEMPLATES)) for path in TEMPLATES.rglob("*.html"))


def test_there_are_templates_to_parse() -> None:
    assert len(NAMES) > 30 and "owner/unit_form.html" in NAMES


@pytest.mark.parametrize("name", NAMES)
def test_each_template_parses(name: str) -> None:
    env = jinja2.Environment(extensions=["jinja2.ext.i18n"], autoescape=True, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(dict.fromkeys(SITE_FILTERS, str))  # the site's own filters, by name: compiling needs them to exist
    # compiled, not only parsed: a syntax error, or a block defined twice, raises TemplateSyntaxError / TemplateAssertionError
    env.compile((TEMPLATES / name).read_text(encoding="utf-8"), name=name)


def test_a_block_defined_twice_is_found() -> None:
    env = jinja2.Environment(autoescape=True)
    with pytest.raises(jinja2.TemplateAssertionError, match="defined twice"):
        env.compile("{% block content %}1{% endblock %}{% block content %}2{% endblock %}")
