"""Rendering the chart as CI does: ``helm template`` with a set of values, parsed into manifests.

The helm binary is the project's own (``make helm-tools`` builds it into ``.run/bin``), or ``ABRI_HELM``.
"""

from __future__ import annotations

import functools
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from abri_contracts.services import SERVICES as ALL_SERVICES
from tests.support import REPO

CHART = REPO / "helm" / "abri"
TOOLS = REPO / ".run" / "bin"
KUBE_VERSION = "1.33.0"
"""The version ``helm template`` renders for; the manifests are also validated against the oldest supported."""
VALIDATED_VERSIONS = ("1.30.0", "1.33.0")
RELEASE = "abri"
NAMESPACE = "abri"
VALUE_SETS: dict[str, tuple[str, ...]] = {
    "default": (),
    "production": ("ci/production-values.yaml",),
    "cnpg": ("ci/cnpg-values.yaml",),
    "workers": ("ci/workers-values.yaml",),
}
SERVICES: tuple[str, ...] = ALL_SERVICES
"""Every service (abri_contracts.services): the chart's services map holds each (test_workloads checks it)."""
COMPONENTS = ("gateway", *SERVICES)
KEYSTORE_SERVICES: tuple[str, ...] = tuple(yaml.safe_load((CHART / "values.yaml").read_text())["keystore"]["services"])
"""The services with per-person keys in a key store and the erasure ledger (``keystore.services``, as pgctl's
KEYSTORE_SERVICES: test_workloads checks it); the others (listings, insights) have their database alone."""

Manifest = dict[str, Any]


def tool(name: str) -> str:
    """A tool's path: ``ABRI_<NAME>``, else ``.run/bin/<name>``; a clear failure when neither exists."""
    path = Path(os.environ.get(f"ABRI_{name.upper().replace('-', '_')}", TOOLS / name))
    if not path.is_file():
        raise AssertionError(f"{path} is missing: run `make helm-tools` (builds helm and kube-score with go install)")
    return str(path)


def helm(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run([tool("helm"), *args], cwd=CHART, capture_output=True, text=True, check=check, timeout=120)


def template_args(value_set: str, *sets: str) -> list[str]:
    args = ["template", RELEASE, ".", "--namespace", NAMESPACE, "--kube-version", KUBE_VERSION]
    for path in VALUE_SETS[value_set]:
        args += ["--values", path]
    for assignment in sets:
        args += ["--set", assignment]
    return args


@functools.cache
def render(value_set: str, *sets: str) -> tuple[Manifest, ...]:
    """The manifests of the chart with a set of values (and ``--set`` assignments), cached per session."""
    result = helm(*template_args(value_set, *sets))
    return tuple(doc for doc in yaml.safe_load_all(result.stdout) if doc)


def of_kind(manifests: tuple[Manifest, ...], kind: str) -> list[Manifest]:
    return [m for m in manifests if m["kind"] == kind]


def named(manifests: tuple[Manifest, ...], kind: str, name: str) -> Manifest:
    [found] = [m for m in manifests if m["kind"] == kind and m["metadata"]["name"] == name]
    return found


def pod_specs(manifests: tuple[Manifest, ...]) -> Iterator[tuple[str, Manifest]]:
    """Every pod template of the release (Deployments and Jobs), with the owner's name."""
    for manifest in manifests:
        if manifest["kind"] in ("Deployment", "Job"):
            yield f"{manifest['kind']}/{manifest['metadata']['name']}", manifest["spec"]["template"]["spec"]


def component(manifest: Manifest) -> str:
    return str(manifest["metadata"]["labels"].get("app.kubernetes.io/component", ""))
