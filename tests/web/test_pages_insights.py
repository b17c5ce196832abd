"""The insights pages against the real services: the public page (``/insights``) for an anonymous visitor in the four
languages (Arabic right to left), with every count of 11 or more as a number and every smaller one as "< 11" (and the
one more the total would give away), its département and month filters, a bad month or département said next to its
field (422, never a 500); the association's page with its own counts only (another association's social worker sees
theirs, the API answers 404 for the other's), the fund's page for its agents; the CSV and JSON downloads; each chart
an image with a label and no bar for a hidden count; the content security policy (no style attribute anywhere).

The counts come from events handed to the insights service's handler, as its consumer would (the public ones in a
past month and a département drawn at random, so that no other test's journey is counted with them), and one real
journey: a proposal made through the social worker's page reaches insights through Kafka (its consumer runs in this
stack) and is counted in its ``counters`` table and on the association's page."""

from __future__ import annotations

import csv
import html
import io
import json
import random
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from babel.dates import format_skeleton
from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from abri_bus.consumer import ReceivedEvent
from abri_bus.envelope import Envelope
from abri_contracts import EventContract
from abri_contracts import guarantees as g
from abri_contracts import listings as li
from abri_contracts import matching as m
from abri_gateway.web.messages import problems
from abri_gateway.web.pages.insights import Row, chart_of, month_words, value_words
from abri_insights.events import on_event
from tests.matching.test_unit_read_model import snapshot
from tests.support import database_url, wait_until
from tests.web.in_words import findings
from tests.web.support import Stack
from tests.web.test_pages_association import proposed

pytestmark = pytest.mark.timeout(600)
NOW = datetime.now(UTC)
PAST = datetime(random.randint(2001, 2019), random.randint(1, 12), 15, 12, tzinfo=UTC)
PAST_MONTH = f"{PAST.year:04d}-{PAST.month:02d}"
"""A month no other test counts in (the public scopes add up every test's events: these are this run's own)."""
DEPARTEMENT = random.choice(["01", "03", "05", "08", "15", "23", "36", "48", "52", "55"])
NAMES = {"01": "Ain", "03": "Allier", "05": "Hautes-Alpes", "08": "Ardennes", "15": "Cantal", "23": "Creuse", "36": "Indre"}
NAMES |= {"48": "Lozère", "52": "Haute-Marne", "55": "Meuse"}
HIDDEN = "&lt; 11"
ROW = re.compile(r'<tr><th scope="row">(.*?)</th><td>(.*?)</td>', re.S)


async def handled(*events: tuple[EventContract, datetime]) -> None:
    """Events handed to the insights service's handler, as its consumer would, on its database (the one the stack's
    insights service reads)."""
    engine = create_async_engine(database_url("insights"))
    try:
        async with AsyncSession(engine) as session, session.begin():
            for event, at in events:
                await on_event(session, ReceivedEvent(Envelope.of(event, at), event, event.topic(), 0, 0))
    finally:
        await engine.dispose()


def placement(org: str, departement: str | None = DEPARTEMENT) -> dict[str, object]:
    return {"placement_id": uuid.uuid4(), "unit_id": uuid.uuid4(), "org_id": org, "household_id": uuid.uuid4(), "departement": departement}


def proposal(org: str, at: datetime, days: int, departement: str | None = DEPARTEMENT) -> tuple[EventContract, datetime]:
    event = m.PlacementProposed(
        **placement(org, departement), owner_id="owner-x", household_size=None, resources_band=None, guarantee_required=True,
        proposed_at=at, answer_by=at + timedelta(days=7), days_since_registration=days,
    )  # fmt: skip
    return event, at


def unit_let(at: datetime, energy_class: str) -> tuple[EventContract, datetime]:
    unit = snapshot(uuid.uuid4(), 3, insee_code=f"{DEPARTEMENT}001", departement=DEPARTEMENT, energy_class=energy_class, status="let")
    return li.UnitLet(**unit, placement_id=uuid.uuid4()), at


