"""Migrations run as hook Jobs before the new pods (pre-install, pre-upgrade), each with its own
ServiceAccount and ConfigMap created first, and only the database URL of the service's secrets (and its
key store's URL, for the services that keep per-person keys there)."""

from __future__ import annotations

import importlib.util
from typing import Any

import pytest

from tests.helm.chart import KEYSTORE_SERVICES, SERVICES, component, named, of_kind, render

HOOK = "helm.sh/hook"
WEIGHT = "helm.sh/hook-weight"


def hooks(value_set: str) -> list[dict[str, Any]]:
    return [m for m in render(value_set) if HOOK in m["metadata"].get("annotations", {})]


@pytest.mark.parametrize("value_set", ["default", "production"])
def test_migration_jobs_are_pre_install_and_pre_upgrade_hooks_ordered_after_their_account_and_config(value_set: str) -> None:
    manifests = render(value_set)
    jobs = of_kind(manifests, "Job")
    assert sorted(component(j) for j in jobs) == sorted(f"{svc}-migrate" for svc in SERVICES)
    for job in jobs:
        annotations = job["metadata"]["annotations"]
        assert annotations[HOOK].split(",") == ["pre-install", "pre-upgrade"]  # before the Deployments change
        assert "before-hook-creation" in annotations["helm.sh/hook-delete-policy"]
        pod = job["spec"]["template"]["spec"]
        account = named(manifests, "ServiceAccount", pod["serviceAccountName"])
        config = named(manifests, "ConfigMap", pod["containers"][0]["envFrom"][0]["configMapRef"]["name"])
        for companion in (account, config):
            assert companion["metadata"]["annotations"][HOOK] == annotations[HOOK]  # exists when the Job starts
            assert int(companion["metadata"]["annotations"][WEIGHT]) < int(annotations[WEIGHT])
        assert int(account["metadata"]["annotations"][WEIGHT]) < int(config["metadata"]["annotations"][WEIGHT])
        assert pod["restartPolicy"] == "Never" and job["spec"]["backoffLimit"] >= 1
    deployments = {d["metadata"]["name"] for d in of_kind(manifests, "Deployment")}
    assert not deployments & {h["metadata"]["name"] for h in hooks(value_set) if h["kind"] == "Deployment"}  # Deployments are not hooks


@pytest.mark.parametrize("svc", SERVICES)
def test_each_job_runs_its_services_migrate_command_with_only_the_database_and_key_store_urls(svc: str) -> None:
    [job] = [j for j in of_kind(render("default"), "Job") if component(j) == f"{svc}-migrate"]
    [container] = job["spec"]["template"]["spec"]["containers"]
    assert container["command"] == ["python", "-m", f"abri_{svc}.migrate"]
    assert importlib.util.find_spec(f"abri_{svc}.migrate") is not None
    names = ["DATABASE_URL", "KEYSTORE_URL"] if svc in KEYSTORE_SERVICES else ["DATABASE_URL"]  # never a KEK, nor the ledger
    keys = [f"ABRI_{svc.upper()}_{n}" for n in names]
    assert container["env"] == [{"name": f"{key}_FILE", "value": f"/etc/abri/secrets/{key}"} for key in keys]
    volumes = {v["name"]: v for v in job["spec"]["template"]["spec"]["volumes"]}
    assert volumes["secrets"]["secret"]["items"] == [{"key": key, "path": key} for key in keys]  # only those keys are mounted
    [job] = [j for j in of_kind(render("default", "secretsAsFiles=false"), "Job") if component(j) == f"{svc}-migrate"]
    assert job["spec"]["template"]["spec"]["containers"][0]["env"] == [
        {"name": key, "valueFrom": {"secretKeyRef": {"name": f"abri-{svc}", "key": key}}} for key in keys
    ]


def test_with_cloudnativepg_the_first_migration_follows_the_database_the_release_creates() -> None:
    for job in of_kind(render("cnpg"), "Job"):
        assert job["metadata"]["annotations"][HOOK].split(",") == ["post-install", "pre-upgrade"]
        names = [e["name"] for e in job["spec"]["template"]["spec"]["containers"][0]["env"]]
        svc = component(job).removesuffix("-migrate").upper()
        keystore = [f"ABRI_{svc}_KEYSTORE_URL_FILE"] if svc.lower() in KEYSTORE_SERVICES else []
        assert names == [f"ABRI_{svc}_DATABASE_URL_FILE", *keystore]
    for job in of_kind(render("cnpg", "secretsAsFiles=false"), "Job"):
        names = [e["name"] for e in job["spec"]["template"]["spec"]["containers"][0]["env"]]
        svc = component(job).removesuffix("-migrate").upper()
        keystore = [f"ABRI_{svc}_KEYSTORE_URL"] if svc.lower() in KEYSTORE_SERVICES else []
        assert names == [f"ABRI_{svc}_DB_USER", f"ABRI_{svc}_DB_PASSWORD", f"ABRI_{svc}_DATABASE_URL", *keystore]  # $(VAR) needs this order
