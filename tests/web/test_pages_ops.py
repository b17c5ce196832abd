"""The ops pages: each service's health and event bus side by side, dead letters listed and replayed,
notifications that failed for good."""

from __future__ import annotations

import html
import json
import re
import uuid
from datetime import UTC, datetime

from abri_contracts.services import SERVICES
from tests.notifications.support import execute, unique
from tests.support import execute_sql
from tests.web.support import Stack, main_text


async def test_the_overview_shows_every_service_ready_with_its_bus(stack: Stack) -> None:
    ops = stack.browser("ops")
    try:
        page = await ops.get("/ops", params={"lang": "en"})
    finally:
        await ops.aclose()
    assert page.status_code == 200
    for service in SERVICES:
        assert f'<th scope="row">{service}</th>' in page.text
    assert "Not ready" not in page.text, main_text(page.text)
    assert page.text.count(">Ready<") == len(SERVICES) + 1, main_text(page.text)  # each service's badge, and the column's head
    assert "Outbox backlog" in page.text and "Consumer lag" in page.text
    assert "/ops/notifications/dead-letters?topic=abri.listings.unit" in page.text  # a consumed topic, linked


async def test_a_service_that_does_not_answer_is_shown_as_such(issuer: object, migrated: None) -> None:
    import socket

    from tests.oidc_issuer import TestIssuer
    from tests.web.support import running_stack

    assert isinstance(issuer, TestIssuer)
    with socket.socket() as taken:  # bound, never listening: connections are refused, and no one else gets the port
        taken.bind(("127.0.0.1", 0))
        nowhere = f"http://127.0.0.1:{taken.getsockname()[1]}"
        async for running in running_stack(issuer, guarantees_url=nowhere):
            ops = running.browser("ops")
            try:
                page = await ops.get("/ops", params={"lang": "en"})
            finally:
                await ops.aclose()
            assert page.status_code == 200
            assert "Not ready" in page.text and "does not answer" in page.text


async def test_the_dead_letters_of_a_topic_are_listed_and_a_wrong_replay_changes_nothing(stack: Stack) -> None:
    ops = stack.browser("ops")
    try:
        listing = await ops.get("/ops/notifications/dead-letters", params={"topic": "abri.listings.unit", "lang": "en"})
        assert listing.status_code == 200 and "Dead letters of abri.listings.unit" in listing.text
        wrong = await ops.post(
            "/ops/notifications/dead-letters/replay", {"topic": "abri.listings.unit", "partition": "0", "offset": "999999999"}
        )
        assert wrong.status_code == 303
        shown = await ops.get(wrong.headers["location"] + "&lang=en")
        assert "no dead letter at 0/999999999" in shown.text
        assert (
            await ops.post("/ops/notifications/dead-letters/replay", {"topic": "abri.listings.unit", "all": "true"}, csrf=False)
        ).status_code == 403
        assert (await ops.get("/ops/notifications/dead-letters", params={"topic": "abri.not.consumed"})).status_code == 404
        assert (await ops.get("/ops/nowhere/dead-letters", params={"topic": "abri.listings.unit"})).status_code == 404
    finally:
        await ops.aclose()


async def test_the_ops_pages_are_for_ops_only(stack: Stack) -> None:
    owner = stack.browser("owner")
    try:
        assert (await owner.get("/ops")).status_code == 403
        assert (
            await owner.post("/ops/notifications/dead-letters/replay", {"topic": "abri.listings.unit", "all": "true"})
        ).status_code == 403
    finally:
        await owner.aclose()


async def test_retrying_a_delivery_that_is_not_failed_says_why(stack: Stack) -> None:
    ops = stack.browser("ops")
    try:
        answer = await ops.post("/ops/deliveries/00000000-0000-0000-0000-000000000000/retry", {})
        assert answer.status_code == 303
        page = await ops.get("/ops", params={"lang": "en"})
        assert "not found" in page.text
    finally:
        await ops.aclose()


