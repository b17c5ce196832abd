"""The kit's clock: instants in UTC, days in the French civil calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from abri_kit.calendar import FRANCE, day_in_france, local_day, zone_of_departement
from abri_kit.clock import system_clock

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


@pytest.mark.parametrize(
    ("moment", "departement", "day"),
    [
        # 1 January 2028 begins at 20:00 UTC in La Réunion (UTC+4), 23:00 UTC in Paris, 04:00 UTC in Martinique (UTC-4)
        (datetime(2027, 12, 31, 20, 0, tzinfo=UTC), "974", date(2028, 1, 1)),
        (datetime(2027, 12, 31, 19, 59, tzinfo=UTC), "974", date(2027, 12, 31)),
        (datetime(2027, 12, 31, 20, 0, tzinfo=UTC), "75", date(2027, 12, 31)),
        (datetime(2028, 1, 1, 3, 59, tzinfo=UTC), "972", date(2027, 12, 31)),
        (datetime(2028, 1, 1, 4, 0, tzinfo=UTC), "972", date(2028, 1, 1)),
        (datetime(2028, 1, 1, 3, 0, tzinfo=UTC), "973", date(2028, 1, 1)),  # Guyane, UTC-3
        (datetime(2028, 1, 1, 2, 59, tzinfo=UTC), "971", date(2027, 12, 31)),  # Guadeloupe, UTC-4
        (datetime(2027, 12, 31, 21, 0, tzinfo=UTC), "976", date(2028, 1, 1)),  # Mayotte, UTC+3
        (datetime(2027, 12, 31, 23, 0, tzinfo=UTC), "2A", date(2028, 1, 1)),  # Corsica keeps Paris's day
    ],
)
def test_a_home_is_judged_on_its_own_day(moment: datetime, departement: str, day: date) -> None:
    assert local_day(moment, departement) == day


def test_an_unknown_departement_keeps_france_s_day() -> None:
    assert zone_of_departement(None) is FRANCE
    assert zone_of_departement("99") is FRANCE
    with pytest.raises(ValueError, match="naive"):
        local_day(datetime(2027, 1, 1, 0, 30), "974")