@pytest.fixture(scope="module")
async def counted(stack: Stack) -> None:
    """The public figures of ``DEPARTEMENT`` in ``PAST_MONTH``: 15 proposals (10 to 24 days after registration), 14
    accepted, 12 expired, 2 declined (hidden: so is the expired, the smallest other, or the total would give them), 11
    homes let of class C."""
    org = f"assoc-{uuid.uuid4().hex[:8]}"
    events = [proposal(org, PAST, days) for days in range(10, 25)]
    events += [(m.PlacementAccepted(**placement(org), accepted_at=PAST), PAST) for _ in range(14)]
    events += [(m.PlacementExpired(**placement(org), expired_at=PAST), PAST) for _ in range(12)]
    events += [(m.PlacementDeclined(**placement(org), reason="guarantee_insufficient", declined_at=PAST), PAST) for _ in range(2)]
    events += [unit_let(PAST, "C") for _ in range(11)]
    await handled(*events)


def rows(page: str, measure: str) -> dict[str, str]:
    """A breakdown's rows (its words and its count as shown) from its table on the page."""
    part = page.split(f'id="{measure.replace("_", "-")}"', 1)
    assert len(part) == 2, f"no {measure} on the page"
    table = part[1].split("</table>", 1)[0]
    return {html.unescape(words): cell for words, cell in ROW.findall(table)}


def chart(page: str, measure: str) -> str:
    found = re.search(rf'<svg class="abri-chart" id="chart-{measure.replace("_", "-")}".*?</svg>', page, re.S)
    assert found, f"no chart of {measure}"
    return found.group(0)


def no_inline_style(page: str) -> None:
    assert " style=" not in page and "<style" not in page


async def test_the_public_page_shows_11_or_more_and_hides_smaller_counts_to_anyone_in_four_languages(stack: Stack, counted: None) -> None:
    query = {"departement": DEPARTEMENT, "from": PAST_MONTH, "to": PAST_MONTH}
    async with stack.anonymous() as client:
        page = await client.get("/insights", params={**query, "lang": "fr"})
        assert page.status_code == 200, page.text[-2000:]
        text = page.text
        assert '<html lang="fr" dir="ltr"' in text and "<h1>Abri en chiffres</h1>" in text
        assert f"Département : {NAMES[DEPARTEMENT]} ({DEPARTEMENT})" in html.unescape(text)
        month = format_skeleton("yMMMM", PAST.date(), locale="fr")
        assert f"Mois compté : {month}" in html.unescape(text), "the month in the reader's words"
        assert f'<option value="{DEPARTEMENT}" selected>' in text and f'value="{PAST_MONTH}"' in text, "the form shows what is shown"
        outcomes = rows(text, "proposal_outcomes")
        assert outcomes["Proposé au propriétaire"] == "<bdi>15</bdi>" and outcomes["Accepté par le propriétaire"] == "<bdi>14</bdi>"
        assert HIDDEN in outcomes["Refusé par le propriétaire — La garantie est insuffisante"], "2: hidden"
        assert HIDDEN in outcomes["Expiré sans réponse"], "12, hidden too: the total would give the 2 away"
        assert rows(text, "let_energy_classes") == {"Classe C": "<bdi>11</bdi>"}
        assert rows(text, "units") == {"Loué": "<bdi>11</bdi>"}
        durations = re.search(r"De l&#39;inscription du ménage à une proposition</th>(.*?)</tr>", text, re.S)
        assert durations is not None and "<bdi>15</bdi>" in durations.group(1) and "13 jours" in durations.group(1), "quartiles in days"
        assert "Garanties de loyer" not in text.split('id="months"')[1], "guarantees are not counted by département"
        assert "Pourquoi certains chiffres indiquent" in text and "zéro compris" in text, "what < 11 means"

        drawn = chart(text, "proposal_outcomes")
        assert 'role="img"' in drawn and 'aria-label="Propositions aux propriétaires et leur issue (diagramme en barres)' in drawn
        assert "<title>" in drawn and "moins de 11" in drawn, "the label says every value, a hidden one in words"
        assert drawn.count("<rect") == 2, "a bar for each count shown, none for the hidden ones"
        assert drawn.count("abri-chart__value--hidden") == 2 and drawn.count(f">{HIDDEN}</text>") == 2
        policy = page.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        no_inline_style(text)
        assert 'href="/insights"' in text, "in the menu and the footer, for a visitor too"

        for language, title in (("en", "Abri in figures"), ("ar", "Abri بالأرقام"), ("uk", "Abri у цифрах")):
            page = await client.get("/insights", params={**query, "lang": language})
            assert page.status_code == 200
            assert f'<html lang="{language}" dir="{"rtl" if language == "ar" else "ltr"}"' in page.text
            assert f"<h1>{title}</h1>" in page.text
            assert rows(page.text, "proposal_outcomes")[value_in(language)] == "<bdi>15</bdi>"
            assert HIDDEN in page.text
            no_inline_style(page.text)
            if language != "en":
                found = findings(page.text)
                assert found == [], f"[{language}] {[str(f) for f in found]}"
        arabic = await client.get("/insights", params={**query, "lang": "ar"})
        drawn = chart(arabic.text, "proposal_outcomes")
        assert 'direction="rtl"' in drawn and 'x="100%"' in drawn, "in Arabic the bars start on the right"


