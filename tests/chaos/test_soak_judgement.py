"""The soak's judgement (``soak.judge``): what counts as growing, after the warm-up, for each kind of series.
The soak itself (``make soak``) runs 20 minutes and is not in the test suite; its judgement is."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from tests.chaos.soak import Samples, judge

pytestmark = pytest.mark.unit


def series(**values: Sequence[float]) -> Samples:
    samples = Samples()
    for name, points in values.items():
        for point in points:
            samples.add(name.replace("_", " "), point)
    return samples


def test_a_flat_run_grows_nothing_and_the_warm_up_is_left_out() -> None:
    samples = series(
        gateway_1_memory_MiB=[60, 90, 120, 130, 131, 130, 132, 131, 130, 131],  # caches fill during the warm-up
        listings_1_descriptors=[10, 25, 27, 26, 27, 28, 27, 26, 27, 28],
        notifications_deliveries_due=[0, 300, 20, 35, 10, 0, 36, 12, 0, 20],
    )
    table, grew = judge(samples, warm_up=2)
    assert grew == []
    assert table["gateway 1 memory MiB"]["first"] == 60 and table["gateway 1 memory MiB"]["max"] == 132


def test_memory_that_keeps_climbing_is_reported_but_a_margin_is_allowed() -> None:
    climbing = [100 + 10 * n for n in range(12)]  # about 1 MiB a minute, as the token cache did
    within = [100, 100, 100, 100, 100, 100, 110, 110, 110, 110]  # 10 % more in the second half: caches
    _, grew = judge(series(matching_2_memory_MiB=climbing, guarantees_1_memory_MiB=within), warm_up=2)
    assert grew == ["matching 2 memory MiB: 140 -> 190 MiB"]


def test_descriptors_sessions_and_backlogs_are_judged_by_count() -> None:
    samples = series(
        matching_1_descriptors=[20, 20, 20, 20, 20, 40, 40, 40, 40, 40],  # 20 more: a leak
        matching_postgres_connections=[4, 4, 5, 5, 5, 6, 7, 8, 9, 9],  # a few more: pools opening
        abri_notifications_lag=[0, 0, 10, 40, 80, 150, 300, 500, 700, 900],  # a consumer falling behind
    )
    _, grew = judge(samples, warm_up=0)
    assert [line.split(":")[0] for line in grew] == ["abri notifications lag", "matching 1 descriptors"]
    assert "backlog growing" in grew[0]
