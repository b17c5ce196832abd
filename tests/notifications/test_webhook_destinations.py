"""Webhooks never reach inside: a destination is resolved and refused when loopback, private, link-local,
metadata, reserved or cluster-internal, at registration (a coded 422, nothing added) and again at each
delivery (DNS rebinding: the name turned private after registration), where the webhook goes to the very
address judged. Plain http only with the development setting, and then only to the loopback.

The service's resolver is a :class:`FakeDns` (no DNS server runs here): names answer what each test says."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from ipaddress import ip_address
from typing import Any

import httpx
import pytest

from abri_contracts.matching import PlacementAccepted
from abri_notifications.channels.destinations import Destinations
from abri_notifications.domain.destinations import DestinationRefused, parse
from abri_notifications.domain.policy import WebhookDestinationPolicy
from abri_notifications.sender import send_due
from tests.notifications.support import PUBLIC_ADDRESS, FakeDns, as_, execute, handle, local_webhooks, rows, serve, unique
from tests.notifications.test_sender import Receiver
from tests.oidc_issuer import TestIssuer, serving
from tests.services.test_service_skeletons import migrated as migrated
from tests.support import count_rows

pytestmark = pytest.mark.timeout(120)

INSIDE_NAMES = {
    "db.partner.example.org": ["10.0.0.5"],
    "split.partner.example.org": [PUBLIC_ADDRESS, "192.168.1.1"],  # one private answer among public ones
    "mapped.partner.example.org": ["::ffff:127.0.0.1"],
    "nat64.partner.example.org": ["64:ff9b::a9fe:a9fe"],  # 169.254.169.254 through NAT64
    "sixtofour.partner.example.org": ["2002:7f00:1::1"],  # 127.0.0.1 through 6to4
    "cgnat.partner.example.org": ["100.64.1.1"],
    "ula.partner.example.org": ["fd12:3456::1"],
    "linklocal.partner.example.org": ["fe80::1"],
    "bench.partner.example.org": ["198.18.0.5"],
    "multicast.partner.example.org": ["239.1.1.1"],
    "reserved.partner.example.org": ["240.0.0.1"],
    "zero.partner.example.org": ["0.0.0.0"],  # noqa: S104 (an answer a rebinding resolver gives)
    "loop.partner.example.org": ["127.0.0.1", "::1"],
    "metadata.partner.example.org": ["169.254.169.254"],
}

REFUSED: list[tuple[str, str, str | None]] = [
    # (url, rule, kind)
    ("https://127.0.0.1/hook", "destination_private", "loopback"),
    ("https://localhost/hook", "destination_internal_name", None),
    ("https://[::1]/hook", "destination_private", "loopback"),
    ("https://169.254.169.254/latest/meta-data/", "destination_private", "metadata"),
    ("https://10.0.0.1/hook", "destination_private", "private"),
    ("https://192.168.0.1/hook", "destination_private", "private"),
    ("https://172.16.5.4/hook", "destination_private", "private"),
    ("https://kubernetes.default.svc/api", "destination_internal_name", None),
    ("https://kubernetes.default.svc.cluster.local/api", "destination_internal_name", None),
    ("https://postgres.abri.svc.cluster.local/", "destination_internal_name", None),
    ("https://metadata.google.internal/computeMetadata/v1/", "destination_internal_name", None),
    ("https://printer.local/", "destination_internal_name", None),
    ("https://app.localhost/", "destination_internal_name", None),
    ("https://router.home.arpa/", "destination_internal_name", None),
    ("https://kubernetes/", "destination_internal_name", None),
    ("https://metadata/", "destination_internal_name", None),
    ("https://partner.example.org:5432/hook", "destination_port", None),
    ("https://partner.example.org:8443/hook", "destination_port", None),
    ("https://0.0.0.0/hook", "destination_private", "this_network"),
    ("https://0/hook", "destination_private", "this_network"),
    ("https://2130706433/hook", "destination_private", "loopback"),
    ("https://0x7f.1/hook", "destination_private", "loopback"),
    ("https://0x7f000001/hook", "destination_private", "loopback"),
    ("https://017700000001/hook", "destination_private", "loopback"),
    ("https://0177.0.0.1/hook", "destination_private", "loopback"),
    ("https://127.1/hook", "destination_private", "loopback"),
    ("https://\uff11\uff12\uff17.\uff10.\uff10.\uff11/hook", "destination_private", "loopback"),  # full-width digits
    ("https://[::ffff:127.0.0.1]/hook", "destination_private", "loopback"),
    ("https://[::ffff:a9fe:a9fe]/hook", "destination_private", "metadata"),
    ("https://[64:ff9b::a00:1]/hook", "destination_private", "private"),
    ("https://[2002:c0a8:1::1]/hook", "destination_private", "private"),
    ("https://[fc00::1]/hook", "destination_private", "private"),
    ("https://[fd00:ec2::254]/hook", "destination_private", "metadata"),
    ("https://[fe80::1]/hook", "destination_private", "link_local"),
    ("https://[ff02::1]/hook", "destination_private", "multicast"),
    ("https://[::]/hook", "destination_private", "unspecified"),
    ("https://100.64.0.1/hook", "destination_private", "shared"),
    ("https://100.100.100.200/hook", "destination_private", "metadata"),
    ("https://198.18.0.1/hook", "destination_private", "benchmarking"),
    ("https://224.0.0.1/hook", "destination_private", "multicast"),
    ("https://240.0.0.1/hook", "destination_private", "reserved"),
    ("https://255.255.255.255/hook", "destination_private", "reserved"),
    ("https://192.0.2.1/hook", "destination_private", "documentation"),
    ("https://user:pw@partner.example.org/hook", "destination_credentials", None),
    ("https://user@partner.example.org/hook", "destination_credentials", None),
    ("https://@partner.example.org/hook", "destination_credentials", None),
    ("http://partner.example.org/hook", "destination_scheme", None),
    ("http://127.0.0.1/hook", "destination_scheme", None),
    ("ftp://partner.example.org/hook", "destination_scheme", None),
    ("gopher://127.0.0.1:6379/_", "destination_scheme", None),
    ("https:///no-host", "destination_url", None),
    ("https://partner.example.org\\@127.0.0.1/", "destination_url", None),
    ("https://%31%32%37.0.0.1/", "destination_url", None),
    ("https://a..example.org/", "destination_url", None),
    ("https://1.2.3.4.5/", "destination_url", None),
    ("not a url", "destination_url", None),
]
"""Every case of the issue and others of the same kind, refused without resolving anything."""

RESOLVED_INSIDE = [f"https://{name}/hook" for name in INSIDE_NAMES]
"""Names the resolver answers with an address inside (split horizon, or a rebinding resolver)."""


# --- the rule, pure ---------------------------------------------------------------------------------------


@pytest.mark.unit
@pytest.mark.parametrize(("url", "rule", "kind"), REFUSED)
def test_the_rule_refuses_what_is_inside_before_any_resolution(url: str, rule: str, kind: str | None) -> None:
    with pytest.raises(DestinationRefused) as refused:
        parse(url, WebhookDestinationPolicy())
    assert refused.value.rule == rule
    assert refused.value.params.get("kind") == kind
    coded = refused.value.coded()
    assert coded["rule"] == rule and coded["fields"] == ["url"] and coded["message"]
    if rule not in ("destination_url",):
        assert coded["source_url"], rule  # every destination rule names what it follows


@pytest.mark.unit
def test_the_rule_accepts_public_https_and_reads_the_host_as_resolvers_do() -> None:
    policy = WebhookDestinationPolicy()
    named = parse("https://Partner.Example.ORG./hook?x=1#f", policy)
    assert (named.scheme, named.host, named.port, named.address) == ("https", "partner.example.org", 443, None)
    assert named.host_header == "partner.example.org"
    literal = parse("https://[2606:4700:4700::1111]:443/", policy)
    assert literal.address == ip_address("2606:4700:4700::1111") and literal.host_header == "[2606:4700:4700::1111]"
    assert parse("https://[64:ff9b::808:808]/", policy).address is not None  # NAT64 to a public IPv4 address
    assert parse("https://134744072/", policy).address == ip_address("8.8.8.8")  # one number, as resolvers read it
    other_port = parse("https://partner.example.org:8443/", WebhookDestinationPolicy(ports=(443, 8443)))
    assert other_port.port == 8443 and other_port.host_header == "partner.example.org:8443"
    with pytest.raises(ValueError, match="ports"):
        WebhookDestinationPolicy(ports=())


@pytest.mark.unit
def test_the_development_setting_lets_the_loopback_through_and_nothing_else() -> None:
    local = WebhookDestinationPolicy(ports=(443, 8080), allow_local_http=True)
    for url in (
        "http://127.0.0.1:8080/h",
        "http://[::1]:8080/h",
        "https://127.0.0.1/h",
        "http://localhost:8080/h",
        "http://2130706433:8080/",
    ):
        parse(url, local)
    for url, rule in (
        ("http://93.184.215.14:8080/h", "destination_scheme"),  # plain http goes only to the loopback
        ("http://10.0.0.1:8080/h", "destination_private"),
        ("https://10.0.0.1/h", "destination_private"),
        ("https://169.254.169.254/h", "destination_private"),
        ("http://127.0.0.1:5432/h", "destination_port"),  # the ports still apply
        ("http://kubernetes.default.svc:8080/h", "destination_internal_name"),
        ("http://0.0.0.0:8080/h", "destination_private"),
    ):
        with pytest.raises(DestinationRefused) as refused:
            parse(url, local)
        assert refused.value.rule == rule, url


# --- at registration, through the API ------------------------------------------------------------------


def refusal(answer: httpx.Response) -> dict[str, Any]:
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    [error] = answer.json()["errors"]
    return dict(error)


async def test_registration_refuses_every_destination_inside_and_changes_nothing(issuer: TestIssuer) -> None:
    dns = FakeDns(INSIDE_NAMES)
    async with serve(issuer, dns=dns) as (_, client):
        org = unique("assoc-dest")
        member = as_(issuer, unique("sw-dest"), "social_worker", org)
        for url, rule, kind in REFUSED:
            error = refusal(await client.post("/v1/webhooks", json={"url": url}, headers=member))
            assert (error["rule"], error["params"].get("kind"), error["fields"]) == (rule, kind, ["url"]), url
        assert dns.asked == []  # all refused before any resolution
        for url in RESOLVED_INSIDE:
            answer = await client.post("/v1/webhooks", json={"url": url}, headers=member)
            error = refusal(answer)
            assert error["rule"] == "destination_private", url
            for address in INSIDE_NAMES[httpx.URL(url).host]:
                assert address not in answer.text  # what the cluster's resolver answered is never told
        error = refusal(await client.post("/v1/webhooks", json={"url": "https://nowhere.example.org/hook"}, headers=member))
        assert error["rule"] == "destination_unresolvable" and error["params"] == {"host": "nowhere.example.org"}
        assert await count_rows("notifications", "SELECT count(*) FROM webhook_endpoints WHERE org_id = :o", o=org) == 0
        created = await client.post("/v1/webhooks", json={"url": "https://partner.example.org/hook"}, headers=member)
        assert created.status_code == 201 and created.json()["refused_rule"] is None


async def test_a_slow_resolver_is_a_refusal_not_a_hang(issuer: TestIssuer) -> None:
    class Silent(FakeDns):
        async def __call__(self, host: str, port: int) -> list[str]:
            await asyncio.sleep(60)
            return []

    async with serve(issuer, dns=Silent()) as (app, client):
        app.state.webhook_destinations.policy = WebhookDestinationPolicy(resolve_timeout_s=0.2)
        member = as_(issuer, unique("sw-slow"), "social_worker", unique("assoc-slow"))
        error = refusal(await client.post("/v1/webhooks", json={"url": "https://partner.example.org/hook"}, headers=member))
        assert error["rule"] == "destination_unresolvable"


async def test_plain_http_needs_the_development_setting_and_then_only_reaches_the_loopback(issuer: TestIssuer) -> None:
    receiver = Receiver()
    local_url = f"http://127.0.0.1:{receiver.port}/hook"
    async with serve(issuer) as (_, client):  # production's rule
        member = as_(issuer, unique("sw-http"), "social_worker", unique("assoc-http"))
        assert refusal(await client.post("/v1/webhooks", json={"url": local_url}, headers=member))["rule"] == "destination_scheme"
        https_local = f"https://127.0.0.1:{receiver.port}/hook"
        assert refusal(await client.post("/v1/webhooks", json={"url": https_local}, headers=member))["rule"] == "destination_port"
    async with serve(issuer, **local_webhooks(receiver.port)) as (_, client):
        org = unique("assoc-http")
        member = as_(issuer, unique("sw-http"), "social_worker", org)
        for url in (local_url, f"http://localhost:{receiver.port}/hook", f"http://[::1]:{receiver.port}/hook"):
            assert (await client.post("/v1/webhooks", json={"url": url}, headers=member)).status_code == 201, url
        for url, rule in (
            (f"http://partner.example.org:{receiver.port}/hook", "destination_scheme"),  # a public name: https only
            (f"http://10.0.0.1:{receiver.port}/hook", "destination_private"),
            ("https://10.0.0.1/hook", "destination_private"),
            ("https://169.254.169.254/hook", "destination_private"),
            ("http://127.0.0.1:5432/", "destination_port"),
        ):
            assert refusal(await client.post("/v1/webhooks", json={"url": url}, headers=member))["rule"] == rule, url


# --- at delivery: DNS rebinding, endpoints stored before the rule -----------------------------------------


async def deliver(app: Any, org: str) -> list[Any]:
    """An event for ``org``'s webhooks, handled and sent now; the webhook deliveries it made."""
    event = PlacementAccepted(placement_id=uuid.uuid4(), unit_id=uuid.uuid4(), org_id=org, accepted_at=datetime.now(UTC))
    envelope = await handle(app, event)
    await send_due(app.state.sessionmaker, app.state.outbound, datetime.now(UTC) + timedelta(seconds=1))
    return await rows(
        "SELECT recipient, status, attempts, last_error FROM deliveries WHERE event_id = :e AND channel = 'webhook'", e=envelope.id
    )


