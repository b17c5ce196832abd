"""Encryption in transit and secrets as files (docs/security.md): with tls on, a cert-manager Certificate per
component, mounted, HTTPS served and probed, the gateway checking the services against the CA, the Ingress
controller and Prometheus too; PostgreSQL checked in full against its CA; every secret a file, never a
variable; the KEKs through a transit engine as an option. kube-score and the schemas still pass (test_chart)."""

from __future__ import annotations

import subprocess
from typing import Any

import kubernetes_validate  # type: ignore[import-untyped]

from tests.helm.chart import COMPONENTS, SERVICES, component, helm, named, of_kind, render, template_args, tool
from tests.helm.test_chart import CUSTOM_RESOURCES, KUBE_SCORE_OPTIONAL

TLS = ("tls.enabled=true", "tls.issuerRef.name=abri-ca", "tls.issuerRef.kind=ClusterIssuer")
TRANSIT = (
    "secrets.transit.enabled=true",
    "secrets.transit.address=https://vault.vault.svc:8200",
    "secrets.transit.tokenSecret=abri-transit",
    "secrets.transit.caSecret=vault-ca",
)
KEK_SERVICES = ("matching", "guarantees", "notifications", "assistant")
"""The chart's abri.kekServices: those that hold personal data under KEKs (insights and listings hold none)."""


def pod(manifests: tuple[dict[str, Any], ...], name: str) -> dict[str, Any]:
    spec: dict[str, Any] = named(manifests, "Deployment", name)["spec"]["template"]["spec"]
    return spec


def env_of(container: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container.get("env", [])}