def value_in(language: str) -> str:
    return {"en": "Proposed to the owner", "ar": "اقتُرح على المالك", "uk": "Запропоновано власникові"}[language]


async def test_the_departement_and_month_filters_choose_the_figures_and_bad_values_are_said_next_to_their_field(
    stack: Stack, counted: None
) -> None:
    async with stack.anonymous() as client:
        elsewhere = "2A" if DEPARTEMENT != "2A" else "2B"
        other = await client.get("/insights", params={"departement": elsewhere, "from": PAST_MONTH, "to": PAST_MONTH, "lang": "fr"})
        assert other.status_code == 200 and "Corse" in html.unescape(other.text)
        assert "Rien n'a été compté sur ces mois." in html.unescape(other.text) and "<bdi>15</bdi>" not in other.text
        later = (PAST + timedelta(days=40)).strftime("%Y-%m")
        after = await client.get("/insights", params={"departement": DEPARTEMENT, "from": later, "to": later, "lang": "fr"})
        assert after.status_code == 200 and "<bdi>15</bdi>" not in after.text
        before = (PAST - timedelta(days=40)).strftime("%Y-%m")
        around = await client.get("/insights", params={"departement": DEPARTEMENT, "from": before, "to": later, "lang": "fr"})
        assert rows(around.text, "proposal_outcomes")["Proposé au propriétaire"] == "<bdi>15</bdi>"
        assert "Mois comptés : " in html.unescape(around.text)
        platform = await client.get("/insights", params={"from": PAST_MONTH, "to": PAST_MONTH, "lang": "fr"})
        assert platform.status_code == 200 and "Toute la plateforme" in platform.text
        shown = rows(platform.text, "proposal_outcomes")["Proposé au propriétaire"]
        assert HIDDEN not in shown and int(re.sub(r"\D", "", shown)) >= 15, "the platform counts the département's"
        assert "Garanties de loyer" in platform.text, "the platform counts the guarantees"

        for params, field, words in (
            ({"from": "2026-13"}, "from", "Écrivez un mois au format AAAA-MM"),
            ({"to": "mars"}, "to", "Écrivez un mois au format AAAA-MM"),
            ({"from": "2026-06", "to": "2026-01"}, "from", "inversez-les"),
            ({"from": "2001-01", "to": "2026-01"}, "from", "120 mois au plus"),
            ({"departement": "XX"}, "departement", "Choisissez le département dans la liste."),
        ):
            refused = await client.get("/insights", params={**params, "lang": "fr"})
            assert refused.status_code == 422, (params, refused.status_code)
            error = re.search(rf'<p id="{field}-error" class="fr-error-text">(.*?)</p>', refused.text, re.S)
            assert error is not None and words in html.unescape(error.group(1)), params
            assert 'id="form-errors"' in refused.text and f'href="#{field}"' in refused.text, "the summary links to the field"
            assert 'id="months"' not in refused.text, "no figures for months not understood"
            no_inline_style(refused.text)