async def test_a_name_that_turns_private_after_registration_fails_its_delivery_and_stops_the_endpoint(issuer: TestIssuer) -> None:
    receiver = Receiver()
    dns = FakeDns({"hooks.rebind.example.org": [PUBLIC_ADDRESS]})
    await execute("UPDATE deliveries SET status = 'failed' WHERE status = 'pending'")  # earlier tests' deliveries: not ours to send
    async with serving(receiver.app(), receiver.port), serve(issuer, dns=dns, send_every_s=3600) as (app, client):
        org = unique("assoc-rebind")
        member = as_(issuer, unique("sw-rebind"), "social_worker", org)
        created = await client.post("/v1/webhooks", json={"url": "https://hooks.rebind.example.org/abri"}, headers=member)
        assert created.status_code == 201
        endpoint = created.json()["id"]

        dns.answers["hooks.rebind.example.org"] = ["127.0.0.1"]  # the attacker's resolver now answers the loopback
        [delivery] = await deliver(app, org)
        assert (delivery.recipient, delivery.status, delivery.attempts) == (endpoint, "failed", 1)  # permanent: not retried
        assert "destination_private" in delivery.last_error and "127.0.0.1" in delivery.last_error
        assert receiver.calls == []  # nothing left for the loopback
        [listed] = (await client.get("/v1/webhooks", headers=member)).json()["items"]
        assert (listed["active"], listed["refused_rule"]) == (False, "destination_private") and listed["refused_at"]
        failed = await client.get("/v1/ops/deliveries", params={"status": "failed", "limit": 200}, headers=as_(issuer, "ops-d", "ops"))
        errors = [d["last_error"] or "" for d in failed.json()["items"] if d["channel"] == "webhook"]
        assert delivery.last_error in errors  # ops read why, with the address the name gave
        assert await deliver(app, org) == []  # a stopped endpoint is told nothing more
        assert dns.asked == ["hooks.rebind.example.org", "hooks.rebind.example.org"]  # at registration, at the delivery


