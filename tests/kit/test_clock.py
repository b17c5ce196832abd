"""The kit's clock: instants in UTC, days in the French civil calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from abri_kit.clock import day_in_france, system_clock

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("moment", "day"),
    [
        (datetime(2027, 12, 31, 22, 59, tzinfo=UTC), date(2027, 12, 31)),  # 23:59 in France (winter, UTC+1)
        (datetime(2027, 12, 31, 23, 0, tzinfo=UTC), date(2028, 1, 1)),  # midnight in France, still 2027 in UTC
        (datetime(2027, 6, 30, 22, 0, tzinfo=UTC), date(2027, 7, 1)),  # summer: UTC+2
        (datetime(2027, 6, 30, 21, 59, tzinfo=UTC), date(2027, 6, 30)),
        (datetime(2027, 3, 1, 0, 30, tzinfo=timezone(timedelta(hours=1))), date(2027, 3, 1)),  # any offset is converted
    ],
)
def test_the_day_is_france_s(moment: datetime, day: date) -> None:
    assert day_in_france(moment) == day


def test_a_naive_time_has_no_day() -> None:
    with pytest.raises(ValueError, match="naive"):
        day_in_france(datetime(2027, 1, 1, 0, 30))


def test_the_system_clock_is_aware_and_in_utc() -> None:
    assert system_clock().utcoffset() == timedelta(0)
