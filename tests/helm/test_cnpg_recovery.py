"""CloudNativePG recovery (``postgresql.cnpg.recovery``): the restore drill's Clusters are bootstrapped from the
object store, at a point in time, and archive their WAL anew; off, the Clusters are those of an install."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.helm.chart import CHART, SERVICES, Manifest, helm, of_kind, render, template_args

RECOVERY = "postgresql.cnpg.recovery"
T = "2026-12-06T01:30:00Z"
CREDENTIALS = {
    "accessKeyId": {"name": "abri-backup-s3", "key": "ACCESS_KEY_ID"},
    "secretAccessKey": {"name": "abri-backup-s3", "key": "ACCESS_SECRET_KEY"},
}


def clusters(*sets: str) -> dict[str, Any]:
    """Each service's Cluster spec, by service, with the CloudNativePG values of CI and ``sets``."""
    manifests: tuple[Manifest, ...] = render("cnpg", *sets)
    found = {c["metadata"]["name"]: c["spec"] for c in of_kind(manifests, "Cluster")}
    assert set(found) == {f"abri-{svc}-db" for svc in SERVICES}
    return {svc: found[f"abri-{svc}-db"] for svc in SERVICES}


def archive(spec: dict[str, Any]) -> str | None:
    """The serverName the Cluster archives its WAL and base backups under (None: its own name)."""
    name = spec["backup"]["barmanObjectStore"].get("serverName")
    return None if name is None else str(name)


def origin(spec: dict[str, Any]) -> dict[str, Any]:
    [external] = spec["externalClusters"]
    assert external["name"] == spec["bootstrap"]["recovery"]["source"] == "origin"
    return dict(external["barmanObjectStore"])


def refusal(*sets: str, value_set: str = "cnpg") -> str:
    """The error of a render that must fail."""
    result = helm(*template_args(value_set, *sets), check=False)
    assert result.returncode != 0, f"rendered with {sets}"
    return result.stderr


def test_off_by_default_the_clusters_start_empty_and_archive_under_their_own_name() -> None:
    """What an install renders, and what an upgrade of a release never restored keeps rendering: moving the
    archive of a running Cluster would split its WAL from its base backups."""
    values = yaml.safe_load((CHART / "values.yaml").read_text())["postgresql"]["cnpg"]["recovery"]
    assert values == {"enabled": False, "targetTime": "", "services": [], "generation": 0, "generations": {}}
    for svc, spec in clusters().items():
        assert spec["bootstrap"] == {"initdb": {"database": svc, "owner": svc}}
        assert "externalClusters" not in spec and archive(spec) is None


def test_a_restore_bootstraps_every_cluster_from_its_archive_at_the_moment_chosen() -> None:
    for svc, spec in clusters(f"{RECOVERY}.enabled=true", f"{RECOVERY}.generation=1", f"{RECOVERY}.targetTime={T}").items():
        recovery = {"source": "origin", "database": svc, "owner": svc, "recoveryTarget": {"targetTime": T}}
        assert spec["bootstrap"] == {"recovery": recovery}  # database and owner: the "-app" Secret is the service's
        assert origin(spec) == {
            "destinationPath": f"s3://abri-backups/postgres/{svc}",  # where the backups of the original went
            "serverName": f"abri-{svc}-db",  # the original Cluster's own archive
            "endpointURL": "https://s3.example.org",
            "s3Credentials": CREDENTIALS,
            "wal": {"maxParallel": 8},
        }
        assert archive(spec) == f"abri-{svc}-db-r1"  # a new, empty archive: never the original's
        assert spec["backup"]["barmanObjectStore"]["destinationPath"] == f"s3://abri-backups/postgres/{svc}"


def test_a_restore_without_a_target_time_replays_the_whole_archive() -> None:
    for spec in clusters(f"{RECOVERY}.enabled=true", f"{RECOVERY}.generation=1").values():
        assert "recoveryTarget" not in spec["bootstrap"]["recovery"]


def test_a_second_restore_reads_the_archive_the_first_one_wrote() -> None:
    for svc, spec in clusters(f"{RECOVERY}.enabled=true", f"{RECOVERY}.generation=2").items():
        assert origin(spec)["serverName"] == f"abri-{svc}-db-r1"
        assert archive(spec) == f"abri-{svc}-db-r2"