async def test_an_association_sees_its_own_figures_and_another_association_only_theirs(stack: Stack) -> None:
    worker, stranger = stack.browser("social_worker"), stack.browser("social_worker")
    owner = stack.browser("owner")
    try:
        assert worker.org_id is not None
        await handled(*(proposal(worker.org_id, NOW, days, departement=None) for days in range(30, 42)))  # 12 proposals
        await handled(*(proposal(stranger.org_id or "", NOW, 5, departement=None) for _ in range(3)))
        page = await worker.get("/association/insights", params={"lang": "fr"})
        assert page.status_code == 200, page.text[-2000:]
        assert "<h1>Mon association en chiffres</h1>" in page.text and 'href="/association/insights"' in page.text
        assert rows(page.text, "proposal_outcomes") == {"Proposé au propriétaire": "<bdi>12</bdi>"}
        durations = re.search(r"De l&#39;inscription du ménage à une proposition</th>(.*?)</tr>", page.text, re.S)
        assert durations is not None and "<bdi>12</bdi>" in durations.group(1) and "32 jours" in durations.group(1)
        assert "Logements proposés" not in page.text.split('id="months"')[1], "homes are counted by département, not by association"
        assert worker.org_id not in page.text, "never the organisation's id"
        assert findings(page.text) == []
        no_inline_style(page.text)

        theirs = await stranger.get("/association/insights", params={"lang": "fr", "org_id": worker.org_id})
        assert theirs.status_code == 200
        assert rows(theirs.text, "proposal_outcomes") == {
            "Proposé au propriétaire": f'<bdi dir="ltr" class="abri-hidden-count">{HIDDEN}</bdi>'
        }
        assert "<bdi>12</bdi>" not in theirs.text, "only their own association's figures, whatever the address says"
        refused = await stranger.api("GET", f"/insights/v1/insights/associations/{worker.org_id}")
        assert refused.status_code == 404, "the service answers 404 for another association"
        assert (await owner.get("/association/insights")).status_code == 403
        async with stack.anonymous() as client:
            answer = await client.get("/association/insights")
            assert answer.status_code == 303 and answer.headers["location"].startswith("/login")

        for language in ("ar", "uk", "en"):
            shown = await worker.get("/association/insights", params={"lang": language})
            assert shown.status_code == 200 and f'<html lang="{language}" dir="{"rtl" if language == "ar" else "ltr"}"' in shown.text
            assert rows(shown.text, "proposal_outcomes") == {value_in(language): "<bdi>12</bdi>"}
            if language != "en":
                assert findings(shown.text) == [], language
    finally:
        for browser in (worker, stranger, owner):
            await browser.aclose()


async def test_a_fund_agent_sees_the_funds_decisions_guarantees_and_claims(stack: Stack) -> None:
    agent, worker = stack.browser("fund_agent"), stack.browser("social_worker")
    try:
        fund, org = agent.org_id or "", worker.org_id or ""
        events: list[tuple[EventContract, datetime]] = []
        for index in range(13):
            decided = NOW - timedelta(minutes=index)
            events.append((
                g.GuaranteeApproved(
                    file_id=uuid.uuid4(), placement_id=uuid.uuid4(), fund_id=fund, org_id=org, decided_at=decided, max_rent_cents=80_000,
                    valid_until=(NOW + timedelta(days=90)).date(), under_review_since=decided - timedelta(days=index),
                    review_deadline=decided + timedelta(days=1) if index < 12 else decided - timedelta(days=1),
                ), decided,
            ))  # fmt: skip
            events.append((
                g.GuaranteeActivated(
                    file_id=uuid.uuid4(), placement_id=uuid.uuid4(), fund_id=fund, org_id=org, owner_id="owner-x", activated_at=decided,
                    lease_signed_on=decided.date(), rent_and_charges_cents=70_000,
                ), decided,
            ))  # fmt: skip
        await handled(*events)
        page = await agent.get("/fund/insights", params={"lang": "fr"})
        assert page.status_code == 200, page.text[-2000:]
        assert "<h1>Mon fonds en chiffres</h1>" in page.text and 'href="/fund/insights"' in page.text
        assert rows(page.text, "guarantee_decisions") == {"Approuvé": "<bdi>13</bdi>"}
        on_time = rows(page.text, "guarantee_decisions_on_time")
        assert all(HIDDEN in cell for cell in on_time.values()) and len(on_time) == 2, "12 on time and 1 late: both hidden"
        totals = dict(ROW.findall(page.text.split("Garanties activées et sinistres", 1)[1].split("</table>")[0]))
        assert totals["Garanties activées (un bail signé sous le visa du fonds)"] == "<bdi>13</bdi>"
        assert HIDDEN in totals["Sinistres d&#39;impayés déclarés"] and totals["Sinistres par garantie activée"] == "Non affiché"
        assert "Propositions aux propriétaires" not in page.text, "a fund does not count proposals"
        assert findings(page.text) == []
        no_inline_style(page.text)
        assert (await worker.get("/fund/insights")).status_code == 403
        association = await worker.get("/association/insights", params={"lang": "fr"})
        assert rows(association.text, "guarantee_decisions") == {"Approuvé": "<bdi>13</bdi>"}, "the association counts its files too"
    finally:
        await agent.aclose()
        await worker.aclose()


