"""Strict request bodies (``abri_kit.input``): JSON values taken as they are, or refused naming the field."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Any, Literal

import pytest
from pydantic import Field, ValidationError

from abri_kit.input import MAX_TEXT, Input

pytestmark = pytest.mark.unit


class Inner(Input):
    name: str = Field(max_length=50)


class Body(Input):
    flag: bool = False
    count: int = Field(default=0, ge=0, le=10)
    ratio: float = Field(default=0.0, ge=0, le=1)
    day: date | None = None
    moment: datetime | None = None
    label: str = ""
    words: list[Annotated[str, Field(max_length=20)]] = Field(default_factory=list, max_length=5)
    texts: dict[Literal["fr", "en"], str] = Field(default_factory=dict)
    inner: Inner | None = None
    kind: Literal["a", "b"] = "a"


def refusal(**values: Any) -> tuple[tuple[str | int, ...], str]:
    with pytest.raises(ValidationError) as raised:
        Body.model_validate(values)
    errors = raised.value.errors()
    assert len(errors) == 1, errors
    return errors[0]["loc"], errors[0]["type"]


def test_values_of_their_own_json_type_are_taken() -> None:
    body = Body.model_validate(
        {
            "flag": True,
            "count": 3,
            "ratio": 1,
            "day": "2027-01-31",
            "moment": "2027-01-31T23:30:00+01:00",
            "label": "Ligne 1\nLigne 2\tfin",
            "words": ["un", "deux"],
            "texts": {"fr": "Bonjour", "en": "Hello"},
            "inner": {"name": "Oksana"},
            "kind": "b",
        }
    )
    assert body.day == date(2027, 1, 31) and body.moment is not None and body.moment.utcoffset() is not None
    assert body.ratio == 1.0 and body.inner is not None and body.inner.name == "Oksana"


@pytest.mark.parametrize(
    ("values", "loc", "code"),
    [
        ({"flag": 1}, ("flag",), "bool_type"),
        ({"flag": "true"}, ("flag",), "bool_type"),
        ({"count": "3"}, ("count",), "int_type"),
        ({"count": 3.0}, ("count",), "int_type"),
        ({"count": True}, ("count",), "int_type"),
        ({"ratio": False}, ("ratio",), "float_type"),
        ({"ratio": "0.5"}, ("ratio",), "float_type"),
        ({"day": 0}, ("day",), "date_type"),
        ({"day": "2027-1-31"}, ("day",), "date_type"),
        ({"day": "2027-02-30"}, ("day",), "date_type"),
        ({"day": "0730-01-01"}, ("day",), "date_range"),
        ({"moment": "2027-01-31T23:30:00"}, ("moment",), "datetime_type"),
        ({"moment": 1700000000}, ("moment",), "datetime_type"),
        ({"moment": "0730-01-01T00:00:00Z"}, ("moment",), "date_range"),
        ({"label": "rue\x00"}, ("label",), "control_character"),
        ({"label": "bell\x07"}, ("label",), "control_character"),
        ({"label": "\x85next line"}, ("label",), "control_character"),
        ({"label": "x" * (MAX_TEXT + 1)}, ("label",), "string_too_long"),
        ({"words": ["ok", "no\x00"]}, ("words",), "control_character"),
        ({"texts": {"fr": "\x1b[31m"}}, ("texts",), "control_character"),
        ({"inner": {"name": "\x00"}}, ("inner", "name"), "control_character"),
        ({"kind": "c"}, ("kind",), "literal_error"),
        ({"unknown": 1}, ("unknown",), "extra_forbidden"),
    ],
)
def test_anything_else_is_refused_naming_the_field(values: dict[str, Any], loc: tuple[str, ...], code: str) -> None:
    assert refusal(**values) == (loc, code)


class Hours(Input):
    at: time | None = None


@pytest.mark.parametrize("value", [3600, "9h", "09:30:00.5"])
def test_a_time_of_day_is_hh_mm(value: Any) -> None:
    with pytest.raises(ValidationError, match="time_type"):
        Hours.model_validate({"at": value})
    assert Hours.model_validate({"at": "09:30"}).at == time(9, 30)
