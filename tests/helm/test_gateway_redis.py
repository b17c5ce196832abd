"""The gateway's Redis (sessions, rate-limit counters shared by its replicas): an existing one by default
(its URL in a Secret, the egress narrowed to it), or one the release deploys, which only the gateway reaches."""

from __future__ import annotations

import subprocess
from typing import Any

import kubernetes_validate  # type: ignore[import-untyped]
import pytest

from tests.helm.chart import SERVICES, VALIDATED_VERSIONS, Manifest, helm, named, of_kind, render, template_args, tool

DEPLOY = "gateway.redis.deploy.enabled=true"
GATEWAY_PODS = {"app.kubernetes.io/name": "abri", "app.kubernetes.io/instance": "abri", "app.kubernetes.io/component": "gateway"}
REDIS_PODS = {**GATEWAY_PODS, "app.kubernetes.io/component": "redis"}


def gateway_container(manifests: tuple[Manifest, ...]) -> dict[str, Any]:
    [container] = named(manifests, "Deployment", "abri-gateway")["spec"]["template"]["spec"]["containers"]
    return dict(container)


def egress_to(manifests: tuple[Manifest, ...], port: int) -> list[dict[str, Any]]:
    policy = named(manifests, "NetworkPolicy", "abri-gateway")
    return [rule for rule in policy["spec"]["egress"] if any(p["port"] == port for p in rule["ports"])]


def test_by_default_the_gateway_requires_a_redis_whose_url_is_in_its_secret_and_no_browser_is_pinned_to_a_replica() -> None:
    manifests = render("default")
    assert named(manifests, "ConfigMap", "abri-gateway")["data"]["ABRI_GATEWAY_REQUIRE_REDIS"] == "true"
    env = {e["name"]: e["value"] for e in gateway_container(manifests)["env"]}  # the URL and the session keys: files of its Secret
    assert env["ABRI_GATEWAY_REDIS_URL_FILE"] == "/etc/abri/secrets/ABRI_GATEWAY_REDIS_URL"
    assert env["ABRI_GATEWAY_SESSION_KEYS_FILE"] == "/etc/abri/secrets/ABRI_GATEWAY_SESSION_KEYS"
    with_variables = render("default", "secretsAsFiles=false")
    assert "env" not in gateway_container(with_variables)  # then all in the gateway's Secret, as variables
    assert not [d for d in of_kind(manifests, "Deployment") if d["metadata"]["name"] == "abri-redis"]
    [rule] = egress_to(manifests, 6379)
    assert "to" not in rule  # not narrowed unless told where Redis is
    for value_set in ("default", "production"):
        [ingress] = of_kind(render(value_set), "Ingress")
        assert not [key for key in ingress["metadata"].get("annotations", {}) if "affinity" in key or "session-cookie" in key], value_set


def test_an_existing_redis_is_read_from_the_named_secret_and_reached_on_its_network_only() -> None:
    manifests = render("production")
    env = {e["name"]: e for e in gateway_container(manifests)["env"]}
    assert env["ABRI_GATEWAY_REDIS_URL_FILE"]["value"] == "/etc/abri/redis/url"
    volumes = {v["name"]: v for v in named(manifests, "Deployment", "abri-gateway")["spec"]["template"]["spec"]["volumes"]}
    url_item = [{"key": "url", "path": "url"}]
    assert volumes["redis"]["secret"] == {"secretName": "abri-gateway-redis", "defaultMode": 0o440, "items": url_item}
    env = {e["name"]: e for e in gateway_container(render("production", "secretsAsFiles=false"))["env"]}
    assert env["ABRI_GATEWAY_REDIS_URL"]["valueFrom"] == {"secretKeyRef": {"name": "abri-gateway-redis", "key": "url"}}
    [rule] = egress_to(manifests, 6380)
    assert rule["to"] == [{"ipBlock": {"cidr": "10.20.2.0/28"}}]
    assert not egress_to(manifests, 6379)