async def test_the_notifications_that_failed_for_good_come_in_pages_newest_first(stack: Stack) -> None:
    marker = unique("web-pages")
    later = datetime(2999, 1, 1, tzinfo=UTC)  # newer than any other test's: the first rows of the list
    ops = stack.browser("ops")
    try:
        await execute(
            "INSERT INTO deliveries (id, key, event_id, event_type, template, recipient, channel, language, subject, text, html, payload,"
            " status, attempts, next_attempt_at, last_error, created_at) SELECT gen_random_uuid(), md5(:e || n), :e, 't',"
            " 'owner.unit_let', 'x', 'email', 'fr', 's', 't', 'h', '{}', 'failed', 12, :at, 'failure ' || n,"
            " CAST(:at AS timestamptz) + n * interval '1 minute' FROM generate_series(1, 52) AS n",
            e=marker, at=later,
        )  # fmt: skip
        first = await ops.get("/ops", params={"lang": "en"})
        assert first.text.count(">Send again<") == 50 and "failure 52<" in first.text and "failure 2<" not in first.text
        link = re.search(r'href="(/ops\?deliveries=[^"]+)"', first.text)
        assert link is not None and ">Next page<" in first.text
        second = await ops.get(html.unescape(link.group(1)) + "&lang=en")
        assert second.status_code == 200 and "failure 2<" in second.text and "failure 1<" in second.text and "failure 3<" not in second.text
        damaged = await ops.get("/ops", params={"deliveries": "not-a-cursor", "lang": "en"})
        assert damaged.status_code == 200 and "failure 52<" in damaged.text  # the first page instead
    finally:
        await ops.aclose()
        await execute("DELETE FROM deliveries WHERE event_id = :e", e=marker)


async def test_a_parked_outbox_row_is_shown_and_released_from_the_pages(stack: Stack) -> None:
    """A row Kafka refuses for good (here: larger than a Kafka message may be) is counted on the overview,
    listed with why, and released; released, the relay tries it once more and parks it again, as it says."""
    event_id = uuid.uuid4()
    await execute_sql(
        "listings",
        "INSERT INTO event_outbox (event_id, topic, message_key, event_type, source, occurred_at, data, attempts, last_error, parked_at) "
        "VALUES (:id, 'abri.listings.unit', :key, 'UnitPublished', 'listings', now(), CAST(:data AS jsonb), 1, "
        "'MessageSizeTooLargeError: too large', now())",
        id=event_id, key=f"parked-{event_id}", data=json.dumps({"padding": "x" * 2_000_000}),
    )  # fmt: skip
    ops = stack.browser("ops")
    try:
        overview = await ops.get("/ops", params={"lang": "en"})
        assert 'href="/ops/listings/parked"' in overview.text
        listing = await ops.get("/ops/listings/parked", params={"lang": "en"})
        assert listing.status_code == 200 and str(event_id) in listing.text and "MessageSizeTooLargeError" in listing.text
        seq = re.search(r'name="seq" value="(\d+)"', listing.text.split(str(event_id), 1)[1])
        assert seq is not None
        for bad in ("", "x", "0", str(2**63)):
            assert (await ops.post("/ops/listings/parked/release", {"seq": bad})).status_code == 422, bad
        missing = await ops.post("/ops/listings/parked/release", {"seq": "999999999999"})
        assert missing.status_code == 303
        # The notice is written in the language of the form's page (French by default).
        assert "n'est pas (ou plus) mise de côté" in html.unescape((await ops.get(missing.headers["location"])).text)
        released = await ops.post("/ops/listings/parked/release", {"seq": seq.group(1)})
        assert released.status_code == 303
        assert "partent au prochain passage du relais" in html.unescape((await ops.get(released.headers["location"])).text)
        assert (await ops.post("/ops/listings/parked/release", {"seq": seq.group(1)}, csrf=False)).status_code == 403
    finally:
        await ops.aclose()
        await execute_sql("listings", "DELETE FROM event_outbox WHERE event_id = :id", id=event_id)
