"""The parsers' fast paths give the same answers as the general ones they skip."""

from __future__ import annotations

import datetime
from enum import IntEnum
import logging
from typing import Any

import pytest

from custom_components.bmw_mybmw.mybmw.utils import parse_datetime
from custom_components.bmw_mybmw.mybmw.vehicle.const import (
    copy_json,
    get_int,
    get_number,
    parse_part,
    to_int,
    to_number,
)
from custom_components.bmw_mybmw.mybmw.vehicle.doors_windows import (
    DoorsAndWindows,
    Lid,
    LidState,
    Window,
)
from custom_components.bmw_mybmw.mybmw.vehicle.fuel_and_battery import ChargingState
from custom_components.bmw_mybmw.mybmw.vehicle.tires import parse_manufacturing_week
from custom_components.bmw_mybmw.mybmw.vehicle.vehicle import VehicleViewDirection


class _Level(IntEnum):
    HIGH = 7


def test_enum_lookup_exact_case_insensitive_and_unknown() -> None:
    assert ChargingState.lookup("CHARGING") is ChargingState.CHARGING
    assert ChargingState.lookup("charging") is ChargingState.CHARGING
    assert ChargingState.lookup("SOMETHING_NEW") is None
    assert VehicleViewDirection.lookup("frontview") is VehicleViewDirection.FRONT
    assert VehicleViewDirection("FRONTVIEW") is VehicleViewDirection.FRONT


def test_numbers_fast_and_general_paths_agree() -> None:
    assert to_number(3) == 3
    assert to_number(2.5) == 2.5
    assert to_number(float("nan")) is None
    assert to_number(float("inf")) is None
    assert to_number(True) is None
    assert to_number("3") is None
    assert to_number(_Level.HIGH) == 7  # an int subclass takes the general path
    assert to_int(2.9) == 2
    assert to_int(_Level.HIGH) == 7
    assert to_int(None) is None
    assert get_int({"a": 4}, "a") == 4
    assert get_int({"a": 4.7}, "a") == 4
    assert get_number({"a": 4}, "a") == 4
    assert get_number({"a": False}, "a") is None


def test_copy_json_is_deep_and_equal() -> None:
    source: Any = {"a": [1, {"b": [2, 3]}], "c": "text", "d": None}
    copied = copy_json(source)
    assert copied == source
    copied["a"][1]["b"].append(4)
    assert source["a"][1]["b"] == [2, 3]
    assert copy_json([{"x": 1}])[0] is not None
    assert copy_json(5) == 5


def test_parse_part_falls_back_only_on_error(caplog: pytest.LogCaptureFixture) -> None:
    def broken(data: dict[str, int]) -> int:
        raise KeyError("missing")

    with caplog.at_level(logging.DEBUG):
        assert parse_part(broken, {}, lambda: -1, "field") == -1
    assert "Could not parse field: KeyError" in caplog.text
    assert parse_part(len, {"a": 1}, lambda: -1, "field") == 1


def test_parse_datetime_fast_and_loose_paths() -> None:
    utc = datetime.UTC
    expected = datetime.datetime(2024, 5, 1, 12, 0, tzinfo=utc)
    assert parse_datetime("2024-05-01T12:00:00.000Z") == expected
    assert parse_datetime("2024-05-01T12:00:00.000Z").tzinfo is utc  # type: ignore[union-attr]
    assert parse_datetime(" 2024-05-01T12:00:00.000000000z ") == expected
    assert parse_datetime("2024-05-01T14:00:00+02:00") == expected
    assert parse_datetime("2024-05-01 14:00:00 +0200") == expected
    assert parse_datetime("   ") is None
    assert parse_datetime("not a time") is None


def test_manufacturing_week_int_and_text_agree() -> None:
    for value in (4021, 519, 4005, 1):
        assert parse_manufacturing_week(value) == parse_manufacturing_week(str(value))
    assert parse_manufacturing_week(519) == datetime.datetime(2019, 1, 28)
    assert parse_manufacturing_week(10000) is None
    assert parse_manufacturing_week(-5) is None
    assert parse_manufacturing_week(9921) is None  # week 99 does not exist


def test_lids_are_own_objects_per_parse() -> None:
    """Models are plain dataclasses like the reference's: no two parses share an object."""
    state = {"doorsState": {"hood": "OPEN", "trunk": "closed", "leftFront": "NEW_STATE"}}
    record = {"state": state}
    first = DoorsAndWindows.from_vehicle_data(record)
    second = DoorsAndWindows.from_vehicle_data(record)
    assert first.lids == second.lids
    first.lids[0].state = LidState.CLOSED  # a caller's change stays in its own model
    assert second.lids[0].state is LidState.OPEN
    assert [lid.state for lid in second.lids] == [
        LidState.OPEN,
        LidState.CLOSED,
        LidState.UNKNOWN,
    ]
    windows = DoorsAndWindows.from_vehicle_data({"state": {"windowsState": {"hood": "OPEN"}}})
    assert type(windows.windows[0]) is Window
    assert type(first.lids[0]) is Lid