def test_a_deployed_redis_is_reached_by_the_gateway_only_reaches_nothing_and_keeps_its_password_off_the_command_line() -> None:
    manifests = render("default", DEPLOY)
    deployment = named(manifests, "Deployment", "abri-redis")
    pod = deployment["spec"]["template"]["spec"]
    [container] = pod["containers"]
    assert deployment["spec"]["replicas"] == 1 and deployment["spec"]["strategy"] == {"type": "Recreate"}
    assert pod["automountServiceAccountToken"] is False and pod["securityContext"]["runAsNonRoot"] is True
    context = container["securityContext"]
    assert (
        context["readOnlyRootFilesystem"] is True
        and context["allowPrivilegeEscalation"] is False
        and context["capabilities"]["drop"] == ["ALL"]
    )
    assert container["env"] == [{"name": "REDISCLI_AUTH", "valueFrom": {"secretKeyRef": {"name": "abri-redis", "key": "password"}}}]
    script = " ".join(container["args"])
    assert "requirepass" in script and "/tmp/redis.conf" in script and "--requirepass" not in script
    assert "--save ''" in script and "--appendonly no" in script and "--maxmemory-policy volatile-ttl" in script
    assert container["image"] == "docker.io/library/redis:7.4.2-alpine"
    assert container["resources"]["requests"]["memory"] == container["resources"]["limits"]["memory"]

    policy = named(manifests, "NetworkPolicy", "abri-redis")
    assert policy["spec"]["podSelector"]["matchLabels"] == REDIS_PODS
    assert sorted(policy["spec"]["policyTypes"]) == ["Egress", "Ingress"] and policy["spec"]["egress"] == []
    assert policy["spec"]["ingress"] == [
        {"ports": [{"port": "redis", "protocol": "TCP"}], "from": [{"podSelector": {"matchLabels": GATEWAY_PODS}}]}
    ]
    service = named(manifests, "Service", "abri-redis")
    assert service["spec"]["selector"] == REDIS_PODS and service["spec"]["ports"][0]["port"] == 6379

    [rule] = egress_to(manifests, 6379)
    assert rule["to"] == [{"podSelector": {"matchLabels": REDIS_PODS}}]
    env = {e["name"]: e for e in gateway_container(manifests)["env"]}
    assert env["ABRI_GATEWAY_REDIS_PASSWORD"]["valueFrom"] == {"secretKeyRef": {"name": "abri-redis", "key": "password"}}
    assert env["ABRI_GATEWAY_REDIS_URL"]["value"] == "redis://:$(ABRI_GATEWAY_REDIS_PASSWORD)@abri-redis:6379/0"
    for other in SERVICES:  # no service reaches Redis
        egress = named(manifests, "NetworkPolicy", f"abri-{other}")["spec"]["egress"]
        assert not [rule for rule in egress if any(p["port"] == 6379 for p in rule["ports"])], other

    named_secret = render("default", DEPLOY, "gateway.redis.deploy.passwordSecret=my-redis")
    [redis_container] = named(named_secret, "Deployment", "abri-redis")["spec"]["template"]["spec"]["containers"]
    assert redis_container["env"][0]["valueFrom"]["secretKeyRef"]["name"] == "my-redis"


@pytest.mark.parametrize("version", VALIDATED_VERSIONS)
def test_the_deployed_redis_validates_strictly_and_passes_lint_and_kube_score(version: str) -> None:
    for manifest in render("default", DEPLOY):
        if manifest["metadata"]["name"] == "abri-redis":
            kubernetes_validate.validate(manifest, version, strict=True)
    lint = helm("lint", ".", "--strict", "--kube-version", "1.33.0", "--set", DEPLOY, check=False)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    rendered = helm(*template_args("default", DEPLOY)).stdout
    scored = subprocess.run(
        [tool("kube-score"), "score", "-", "--output-format", "ci"],
        input=rendered,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    critical = [line for line in scored.stdout.splitlines() if line.startswith("[CRITICAL]")]
    assert not critical, "\n".join(critical)


def test_the_schema_keeps_redis_secrets_out_of_the_values() -> None:
    refused = {
        "gateway.config.ABRI_GATEWAY_REDIS_URL=redis://x": "ABRI_GATEWAY_REDIS_URL",
        "gateway.config.ABRI_GATEWAY_SESSION_KEYS=k": "ABRI_GATEWAY_SESSION_KEYS",
        "gateway.redis.deploy.image.tag=latest": "tag",
        "gateway.redis.password=x": "password",
    }
    for assignment, name in refused.items():
        result = helm(*template_args("default", assignment), check=False)
        assert result.returncode != 0 and name in result.stderr, (assignment, result.stderr)