async def test_the_figures_download_as_csv_and_json(stack: Stack, counted: None) -> None:
    async with stack.anonymous() as client:
        page = await client.get("/insights", params={"departement": DEPARTEMENT, "from": PAST_MONTH, "to": PAST_MONTH, "lang": "fr"})
        links = [html.unescape(link) for link in re.findall(r'<a class="fr-link fr-link--download" href="([^"]+)" download>', page.text)]
        assert len(links) == 2 and all(link.startswith(f"/api/insights/v1/public/insights/departements/{DEPARTEMENT}?") for link in links)
        exported = await client.get(next(link for link in links if "form=csv" in link))
        assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
        assert exported.headers["content-disposition"].startswith("attachment;")
        records = list(csv.DictReader(io.StringIO(exported.text)))
        assert all(r["scope"] == "departement" and r["scope_id"] == DEPARTEMENT and r["first_month"] == PAST_MONTH for r in records)
        found = {(r["measure"], r["value"]): r["count"] for r in records}
        assert (
            found[("proposal_outcomes", "proposed")] == "15" and found[("proposal_outcomes", "declined:guarantee_insufficient")] == "< 11"
        )
        opened = await client.get(next(link for link in links if "form=csv" not in link))
        assert opened.status_code == 200 and opened.json()["breakdowns"]["proposal_outcomes"]["accepted"]["count"] == 14

    worker = stack.browser("social_worker")
    try:
        page = await worker.get("/association/insights", params={"lang": "fr"})
        links = [html.unescape(link) for link in re.findall(r'<a class="fr-link fr-link--download" href="([^"]+)" download>', page.text)]
        assert sorted(link.split("?")[0] for link in links) == ["/association/insights/download"] * 2
        exported = await worker.get(next(link for link in links if "form=csv" in link))
        assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
        assert exported.headers["content-disposition"].startswith("attachment;") and ".csv" in exported.headers["content-disposition"]
        assert exported.headers["cache-control"] == "no-store"
        records = list(csv.DictReader(io.StringIO(exported.text)))
        assert records and all(r["scope"] == "association" and r["scope_id"] == worker.org_id for r in records)
        first = re.search(r'id="from" name="from" value="(\d{4}-\d{2})"', page.text)
        assert first is not None and {r["first_month"] for r in records} == {first.group(1)}, "the months the page shows"
        opened = await worker.get(next(link for link in links if "form=json" in link))
        assert opened.status_code == 200 and opened.headers["content-disposition"].endswith('.json"')
        assert json.loads(opened.content)["scope_id"] == worker.org_id
        browser = {"accept": "text/html"}
        assert (await worker.get("/association/insights/download", params={"form": "xml"}, headers=browser)).status_code == 404
        bad = await worker.get("/association/insights/download", params={"form": "csv", "from": "2026-13"}, headers=browser)
        assert bad.status_code == 422 and "AAAA-MM" in bad.text, "a page in words, not a 500"
    finally:
        await worker.aclose()


async def counters(org: str, measure: str, value: str) -> int:
    """What insights' ``counters`` table holds for an association (all months)."""
    engine = create_async_engine(database_url("insights"))
    try:
        async with engine.connect() as connection:
            found = await connection.scalar(
                sa.text(
                    "SELECT coalesce(sum(count), 0) FROM counters"
                    " WHERE scope = 'association' AND scope_id = :org AND measure = :measure AND value = :value"
                ),
                {"org": org, "measure": measure, "value": value},
            )
        return int(found or 0)
    finally:
        await engine.dispose()


