"""Tests for utils.py: datetime parsing, the JSON encoder and fingerprint files."""

from __future__ import annotations

from dataclasses import dataclass
import datetime
import functools
import json
from pathlib import Path

import pytest

from custom_components.bmw_mybmw.mybmw.const import CarBrands
from custom_components.bmw_mybmw.mybmw.models import AnonymizedResponse, GPSPosition, ValueWithUnit
from custom_components.bmw_mybmw.mybmw.utils import (
    MyBMWJSONEncoder,
    get_class_property_names,
    log_response_store_to_file,
    parse_datetime,
)

UTC = datetime.UTC


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2023-01-04T14:57:06.000Z", datetime.datetime(2023, 1, 4, 14, 57, 6, tzinfo=UTC)),
        ("2023-01-04T14:57:06Z", datetime.datetime(2023, 1, 4, 14, 57, 6, tzinfo=UTC)),
        ("2023-01-04T14:57:06z", datetime.datetime(2023, 1, 4, 14, 57, 6, tzinfo=UTC)),
        (
            "2024-03-17T08:01:47.123456789Z",
            datetime.datetime(2024, 3, 17, 8, 1, 47, 123456, tzinfo=UTC),
        ),
        ("2023-01-04T15:57:06+01:00", datetime.datetime(2023, 1, 4, 14, 57, 6, tzinfo=UTC)),
        ("2023-01-04T15:57:06 +01:00", datetime.datetime(2023, 1, 4, 14, 57, 6, tzinfo=UTC)),
        ("2023-01-04T14:57:06", datetime.datetime(2023, 1, 4, 14, 57, 6, tzinfo=UTC)),
        ("2023-01-04", datetime.datetime(2023, 1, 4, tzinfo=UTC)),
        (" 2023-01-04T14:57:06.5Z ", datetime.datetime(2023, 1, 4, 14, 57, 6, 500000, tzinfo=UTC)),
        (
            datetime.datetime(2023, 1, 4, 14, 57, 6),
            datetime.datetime(2023, 1, 4, 14, 57, 6, tzinfo=UTC),
        ),
        (
            datetime.datetime(
                2023, 1, 4, 16, 57, 6, tzinfo=datetime.timezone(datetime.timedelta(hours=2))
            ),
            datetime.datetime(2023, 1, 4, 14, 57, 6, tzinfo=UTC),
        ),
        ("", None),
        ("   ", None),
        ("not a date", None),
        ("2023-13-45T99:00:00Z", None),
        (None, None),
        (1672844226, None),
        ({"date": "2023-01-04"}, None),
    ],
)
def test_parse_datetime(value: object, expected: datetime.datetime | None) -> None:
    parsed = parse_datetime(value)
    assert parsed == expected
    if parsed is not None:
        assert parsed.tzinfo is UTC


class _Colour:
    """An object encoded through its properties."""

    def __init__(self) -> None:
        self._secret = "hidden"

    @property
    def name(self) -> str:
        return "red"

    @property
    def broken(self) -> str:
        raise KeyError("missing")

    @property
    def account(self) -> str:
        return "would recurse"

    @functools.cached_property
    def cached(self) -> int:
        return 7


@dataclass
class _Record:
    when: datetime.datetime
    day: datetime.date
    at: datetime.time
    brand: CarBrands
    position: GPSPosition
    value: ValueWithUnit
    tags: frozenset[str]
    duration: datetime.timedelta
    raw: bytes

    @property
    def label(self) -> str:
        return f"{self.brand}!"


def test_get_class_property_names() -> None:
    assert get_class_property_names(_Colour()) == ["account", "broken", "cached", "name"]


def test_json_encoder_handles_models() -> None:
    record = _Record(
        when=datetime.datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC),
        day=datetime.date(2025, 1, 2),
        at=datetime.time(18, 1),
        brand=CarBrands.MINI,
        position=GPSPosition(48.1, 11.5),
        value=ValueWithUnit(80, "%"),
        tags=frozenset({"b", "a"}),
        duration=datetime.timedelta(minutes=2),
        raw=b"\x89PNG",
    )
    encoded = json.loads(json.dumps({"record": record, "colour": _Colour()}, cls=MyBMWJSONEncoder))
    assert encoded["record"] == {
        "when": "2025-01-02T03:04:05+00:00",
        "day": "2025-01-02",
        "at": "18:01:00",
        "brand": "mini",
        "position": {"latitude": 48.1, "longitude": 11.5},
        "value": [80, "%"],
        "tags": ["a", "b"],
        "duration": 120.0,
        "raw": "<4 bytes>",
        "label": "mini!",
    }
    assert encoded["colour"] == {"name": "red", "cached": 7}


def test_json_encoder_rejects_unknown_objects() -> None:
    with pytest.raises(TypeError):
        json.dumps(object(), cls=MyBMWJSONEncoder)


def test_log_response_store_to_file(tmp_path: Path) -> None:
    store = [
        AnonymizedResponse("bmw-eadrax-vcs_v5_vehicle-list.json", {"b": 1, "a": [1, 2]}),
        AnonymizedResponse("bmw-eadrax-vcs_v4_vehicles_state_WBA0FINGERPRINT01.txt", "Blocked"),
        AnonymizedResponse("../escape.json", None),
        AnonymizedResponse("mini-list.json", [{"z": 1, "y": 2}]),
    ]
    target = tmp_path / "fingerprint"
    log_response_store_to_file(store, target)
    listed = (target / "bmw-eadrax-vcs_v5_vehicle-list.json").read_text()
    assert listed == json.dumps({"b": 1, "a": [1, 2]}, indent=4, sort_keys=True)
    assert listed.startswith('{\n    "a": [')
    text_file = target / "bmw-eadrax-vcs_v4_vehicles_state_WBA0FINGERPRINT01.txt"
    assert text_file.read_text() == "Blocked"
    assert (target / "escape.json").read_text() == ""
    assert not (tmp_path / "escape.json").exists()
    assert json.loads((target / "mini-list.json").read_text()) == [{"y": 2, "z": 1}]
