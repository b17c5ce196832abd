"""The test shards of ``make test``: each test file in exactly one shard, the load dealt evenly, and each
shard's servers on ports and in directories of its own."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.sharding import deal, parse_shard, recorded_durations
from tests.support import REPO

sys.path.insert(0, str(REPO / "infra" / "dev"))
import shards

pytestmark = pytest.mark.unit


def test_every_file_is_dealt_to_exactly_one_shard_and_the_longest_are_spread() -> None:
    files = {f"tests/t{i}.py": 1 for i in range(20)}
    recorded = {"tests/t0.py": 300.0, "tests/t1.py": 290.0, "tests/t2.py": 10.0}
    hands = deal(files, recorded, 2)
    assert set().union(*hands) == set(files) and not hands[0] & hands[1]
    assert ("tests/t0.py" in hands[0]) != ("tests/t1.py" in hands[0])  # the two long files never share a shard
    loads = [sum(recorded.get(path, 0.5) for path in hand) for hand in hands]
    assert max(loads) - min(loads) <= 10.0


def test_the_files_dealt_together_share_a_shard() -> None:
    files = {f"tests/t{i}.py": 1 for i in range(10)}
    recorded = {"tests/t0.py": 300.0, "tests/t1.py": 290.0, "tests/t2.py": 100.0, "tests/t3.py": 100.0}
    hands = deal(files, recorded, 2, together={"tests/t0.py", "tests/t1.py", "tests/gone.py"})
    assert {"tests/t0.py", "tests/t1.py"} <= hands[0] and hands[1] >= {"tests/t2.py", "tests/t3.py"}
    assert set().union(*hands) == set(files)


def test_a_file_not_recorded_counts_by_its_number_of_tests() -> None:
    hands = deal({"tests/new.py": 100, "tests/a.py": 1, "tests/b.py": 1}, {"tests/a.py": 20.0, "tests/b.py": 20.0}, 2)
    assert hands[0] == {"tests/new.py"} or hands[1] == {"tests/new.py"}  # 100 tests count as 50 s, more than both others


def test_the_same_tests_deal_the_same_hands() -> None:
    files = {f"tests/t{i}.py": i + 1 for i in range(30)}
    assert deal(files, {}, 3) == deal(dict(reversed(list(files.items()))), {}, 3)


@pytest.mark.parametrize("value", ["", "2", "0/2", "3/2", "a/b", "1/0"])
def test_a_wrong_shard_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match="ABRI_TEST_SHARD"):
        parse_shard(value)


def test_every_recorded_file_exists() -> None:
    assert recorded_durations(), "tests/durations.json deals the shards"
    assert [path for path in recorded_durations() if not (REPO / path).is_file()] == []


def test_shard_one_keeps_the_servers_and_the_others_get_their_own() -> None:
    base = {"ABRI_KAFKA_DIR": "/x/kafka", "PATH": "/bin"}
    first, second = shards.shard_environment(base, 1, 2), shards.shard_environment(base, 2, 2)
    assert first["ABRI_TEST_SHARD"] == "1/2" and second["ABRI_TEST_SHARD"] == "2/2"
    assert "ABRI_PG_PORT" not in first and first["ABRI_KAFKA_DIR"] == "/x/kafka"
    assert second["ABRI_KAFKA_DIR"] == "/x/kafka-shard-2" and second["ABRI_PG_DIR"] == str(REPO / ".run" / "shard-2" / "postgres")
    assert second["ABRI_PG_CREDENTIALS"] == str(REPO / ".run" / "shard-2" / "postgres" / "credentials.env")
    ports = {variable: int(second[variable]) for variable in shards.PORTS}
    assert ports == {variable: default + 100 for variable, default in shards.PORTS.items()}
    assert first["COVERAGE_FILE"] != second["COVERAGE_FILE"]


def test_servers_shared_by_every_shard_are_named() -> None:
    assert shards.shared_servers({"ABRI_LISTINGS_DATABASE_URL": "x", "ABRI_REDIS_URL": "y", "PATH": "/bin"}) == [
        "ABRI_LISTINGS_DATABASE_URL",
        "ABRI_REDIS_URL",
    ]


def test_the_durations_are_summed_by_file_from_junit_reports(tmp_path: Path) -> None:
    report = tmp_path / "shard-1.xml"
    report.write_text(
        '<testsuites><testsuite name="pytest">'
        '<testcase classname="tests.infra.test_shards" name="a" time="1.25"/>'
        '<testcase classname="tests.infra.test_shards" name="b" time="2.5"/>'
        '<testcase classname="tests.web.test_pages_ops" name="c" time="4"/>'
        '<testcase classname="tests.nowhere.test_gone" name="d" time="9"/>'
        "</testsuite></testsuites>",
        encoding="utf-8",
    )
    assert shards.durations_by_file([report]) == {"tests/infra/test_shards.py": 3.8, "tests/web/test_pages_ops.py": 4.0}