async def test_a_proposal_made_through_the_pages_is_counted_by_insights_through_its_consumer(stack: Stack) -> None:
    worker, owner = stack.browser("social_worker"), stack.browser("owner")
    try:
        org = worker.org_id or ""
        await proposed(stack, worker, owner)  # the social worker's page: matching's event, through Kafka, to insights

        async def counted() -> bool:
            return await counters(org, "proposal_outcomes", "proposed") == 1

        await wait_until(counted, timeout=90, interval=0.5, what="insights counts the proposal")
        await handled(*(proposal(org, NOW, 20, departement=None) for _ in range(10)))
        page = await worker.get("/association/insights", params={"lang": "fr"})
        assert rows(page.text, "proposal_outcomes") == {"Proposé au propriétaire": "<bdi>11</bdi>"}, "the real one and ten more"
    finally:
        await worker.aclose()
        await owner.aclose()


@pytest.mark.parametrize("code", ["fr", "ar", "uk"])
def test_every_text_of_the_insights_pages_is_translated(code: str) -> None:
    assert problems(code) == []


def test_a_chart_has_no_bar_for_a_hidden_count_starts_where_reading_starts_and_wraps_its_words(french: None) -> None:
    shown = [
        Row("proposed", "Proposé au propriétaire", 30, Markup("30")),
        Row("accepted", "Accepté par le propriétaire", 15, Markup("15")),
        Row("declined:other", "Refusé par le propriétaire — Une raison qui tient sur plusieurs lignes du diagramme", None, Markup("")),
    ]
    ltr = chart_of("proposal_outcomes", "Propositions", shown, 11, rtl=False)
    assert ltr is not None and [bar.bar_width for bar in ltr.bars] == ["72.00%", "36.00%", None]
    assert [(bar.bar_x, bar.value_x, bar.value_dx) for bar in ltr.bars] == [("0", "72.00%", 6), ("0", "36.00%", 6), ("0", "0.00%", 0)]
    assert [bar.value for bar in ltr.bars] == ["30", "15", "< 11"]
    assert len(ltr.bars[2].lines) == 3 and all(len(line.text) <= 34 for line in ltr.bars[2].lines)
    assert ltr.label == (
        "Propositions (diagramme en barres) : Proposé au propriétaire : 30; Accepté par le propriétaire : 15; Refusé par le"
        " propriétaire — Une raison qui tient sur plusieurs lignes du diagramme : moins de 11."
    )
    rtl = chart_of("proposal_outcomes", "Propositions", shown, 11, rtl=True)
    assert rtl is not None and [(bar.bar_x, bar.value_x, bar.value_dx) for bar in rtl.bars] == [
        ("28.00%", "28.00%", -6),
        ("64.00%", "64.00%", -6),
        ("100.00%", "100.00%", 0),
    ]
    assert chart_of("proposal_outcomes", "Propositions", [], 11, rtl=False) is None


def test_the_words_of_every_coded_value(french: None) -> None:
    assert (
        value_words("proposal_outcomes", "declined:guarantee_insufficient") == "Refusé par le propriétaire — La garantie est insuffisante"
    )
    assert value_words("proposal_outcomes", "withdrawn:consent_withdrawn").startswith("Retiré par l'association — ")
    assert value_words("proposal_outcomes", "fell_through:guarantee_refused") == (
        "Abandonné après l'accord du propriétaire — La garantie a été refusée"
    )
    assert (
        value_words("leases_signed", "sliding") == "Bail glissant"
        and value_words("leases_signed", "unknown") == "Type de bail non renseigné"
    )
    assert value_words("lease_ends", "social_housing") == "Le ménage a obtenu un logement social"
    assert value_words("units", "withdrawn:letting_ban") == "Retiré : sa classe énergétique ne peut plus être louée"
    assert value_words("let_energy_classes", "G") == "Classe G" and value_words("guarantee_decisions", "approved") == "Approuvé"
    assert month_words("2026-03") == "mars 2026"
