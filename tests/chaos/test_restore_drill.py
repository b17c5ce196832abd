"""The restore drill under load (``tests/chaos/restore.py``; the steps for CloudNativePG in
``docs/operations.md``): the services' databases backed up, destroyed a few seconds later, restored,
the erasure ledger re-applied, the consumer groups moved back to the backup's moment, the services started
again. Afterwards no event on Kafka is left unapplied by a consumer its contract names (the ones applied
after the backup were applied again; the restored inboxes skipped the rest), nothing is applied twice, and
only journeys that had work in the lost window failed; those started after the restore all completed."""

from __future__ import annotations

import json

import pytest

from tests.chaos.restore import Window, restore_drill
from tests.chaos.run import Config, run
from tests.services.test_service_skeletons import migrated as migrated
from tests.support import REPO, count_rows

pytestmark = [pytest.mark.fault, pytest.mark.timeout(900)]
PER_JOURNEY = {
    "journeys failed",
    "journeys not in their final state",
    "effects duplicated",
    "notifications not once each",
    "notifications not delivered",
    "emails not received once",
    "webhooks not received once",
}
"""What the lost window may cost a journey that had work in it (its unit, placement or file written after the
backup are gone, and so is what followed from them)."""


async def test_the_databases_are_restored_under_load_and_kafka_gives_back_what_the_backup_missed() -> None:
    window = Window()
    run_dir = REPO / ".run" / "chaos-restore"
    run_dir.mkdir(parents=True, exist_ok=True)
    config = Config(journeys=10, concurrency=4, faults=0, seed=5, replicas=2, step_timeout_s=90)  # what the window lost does not come back
    outcome = await run(config, run_dir, migrate=False, disturb=restore_drill(run_dir, window))
    report = json.dumps(outcome.report(), indent=1, default=str)
    assert [fault.kind for fault in outcome.faults] == ["backup", "restore"], report
    journeys = {j.index: j for j in outcome.journeys}
    for kind, lines in outcome.findings.problems.items():
        assert kind in PER_JOURNEY, f"{kind}: {lines}\n{report}"  # never an event lost or applied twice, never a 500
        for line in lines:
            j = journeys[int(line.split(" ", 1)[0].rstrip(":"))]
            assert j.started < window.restored and j.finished > window.backed_up, f"{line}: outside the lost window\n{report}"
    after = [j for j in outcome.journeys if j.started > window.restored]
    assert after and all(j.error is None for j in after), report
    for service in ("matching", "guarantees", "notifications", "assistant"):  # the restore kept what the migrations revoked
        assert await count_rows(service, APPEND_ONLY_BROKEN) == 0, f"{service}: its role may change its access log again"


APPEND_ONLY_BROKEN = (
    "SELECT count(*) FROM (VALUES ('personal_data_access_log'), ('personal_data_access_log_anchors')) AS t(name)"
    " WHERE has_table_privilege(name, 'UPDATE') OR has_table_privilege(name, 'DELETE') OR has_table_privilege(name, 'TRUNCATE')"
)
"""The access log's tables on which the service's own role could update, delete or truncate (none: the
migrations revoke it; a restore without its privileges would give it back)."""
