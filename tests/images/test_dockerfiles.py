"""The images, checked without a Docker engine: what each Dockerfile says (pinned slim base, two stages,
a non-root user, a health check, the packages the component needs and no others), and that the packages
carry every file they need once installed for real (not editable). test_entrypoints.py runs their commands."""

from __future__ import annotations

import fnmatch
import json
import re
import tomllib
from pathlib import Path

import pytest

from abri_contracts.services import SERVICES
from tests.support import REPO

COMPONENTS = {"gateway": REPO / "gateway", **{svc: REPO / "services" / svc for svc in SERVICES}}
LIBS = {f"abri-{p.name}": p for p in (REPO / "libs").iterdir() if (p / "pyproject.toml").exists()}
BASE = re.compile(r"^ARG PYTHON_IMAGE=python:3\.11\.\d+-slim-bookworm(@sha256:[0-9a-f]{64})?$", re.MULTILINE)


def dockerfile(name: str) -> str:
    return (COMPONENTS[name] / "Dockerfile").read_text()


def stages(text: str) -> list[str]:
    return re.split(r"^FROM ", text, flags=re.MULTILINE)[1:]


def local_dependencies(project: Path) -> set[str]:
    """The repository's packages ``project`` needs, transitively (abri-* names)."""
    found: set[str] = set()
    todo = [project]
    while todo:
        meta = tomllib.loads((todo.pop() / "pyproject.toml").read_text())["project"]
        for requirement in meta.get("dependencies", []):
            name = re.split(r"[<>=\[ ;]", requirement)[0]
            if name in LIBS and name not in found:
                found.add(name)
                todo.append(LIBS[name])
    return found


def command(name: str) -> list[str]:
    [line] = [line for line in dockerfile(name).splitlines() if line.startswith("CMD ")]
    parsed: list[str] = json.loads(line.removeprefix("CMD "))
    return parsed


@pytest.mark.unit
@pytest.mark.parametrize("name", COMPONENTS)
def test_each_dockerfile_builds_in_two_stages_from_a_pinned_slim_base_and_runs_as_a_user(name: str) -> None:
    text = dockerfile(name)
    assert BASE.search(text), "python:3.11.<patch>-slim-bookworm, optionally with its digest"
    found = stages(text)
    if name == "gateway":  # a first stage fetches the web front's packages from npm
        assets, *found = found
        assert re.search(r"^ARG NODE_IMAGE=node:\d+\.\d+\.\d+-bookworm-slim", text, re.MULTILINE), "node pinned to a release"
        assert assets.startswith("${NODE_IMAGE} AS web-assets")
        assert "COPY gateway/web-assets/package.json gateway/web-assets/.npmrc" in assets
        assert "--ignore-scripts" in assets and "--no-package-lock" in assets  # no install script runs, no lock with addresses
        assert "COPY --from=web-assets /out /opt/abri-web-assets" in found[1]
        assert "ABRI_GATEWAY_WEB_ASSETS_DIR=/opt/abri-web-assets" in found[1]
    build, run = found
    assert build.startswith("${PYTHON_IMAGE} AS build") and run.startswith("${PYTHON_IMAGE}\n")
    assert "--constraint requirements/dev.txt" in build  # the pinned versions
    assert "COPY --from=build /opt/abri /opt/abri" in run
    assert re.search(r"^USER 10001:10001$", run, re.MULTILINE)
    assert re.search(r"^HEALTHCHECK .*\n\s+CMD .*/healthz", run, re.MULTILINE)
    assert not re.search(r"gcc|build-essential|-dev\b|pip install", run)  # nothing is built where it runs
    assert "EXPOSE 8080" in run


@pytest.mark.unit
@pytest.mark.parametrize("name", COMPONENTS)
def test_each_image_installs_its_component_and_the_libraries_it_needs(name: str) -> None:
    [build] = [stage for stage in stages(dockerfile(name)) if stage.startswith("${PYTHON_IMAGE} AS build")]
    copied = {line.split()[1] for line in build.splitlines() if line.startswith("COPY ")} - {"requirements/dev.txt"}
    needed = {str(LIBS[lib].relative_to(REPO)) for lib in local_dependencies(COMPONENTS[name])}
    needed.add(str(COMPONENTS[name].relative_to(REPO)))
    if name != "gateway":
        needed |= {"libs/ops"} | {
            str(LIBS[lib].relative_to(REPO)) for lib in local_dependencies(REPO / "libs" / "ops")
        }  # abri-ops in each service's pod
    assert copied == needed
    installed = re.search(r"pip install --constraint requirements/dev.txt \\\n\s+(.+)\n", dockerfile(name))
    assert installed and set(installed.group(1).split()) == {f"./{path}" for path in needed}
    dockerignore = (REPO / ".dockerignore").read_text().splitlines()
    assert all(f"!{path}" in dockerignore for path in needed)


@pytest.mark.unit
def test_the_service_dockerfiles_differ_only_by_the_services_name() -> None:
    def generic(name: str) -> str:
        text = dockerfile(name).replace(name, "SERVICE")
        return re.sub(r"# (Visa|Inventory) PDFs need.*?rm -rf /var/lib/apt/lists/\*\n", "", text, flags=re.DOTALL)  # the PDFs' font

    assert len({generic(svc) for svc in COMPONENTS if svc != "gateway"}) == 1


@pytest.mark.unit
@pytest.mark.parametrize("project", [*COMPONENTS.values(), *LIBS.values()], ids=lambda p: p.name)
def test_every_data_file_of_a_package_is_declared_so_that_a_real_install_carries_it(project: Path) -> None:
    """The images install the packages for real (not editable): a file outside the package data is missing there."""
    setuptools = tomllib.loads((project / "pyproject.toml").read_text()).get("tool", {}).get("setuptools", {})
    for package, patterns in setuptools.get("package-data", {}).items():
        root = project / package
        for path in root.rglob("*"):
            if path.is_dir() or path.suffix in (".py", ".pyc") or "__pycache__" in path.parts:
                continue
            relative = str(path.relative_to(root))
            assert any(fnmatch.fnmatch(relative, pattern) for pattern in patterns), f"{project.name}: {relative} is not package data"