async def test_an_endpoint_stored_before_the_rule_is_judged_at_each_delivery(issuer: TestIssuer) -> None:
    dns = FakeDns({"hooks.gone.example.org": [PUBLIC_ADDRESS]})
    await execute("UPDATE deliveries SET status = 'failed' WHERE status = 'pending'")
    async with serve(issuer, dns=dns, send_every_s=3600) as (app, client):
        org = unique("assoc-old")
        member = as_(issuer, unique("sw-old"), "social_worker", org)
        created = await client.post("/v1/webhooks", json={"url": "https://hooks.gone.example.org/abri"}, headers=member)
        endpoint = created.json()["id"]
        await execute(  # as the previous rule let it be stored
            "UPDATE webhook_endpoints SET url = 'http://169.254.169.254/latest/meta-data/' WHERE id = :i", i=uuid.UUID(endpoint)
        )
        [delivery] = await deliver(app, org)
        assert delivery.status == "failed" and "destination_scheme" in delivery.last_error
        [listed] = (await client.get("/v1/webhooks", headers=member)).json()["items"]
        assert (listed["active"], listed["refused_rule"]) == (False, "destination_scheme")


async def test_a_name_that_no_longer_resolves_is_retried_and_the_endpoint_kept(issuer: TestIssuer) -> None:
    dns = FakeDns({"hooks.flaky.example.org": [PUBLIC_ADDRESS]})
    await execute("UPDATE deliveries SET status = 'failed' WHERE status = 'pending'")
    async with serve(issuer, dns=dns, send_every_s=3600) as (app, client):
        org = unique("assoc-flaky")
        member = as_(issuer, unique("sw-flaky"), "social_worker", org)
        assert (await client.post("/v1/webhooks", json={"url": "https://hooks.flaky.example.org/abri"}, headers=member)).status_code == 201
        dns.answers.pop("hooks.flaky.example.org")
        [delivery] = await deliver(app, org)
        assert (delivery.status, delivery.attempts) == ("pending", 1) and "hooks.flaky.example.org" in delivery.last_error
        [listed] = (await client.get("/v1/webhooks", headers=member)).json()["items"]
        assert listed["active"] and listed["refused_rule"] is None
        await execute("UPDATE deliveries SET status = 'failed' WHERE status = 'pending' AND recipient = :r", r=listed["id"])


