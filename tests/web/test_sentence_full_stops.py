"""A value that ends with a full stop ends the sentence it closes: Ukrainian long dates end with "р."
("year"), and "1 січня 2027 р.." printed two stops. Pages (Jinja's ``_()``) and code (``i18n.gettext``)
fill placeholders the same way."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from abri_gateway.settings import GatewaySettings
from abri_gateway.web import i18n
from abri_gateway.web.site import Site

pytestmark = pytest.mark.unit

SENTENCE = "An invitation waits for the household until %(until)s."


def in_language(code: str, render: Callable[[], str]) -> str:
    token = i18n.use(code)
    try:
        return render()
    finally:
        i18n._current.reset(token)


@pytest.fixture(scope="module")
def site() -> Site:
    return Site(GatewaySettings(), None, None)  # type: ignore[arg-type]  # the templates only: no sign-in, no service call


def test_a_ukrainian_date_closing_a_sentence_prints_one_full_stop(site: Site) -> None:
    day = date(2027, 1, 1)
    template = site.env.from_string("<p>{{ _(sentence, until=date_text(day)) }}</p>")
    page = in_language("uk", lambda: template.render(sentence=SENTENCE, day=day))
    assert "2027\u202fр.</p>" in page and "р.." not in page
    in_code = in_language("uk", lambda: i18n.gettext(SENTENCE, until=i18n.date_text(day)))
    assert in_code.endswith("2027\u202fр.") and "р.." not in in_code
    french = in_language("fr", lambda: template.render(sentence=SENTENCE, day=day))
    assert "1 janvier 2027.</p>" in french  # a value without a stop keeps the sentence's


def test_values_are_still_escaped_and_a_percent_sign_still_written(site: Site) -> None:
    template = site.env.from_string("<p>{{ _('Read by %(who)s.', who=who) }} {{ _('100%% sure') }}</p>")
    page = in_language("en", lambda: template.render(who="<b>Eve</b> & co."))
    assert "co.." not in page  # the stop is the value's, once
    assert "Read by &lt;b&gt;Eve&lt;/b&gt; &amp; co. 100% sure</p>" in page