def secret_volumes(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {v["name"]: v["secret"] for v in spec["volumes"] if "secret" in v}


def test_with_tls_each_component_gets_a_certificate_of_the_issuer_for_its_service_names() -> None:
    certificates = {c["metadata"]["name"]: c["spec"] for c in of_kind(render("production", *TLS), "Certificate")}
    assert set(certificates) == {f"abri-{c}" for c in COMPONENTS}
    for name, spec in certificates.items():
        assert spec["secretName"] == f"{name}-tls"
        assert spec["dnsNames"] == [name, f"{name}.abri", f"{name}.abri.svc"]
        assert spec["issuerRef"] == {"name": "abri-ca", "kind": "ClusterIssuer", "group": "cert-manager.io"}
        assert spec["privateKey"] == {"algorithm": "ECDSA", "size": 256, "rotationPolicy": "Always"}
        assert spec["usages"] == ["server auth", "digital signature"]
    assert of_kind(render("production"), "Certificate") == []  # off by default


def test_with_tls_components_serve_https_from_their_mounted_certificate_and_are_probed_over_https() -> None:
    manifests = render("production", *TLS)
    for name in (f"abri-{c}" for c in COMPONENTS):
        spec = pod(manifests, name)
        [container] = spec["containers"]
        for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
            assert container[probe]["httpGet"]["scheme"] == "HTTPS", (name, probe)
        assert secret_volumes(spec)["tls"] == {
            "secretName": f"{name}-tls",
            "defaultMode": 0o440,
            "items": [{"key": "tls.crt", "path": "tls.crt"}, {"key": "tls.key", "path": "tls.key"}],
        }
        assert {"name": "tls", "mountPath": "/etc/abri/tls", "readOnly": True} in container["volumeMounts"]
        data = named(manifests, "ConfigMap", name)["data"]
        prefix = f"ABRI_{component(named(manifests, 'Deployment', name)).upper()}_"
        assert data[prefix + "TLS_CERT_FILE"] == "/etc/abri/tls/tls.crt" and data[prefix + "TLS_KEY_FILE"] == "/etc/abri/tls/tls.key"
    for name in (f"abri-{c}" for c in COMPONENTS):
        [container] = pod(render("production"), name)["containers"]
        assert container["readinessProbe"]["httpGet"]["scheme"] == "HTTP", name  # without tls, as before


def test_with_tls_the_gateway_calls_the_services_over_https_checking_them_against_the_ca() -> None:
    manifests = render("production", *TLS)
    data = named(manifests, "ConfigMap", "abri-gateway")["data"]
    assert {data[f"ABRI_GATEWAY_{svc.upper()}_URL"] for svc in SERVICES} == {f"https://abri-{svc}:8080" for svc in SERVICES}
    assert data["ABRI_GATEWAY_UPSTREAM_CA_FILE"] == "/etc/abri/tls-ca/ca.crt"
    assert secret_volumes(pod(manifests, "abri-gateway"))["tls-ca"] == {
        "secretName": "abri-gateway-tls",
        "defaultMode": 0o444,
        "items": [{"key": "ca.crt", "path": "ca.crt"}],
    }
    own_ca = render("production", *TLS, "tls.caSecret=abri-trust-bundle")
    assert secret_volumes(pod(own_ca, "abri-gateway"))["tls-ca"]["secretName"] == "abri-trust-bundle"
    [ingress] = of_kind(manifests, "Ingress")
    annotations = ingress["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/backend-protocol"] == "HTTPS"
    assert annotations["nginx.ingress.kubernetes.io/proxy-ssl-verify"] == "on"
    assert annotations["nginx.ingress.kubernetes.io/proxy-ssl-secret"] == "abri/abri-gateway-tls"
    assert annotations["nginx.ingress.kubernetes.io/proxy-ssl-name"] == "abri-gateway"
    [monitor] = of_kind(manifests, "ServiceMonitor")
    https = [e for e in monitor["spec"]["endpoints"] if e["scheme"] == "https"]
    assert {e["tlsConfig"]["serverName"] for e in https} == {f"abri-{svc}" for svc in SERVICES}
    assert all(e["tlsConfig"]["ca"]["secret"] == {"name": "abri-gateway-tls", "key": "ca.crt"} for e in https)


def test_with_tls_the_network_policies_are_those_without() -> None:
    with_tls = {p["metadata"]["name"]: p["spec"] for p in of_kind(render("production", *TLS), "NetworkPolicy")}
    without = {p["metadata"]["name"]: p["spec"] for p in of_kind(render("production"), "NetworkPolicy")}
    assert with_tls == without


def test_by_default_no_secret_reaches_a_variable_every_one_is_a_read_only_file() -> None:
    for value_set in ("default", "production", "cnpg"):
        for manifest in render(value_set):
            if manifest["kind"] not in ("Deployment", "Job") or component(manifest) == "redis":
                continue
            spec = manifest["spec"]["template"]["spec"]
            [container] = spec["containers"]
            assert not [s for s in container["envFrom"] if "secretRef" in s], manifest["metadata"]["name"]
            refs = [e["name"] for e in container.get("env", []) if "valueFrom" in e]
            assert refs == [], (value_set, manifest["metadata"]["name"], refs)
            mounts = {m["name"]: m for m in container["volumeMounts"]}
            for name, volume in secret_volumes(spec).items():
                assert mounts[name]["readOnly"] is True, name
                assert volume.get("defaultMode", 0o644) & 0o022 == 0 and "items" in volume, name  # only named keys
    [guarantees] = pod(render("default"), "abri-guarantees")["containers"]
    env = env_of(guarantees)
    for key in ("DATABASE_URL", "KEKS", "VISA_SIGNING_KEY", "ACCESS_LOG_KEY", "KEYSTORE_URL", "LEDGER_URL"):
        assert env[f"ABRI_GUARANTEES_{key}_FILE"] == f"/etc/abri/secrets/ABRI_GUARANTEES_{key}"
    smtp = render("default", "services.notifications.secretFiles={ABRI_NOTIFICATIONS_SMTP_PASSWORD}")
    extra = env_of(pod(smtp, "abri-notifications")["containers"][0])
    assert extra["ABRI_NOTIFICATIONS_SMTP_PASSWORD_FILE"] == "/etc/abri/secrets/ABRI_NOTIFICATIONS_SMTP_PASSWORD"


def test_the_transit_option_gives_the_kek_services_its_address_key_ca_and_token_as_a_file() -> None:
    manifests = render("production", *TRANSIT)
    for svc in SERVICES:
        spec = pod(manifests, f"abri-{svc}")
        env = env_of(spec["containers"][0])
        prefix = f"ABRI_{svc.upper()}_KEK_TRANSIT_"
        if svc not in KEK_SERVICES:
            assert not [k for k in env if k.startswith(prefix)], svc
            continue
        assert env[prefix + "URL"] == "https://vault.vault.svc:8200"
        assert env[prefix + "MOUNT"] == "transit" and env[prefix + "KEY"] == f"abri-{svc}"
        assert env[prefix + "TOKEN_FILE"] == "/etc/abri/transit/token" and prefix + "TOKEN" not in env
        assert env[prefix + "CA_FILE"] == "/etc/abri/transit-ca/ca.crt"
        assert f"ABRI_{svc.upper()}_KEKS_FILE" not in env  # the KEKs stay in the transit engine
        volumes = secret_volumes(spec)
        assert volumes["transit"] == {"secretName": "abri-transit", "defaultMode": 0o440, "items": [{"key": "token", "path": "token"}]}
        assert volumes["transit-ca"]["secretName"] == "vault-ca"
        egress = named(manifests, "NetworkPolicy", f"abri-{svc}")["spec"]["egress"]
        assert [r for r in egress if r["ports"] == [{"port": 8200, "protocol": "TCP"}]], svc
    for job in of_kind(manifests, "Job"):  # migrations need no KEK, hence no token
        assert not [e for e in job["spec"]["template"]["spec"]["containers"][0]["env"] if "TRANSIT" in e["name"]]
    refused = helm(*template_args("default", "secrets.transit.enabled=true"), check=False)
    assert refused.returncode != 0 and "address" in refused.stderr + refused.stdout
    guarantees = env_of(pod(manifests, "abri-guarantees")["containers"][0])
    assert guarantees["ABRI_GUARANTEES_VISA_SIGNING_KEY_FILE"] and "ABRI_GUARANTEES_VISA_SIGNING_TRANSIT_KEY" not in guarantees


def test_the_transit_option_may_hold_the_visa_signing_key_too() -> None:
    manifests = render("production", *TRANSIT, "secrets.transit.visaSigningKey=abri-guarantees-visa")
    guarantees = pod(manifests, "abri-guarantees")
    env = env_of(guarantees["containers"][0])
    assert env["ABRI_GUARANTEES_VISA_SIGNING_TRANSIT_KEY"] == "abri-guarantees-visa"
    assert "ABRI_GUARANTEES_VISA_SIGNING_KEY_FILE" not in env  # the service refuses both at once
    [secrets] = [v for v in guarantees["volumes"] if v["name"] == "secrets"]
    assert "ABRI_GUARANTEES_VISA_SIGNING_KEY" not in {item["key"] for item in secrets["secret"]["items"]}
    others = [env_of(pod(manifests, f"abri-{svc}")["containers"][0]) for svc in SERVICES if svc != "guarantees"]
    assert not [e for e in others if "ABRI_GUARANTEES_VISA_SIGNING_TRANSIT_KEY" in e]
    refused = helm(*template_args("production", *TRANSIT, "secrets.transit.visaSigningKey=../escape"), check=False)
    assert refused.returncode != 0  # the schema takes a transit key's name only


def test_with_everything_on_the_chart_validates_and_kube_score_finds_nothing_critical() -> None:
    sets = (*TLS, *TRANSIT)
    for value_set in ("production", "cnpg"):
        for manifest in render(value_set, *sets):
            if (manifest["apiVersion"], manifest["kind"]) in CUSTOM_RESOURCES | {("cert-manager.io/v1", "Certificate")}:
                continue
            kubernetes_validate.validate(manifest, "1.33.0", strict=True)
        command = [tool("kube-score"), "score", "-", "--output-format", "ci"]
        for check in KUBE_SCORE_OPTIONAL:
            command += ["--enable-optional-test", check]
        rendered = helm(*template_args(value_set, *sets)).stdout
        result = subprocess.run(command, input=rendered, capture_output=True, text=True, timeout=120, check=False)
        critical = [line for line in result.stdout.splitlines() if line.startswith("[CRITICAL]")]
        assert result.returncode == 0 and not critical, "\n".join(critical) or result.stderr