async def test_with_the_development_setting_a_local_receiver_gets_its_webhook(issuer: TestIssuer) -> None:
    receiver = Receiver()
    await execute("UPDATE deliveries SET status = 'failed' WHERE status = 'pending'")
    async with serving(receiver.app(), receiver.port), serve(issuer, send_every_s=3600, **local_webhooks(receiver.port)) as (app, client):
        org = unique("assoc-local")
        member = as_(issuer, unique("sw-local"), "social_worker", org)
        url = f"http://localhost:{receiver.port}/hook"
        assert (await client.post("/v1/webhooks", json={"url": url}, headers=member)).status_code == 201
        [delivery] = await deliver(app, org)
        assert delivery.status == "sent"
        [(path, headers, _)] = receiver.calls
        assert path == "/hook" and headers["host"] == f"localhost:{receiver.port}"


async def test_the_client_is_handed_the_address_judged_the_name_going_as_host_and_tls_server_name() -> None:
    dns = FakeDns({"xn--bcher-kva.example.org": [PUBLIC_ADDRESS, "2606:4700:4700::1111"], "bucher.example.org": [PUBLIC_ADDRESS]})
    destination = await Destinations(WebhookDestinationPolicy(), dns).check("https://Bücher.example.org/hooks/ä?x=é")
    assert str(destination.request_url()) == f"https://{PUBLIC_ADDRESS}/hooks/%C3%A4?x=%C3%A9"
    assert destination.headers() == {"Host": "xn--bcher-kva.example.org"}
    assert destination.extensions() == {"sni_hostname": "xn--bcher-kva.example.org"}
    assert dns.asked == ["xn--bcher-kva.example.org"]
    literal = await Destinations(WebhookDestinationPolicy(), dns).check("https://[2606:4700:4700::1111]/h")
    assert str(literal.request_url()) == "https://[2606:4700:4700::1111]/h" and literal.extensions() == {}  # TLS checks the address
    with pytest.raises(DestinationRefused) as refused:  # what the HTTP client could not send is refused at registration
        await Destinations(WebhookDestinationPolicy(), dns).check("https://\uff22\uff35\uff23\uff28\uff25\uff32.example.org/")
    assert refused.value.rule == "destination_url"  # full-width letters: a name the resolver knew, the client would not send