def test_once_restored_the_clusters_keep_archiving_under_their_generation() -> None:
    """Recovery off again, generation kept: the Clusters render initdb (CloudNativePG reads the bootstrap only
    when it creates a Cluster) and their archive stays the new one."""
    for svc, spec in clusters(f"{RECOVERY}.generation=1").items():
        assert spec["bootstrap"] == {"initdb": {"database": svc, "owner": svc}}
        assert "externalClusters" not in spec and archive(spec) == f"abri-{svc}-db-r1"


def test_a_restore_of_some_services_leaves_the_others_clusters_as_they_are() -> None:
    sets = (f"{RECOVERY}.enabled=true", f"{RECOVERY}.services={{matching}}", f"{RECOVERY}.generations.matching=1")
    specs = clusters(*sets)
    assert "recovery" in specs["matching"]["bootstrap"] and archive(specs["matching"]) == "abri-matching-db-r1"
    assert origin(specs["matching"])["serverName"] == "abri-matching-db"
    for svc in (s for s in SERVICES if s != "matching"):
        assert specs[svc]["bootstrap"] == {"initdb": {"database": svc, "owner": svc}}
        assert "externalClusters" not in specs[svc] and archive(specs[svc]) is None
    # a later restore of all of them: matching reads its own generation's archive, the others their original one
    later = clusters(f"{RECOVERY}.enabled=true", f"{RECOVERY}.generation=1", f"{RECOVERY}.generations.matching=2")
    assert origin(later["matching"])["serverName"] == "abri-matching-db-r1" and archive(later["matching"]) == "abri-matching-db-r2"
    assert origin(later["listings"])["serverName"] == "abri-listings-db" and archive(later["listings"]) == "abri-listings-db-r1"


def test_a_restore_without_the_object_store_does_not_render() -> None:
    """Backups off and no destination: there is nothing to restore from, and an initdb would hand the services
    empty databases."""
    cnpg_only = ("postgresql.cnpg.enabled=true", f"{RECOVERY}.enabled=true", f"{RECOVERY}.generation=1")
    assert "set postgresql.cnpg.backup.destinationPath" in refusal(*cnpg_only, value_set="default")
    no_path = ("postgresql.cnpg.backup.enabled=false", "postgresql.cnpg.backup.destinationPath=")
    assert "set postgresql.cnpg.backup.destinationPath" in refusal(*no_path, f"{RECOVERY}.enabled=true", f"{RECOVERY}.generation=1")
    no_credentials = ("postgresql.cnpg.backup.enabled=false", "postgresql.cnpg.backup.s3Credentials.secretName=")
    assert "s3Credentials.secretName" in refusal(*no_credentials, f"{RECOVERY}.enabled=true", f"{RECOVERY}.generation=1")


def test_a_restore_without_its_generation_does_not_render() -> None:
    """Generation 0 would archive into the compromised Cluster's archive, which CloudNativePG refuses (the
    Cluster would hang in 'Setting up primary')."""
    assert "set postgresql.cnpg.recovery.generation" in refusal(f"{RECOVERY}.enabled=true")
    assert "generations.matching" in refusal(f"{RECOVERY}.enabled=true", f"{RECOVERY}.services={{matching}}")


@pytest.mark.parametrize(
    "assignment",
    [
        f"{RECOVERY}.targetTime=2026-12-06 01:30:00",  # no zone: read in the server's, not UTC
        f"{RECOVERY}.targetTime=yesterday",
        f"{RECOVERY}.services={{gateway}}",
        f"{RECOVERY}.generation=-1",
        f"{RECOVERY}.generations.gateway=1",
    ],
)
def test_the_values_schema_refuses_a_recovery_it_cannot_render_right(assignment: str) -> None:
    assert "schema" in refusal(f"{RECOVERY}.enabled=true", f"{RECOVERY}.generation=1", assignment)


def test_the_values_schema_takes_the_time_forms_cloudnativepg_documents() -> None:
    for moment in ("2026-12-06T01:30:00Z", "2026-12-06T02:30:00+01:00", "2026-12-06 01:30:00.000000+00"):
        [spec, *_] = clusters(f"{RECOVERY}.enabled=true", f"{RECOVERY}.generation=1", f"{RECOVERY}.targetTime={moment}").values()
        assert spec["bootstrap"]["recovery"]["recoveryTarget"] == {"targetTime": moment}
