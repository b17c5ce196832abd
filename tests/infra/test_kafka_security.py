"""The shared broker as an attacker inside the cluster would meet it: no plaintext, no anonymous client, no
wrong password, no broker certificate from another authority; and each service's principal writes only its
own topics and reads only those it consumes (infra/kafka/acls.py, from the event contracts)."""

from __future__ import annotations

import asyncio
import ssl
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import KafkaError, TopicAuthorizationFailedError

from abri_bus.envelope import Envelope, encode
from abri_bus.kafka import KafkaSecurity, KafkaSettings
from abri_contracts.guarantees import GuaranteeApproved
from tests.support import infra_module, kafka, kafka_bootstrap

acls = infra_module("infra/kafka/acls.py")

pytestmark = pytest.mark.timeout(180)


def as_service(service: str) -> KafkaSettings:
    """The service's own principal, as ``make test`` gives it to the services under test."""
    security = KafkaSecurity.from_env(f"ABRI_{service.upper()}_KAFKA_")
    assert security is not None and security.username == service, f"ABRI_{service.upper()}_KAFKA_USERNAME is not set"
    return KafkaSettings(bootstrap_servers=kafka_bootstrap(), client_id=f"abri-{service}-acl-test", security=security)


def probe(topic: str) -> tuple[bytes, bytes, list[tuple[str, bytes]]]:
    """A well-formed event of a type no consumer handles (consumers skip it), so that probing a shared
    topic disturbs no other test."""
    service = topic.split(".")[1]
    envelope = Envelope(
        id=str(uuid.uuid4()), source=f"abri/{service}", type="abri.tests.acl_probe.v1", subject="probe", time=datetime.now(UTC), data={}
    )
    return encode(envelope)


async def produce(settings: KafkaSettings, topic: str) -> Any:
    key, value, headers = probe(topic)
    producer = settings.producer(request_timeout_ms=10_000)
    await producer.start()
    try:
        return await asyncio.wait_for(producer.send_and_wait(topic, value, key=key, headers=headers), 30)
    finally:
        await producer.stop()


async def read_one(settings: KafkaSettings, topic: str, group: str) -> None:
    consumer = AIOKafkaConsumer(topic, **settings.connection(), group_id=group, auto_offset_reset="earliest", enable_auto_commit=False)
    await consumer.start()
    try:
        await asyncio.wait_for(consumer.getmany(timeout_ms=3000), 30)
    finally:
        await consumer.stop()


async def refused_connection(**options: Any) -> BaseException:
    """The exception a client with ``options`` gets when it first asks for metadata."""
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap(), request_timeout_ms=5000, **options)
    try:
        await asyncio.wait_for(producer.start(), 20)
    except (KafkaError, OSError, TimeoutError, ssl.SSLError) as exc:
        return exc
    finally:
        await producer.stop()
    raise AssertionError(f"the broker accepted a client with {sorted(options)}")


async def test_a_service_cannot_publish_another_service_s_event() -> None:
    with pytest.raises(TopicAuthorizationFailedError):  # a forged GuaranteeApproved from a compromised listings pod
        await produce(as_service("listings"), GuaranteeApproved.topic())
    with pytest.raises(TopicAuthorizationFailedError):
        await produce(as_service("matching"), "abri.listings.unit")
    own = await produce(as_service("listings"), "abri.listings.unit")
    assert own.topic == "abri.listings.unit"


async def test_a_service_reads_only_the_topics_it_consumes() -> None:
    with pytest.raises(TopicAuthorizationFailedError):
        await read_one(as_service("listings"), "abri.guarantees.claim", "abri-listings-acl-test")  # listings consumes no claim
    await read_one(as_service("notifications"), "abri.guarantees.claim", "abri-notifications-acl-test")  # notifications does


async def test_a_service_writes_no_dead_letter_of_a_topic_it_does_not_consume() -> None:
    with pytest.raises(TopicAuthorizationFailedError):
        await produce(as_service("listings"), "abri.guarantees.claim.dlq")


async def test_no_plaintext_no_anonymous_no_wrong_password_no_foreign_authority() -> None:
    await refused_connection()  # plaintext to a TLS listener
    good = kafka().security
    assert good is not None
    wrong = replace(good, password=good.password + "x")
    await refused_connection(**wrong.options())
    await refused_connection(**replace(good, username="nobody").options())
    foreign = ssl.create_default_context()  # the system's authorities: none signed the local broker's certificate
    await refused_connection(**{**good.options(), "ssl_context": foreign})


def test_the_acls_follow_the_contracts() -> None:
    table = {(a.principal, a.resource_type, a.pattern_type, a.name, a.operation) for a in acls.all_acls()}
    assert ("User:listings", "topic", "prefixed", "abri.listings.", "Write") in table
    assert ("User:matching", "topic", "literal", "abri.guarantees.guarantee", "Read") in table
    assert ("User:matching", "topic", "literal", "abri.guarantees.guarantee.dlq", "Write") in table
    writes_elsewhere = {(p, n) for p, kind, _, n, op in table if kind == "topic" and op == "Write" and not n.endswith(".dlq")}
    assert all(n == f"abri.{p.removeprefix('User:')}." for p, n in writes_elsewhere)  # only its own prefix


async def test_insights_which_publishes_nothing_reads_what_it_counts_and_writes_no_other_service_s_event() -> None:
    """Insights owns no topic: it reads matching's placements (the contracts name it), and a compromised insights
    pod can forge no placement, decision nor unit."""
    consumed = acls.consumed_topics()["insights"]
    assert "abri.matching.placement" in consumed and not any(topic.startswith("abri.insights.") for topic in consumed)
    await read_one(as_service("insights"), "abri.matching.placement", "abri-insights-acl-test")
    for topic in ("abri.matching.placement", GuaranteeApproved.topic(), "abri.listings.unit"):
        with pytest.raises(TopicAuthorizationFailedError):
            await produce(as_service("insights"), topic)
    with pytest.raises(TopicAuthorizationFailedError):  # nor read a topic it does not count (the households' news)
        await read_one(as_service("insights"), "abri.matching.household", "abri-insights-acl-test")
