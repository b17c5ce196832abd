"""Default deny for the release's pods, then explicit allows: ingress controller → gateway → services;
each service → its database and Kafka; DNS; the issuer's keys; OTLP when set."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.helm.chart import COMPONENTS, KEYSTORE_SERVICES, SERVICES, VALUE_SETS, named, of_kind, render

RELEASE_PODS = {"app.kubernetes.io/name": "abri", "app.kubernetes.io/instance": "abri"}


def ports(rules: list[dict[str, Any]]) -> set[Any]:
    return {p["port"] for rule in rules for p in rule.get("ports", [])}


@pytest.mark.parametrize("value_set", list(VALUE_SETS))
def test_default_deny_covers_every_pod_of_the_release(value_set: str) -> None:
    manifests = render(value_set)
    policies = of_kind(manifests, "NetworkPolicy")
    [deny] = [p for p in policies if p["metadata"]["name"].endswith("-default-deny")]
    assert deny["spec"]["podSelector"]["matchLabels"] == RELEASE_PODS
    assert sorted(deny["spec"]["policyTypes"]) == ["Egress", "Ingress"]
    assert "ingress" not in deny["spec"] and "egress" not in deny["spec"]
    for kind in ("Deployment", "Job"):
        for workload in of_kind(manifests, kind):
            labels = workload["spec"]["template"]["metadata"]["labels"]
            assert RELEASE_PODS.items() <= labels.items()
            own = [p for p in policies if p["spec"]["podSelector"]["matchLabels"].items() <= labels.items() and p is not deny]
            assert any("app.kubernetes.io/component" in p["spec"]["podSelector"]["matchLabels"] for p in own), workload["metadata"]["name"]
    [dns] = [p for p in policies if p["metadata"]["name"].endswith("-dns")]
    assert ports(dns["spec"]["egress"]) == {53}


def test_only_the_ingress_controller_reaches_the_gateway_and_only_the_gateway_reaches_the_services() -> None:
    manifests = render("default")
    gateway = named(manifests, "NetworkPolicy", "abri-gateway")
    assert gateway["spec"]["ingress"][0]["from"] == [
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}}
    ]
    to_services = gateway["spec"]["egress"][0]
    assert {peer["podSelector"]["matchLabels"]["app.kubernetes.io/component"] for peer in to_services["to"]} == set(SERVICES)
    for svc in SERVICES:
        policy = named(manifests, "NetworkPolicy", f"abri-{svc}")
        first = policy["spec"]["ingress"][0]["from"]
        assert first == [{"podSelector": {"matchLabels": {**RELEASE_PODS, "app.kubernetes.io/component": "gateway"}}}]
        assert {5432, 9093, 443} <= ports(policy["spec"]["egress"])
        assert 8080 not in ports(policy["spec"]["egress"])  # a service never calls another


def test_production_egress_is_narrowed_to_the_database_kafka_and_the_collector() -> None:
    manifests = render("production")
    policy = named(manifests, "NetworkPolicy", "abri-matching")
    by_port = {p["port"]: rule.get("to") for rule in policy["spec"]["egress"] for p in rule["ports"] if p["port"] != 5432}
    postgres = [rule.get("to") for rule in policy["spec"]["egress"] if ports([rule]) == {5432}]
    assert postgres == [[{"ipBlock": {"cidr": "10.20.0.0/24"}}], [{"ipBlock": {"cidr": "10.20.1.0/28"}}]]  # the data, the key store
    assert by_port[9093][0]["podSelector"] == {"matchLabels": {"strimzi.io/cluster": "abri-kafka"}}
    assert by_port[4318] == [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "observability"}}}]
    migrate = named(manifests, "NetworkPolicy", "abri-matching-migrate")
    assert ports(migrate["spec"]["egress"]) == {5432} and "ingress" not in migrate["spec"]
    assert [rule.get("to") for rule in migrate["spec"]["egress"]] == postgres  # its migrations copy keys into the key store
    listings = named(manifests, "NetworkPolicy", "abri-listings")
    assert [rule.get("to") for rule in listings["spec"]["egress"] if ports([rule]) == {5432}] == postgres[:1]  # no key store


def test_with_cloudnativepg_each_service_reaches_only_its_own_cluster() -> None:
    manifests = render("cnpg")
    for svc in SERVICES:
        for name in (f"abri-{svc}", f"abri-{svc}-migrate"):
            database, *keystore = [r for r in named(manifests, "NetworkPolicy", name)["spec"]["egress"] if ports([r]) == {5432}]
            assert database["to"] == [{"podSelector": {"matchLabels": {"cnpg.io/cluster": f"abri-{svc}-db"}}}]
            assert len(keystore) == (svc in KEYSTORE_SERVICES)  # the key store: never a Cluster of the release
    assert len(COMPONENTS) == 7


def test_the_gateway_s_metrics_are_on_a_port_the_ingress_never_routes() -> None:
    manifests = render("production")
    [ingress] = of_kind(manifests, "Ingress")
    backends = [path["backend"]["service"]["port"] for rule in ingress["spec"]["rules"] for path in rule["http"]["paths"]]
    assert backends == [{"name": "http"}]
    service = named(manifests, "Service", "abri-gateway")
    assert {port["name"]: port["port"] for port in service["spec"]["ports"]} == {"http": 8080, "metrics": 9090}
    [container] = named(manifests, "Deployment", "abri-gateway")["spec"]["template"]["spec"]["containers"]
    assert {"name": "metrics", "containerPort": 9090, "protocol": "TCP"} in container["ports"]
    config = named(manifests, "ConfigMap", "abri-gateway")["data"]
    assert config["ABRI_GATEWAY_METRICS_PORT"] == "9090" and config["ABRI_GATEWAY_METRICS_HOST"] == "0.0.0.0"  # noqa: S104 (inside the pod; the network policy decides who reaches it)
    policy = named(manifests, "NetworkPolicy", "abri-gateway")
    from_ingress, from_prometheus = policy["spec"]["ingress"]
    assert ports([from_ingress]) == {"http"} and ports([from_prometheus]) == {"metrics"}  # the controller never reaches metrics
    for svc in SERVICES:
        assert named(manifests, "Service", f"abri-{svc}")["spec"]["ports"][0]["name"] == "http"


def test_the_gateway_believes_forwarded_addresses_only_from_the_proxies_it_is_given() -> None:
    assert "ABRI_GATEWAY_TRUSTED_PROXIES" not in named(render("default"), "ConfigMap", "abri-gateway")["data"]
    config = named(render("production"), "ConfigMap", "abri-gateway")["data"]
    assert json.loads(config["ABRI_GATEWAY_TRUSTED_PROXIES"]) == ["10.244.0.0/16"]


PUBLIC_ONLY_V4 = {"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.168.0.0/16"}
PUBLIC_ONLY_V6 = {"::1/128", "fc00::/7", "fe80::/10"}


@pytest.mark.parametrize("value_set", list(VALUE_SETS))
def test_notifications_reach_https_only_on_public_addresses_for_webhooks(value_set: str) -> None:
    """The SMS provider and partners' webhooks: port 443 only, to any address but the private, loopback,
    link-local (cloud metadata), CGNAT, IPv6 unique-local and link-local ranges (the service refuses them too:
    docs/notifications.md); the mail relay's rule opens no 443."""
    manifests = render(value_set)
    egress = named(manifests, "NetworkPolicy", "abri-notifications")["spec"]["egress"]
    [webhooks] = [rule for rule in egress if any(peer.get("ipBlock", {}).get("cidr") == "::/0" for peer in rule.get("to", []))]
    assert webhooks["ports"] == [{"port": 443, "protocol": "TCP"}]
    blocks = {peer["ipBlock"]["cidr"]: set(peer["ipBlock"]["except"]) for peer in webhooks["to"]}
    assert len(webhooks["to"]) == 2 and set(blocks) == {"0.0.0.0/0", "::/0"}  # nothing but the two ipBlocks
    assert blocks["0.0.0.0/0"] >= PUBLIC_ONLY_V4 and blocks["::/0"] >= PUBLIC_ONLY_V6
    assert all(443 not in ports([rule]) for rule in egress if ports([rule]) & {587, 465})
    for svc in (s for s in SERVICES if s != "notifications"):  # no other service sends anything out
        others = named(manifests, "NetworkPolicy", f"abri-{svc}")["spec"]["egress"]
        assert not [peer for rule in others for peer in rule.get("to", []) if peer.get("ipBlock", {}).get("cidr") == "::/0"]
    if value_set == "production":  # the issuer's keys narrowed as well: no rule opens 443 to every address
        assert all(rule.get("to") for rule in egress if 443 in ports([rule]))
