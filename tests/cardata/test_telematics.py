"""Readings -> entity states: numbers in the row's unit, enum options, flags, times, texts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from custom_components.bmw_mybmw.cardata.catalogue import DESCRIPTORS
from custom_components.bmw_mybmw.cardata.models import DescriptorValue
from custom_components.bmw_mybmw.cardata.telematics import (
    MAX_TEXT,
    TelematicsDescriptor,
    convert,
    option_key,
    parse_time,
    read_state,
    token,
)

ROWS = {row.key: row for row in DESCRIPTORS}
POWER = ROWS["vehicle.powertrain.electric.battery.charging.power"]
RANGE = ROWS["vehicle.cabin.infotainment.navigation.remainingRange"]
TYRE = ROWS["vehicle.chassis.axle.row1.wheel.left.tire.temperature"]
PHASES = ROWS["vehicle.drivetrain.electricEngine.charging.phaseNumber"]
ARM = ROWS["vehicle.vehicle.antiTheftAlarmSystem.alarm.armStatus"]
MOVING = ROWS["vehicle.isMoving"]
HOSPITALITY = ROWS["vehicle.body.chargingPort.isHospitalityActive"]
TRUNK_LOCK = ROWS["vehicle.body.trunk.isLocked"]
TIMER = ROWS["vehicle.cabin.climate.timers.weekdaysTimer1.hour"]
TRIP_END = ROWS["vehicle.trip.segment.end.time"]
FAULTS = ROWS["vehicle.electronicControlUnit.diagnosticTroubleCodes.raw"]


def state(row: TelematicsDescriptor, value: Any, unit: str | None = None) -> Any:
    return read_state(row, {row.key: DescriptorValue(value, unit)})


@pytest.mark.parametrize(
    ("row", "value", "unit", "expected"),
    [
        (POWER, 7400, "W", 7400),
        (POWER, 7.4, "kW", 7400),
        (POWER, "11000", None, 11000),  # REST-style text, no unit: the row's unit
        (POWER, "INVALID", "W", None),
        (POWER, True, None, None),
        (POWER, 5, "horsepower", None),  # an unknown unit is not guessed
        (RANGE, 100, "mi", 160.9344),
        (RANGE, 42, "km", 42),
        (TYRE, 21.5, "Celsius", 21.5),
        (TYRE, 68, "°F", 20),
    ],
)
def test_numbers(row: TelematicsDescriptor, value: Any, unit: str | None, expected: Any) -> None:
    assert state(row, value, unit) == expected


def test_unit_conversions() -> None:
    assert convert(2.5, "bar", "kPa") == 250
    assert convert(90, "s", "min") == 1.5
    assert convert(1, None, "W") == 1
    assert convert(1, "W", None) == 1


@pytest.mark.parametrize(
    ("row", "value", "expected"),
    [
        (PHASES, "3-PHASES", "3_phases"),
        (PHASES, "NO_CHARGING", "no_charging"),
        (PHASES, "INVALID", None),
        (PHASES, "7-PHASES", None),  # not an option: unknown rather than a raw code
        (PHASES, 3, None),
        (PHASES, False, None),
        (ARM, "doorsTiltCabin", "doors_tilt_cabin"),
        (ARM, "UNARMED", "unarmed"),
    ],
)
def test_enums(row: TelematicsDescriptor, value: Any, expected: str | None) -> None:
    assert state(row, value) == expected


@pytest.mark.parametrize(
    ("row", "value", "expected"),
    [
        (MOVING, "ASN_isTrue", True),
        (MOVING, "ASN_isFalse", False),
        (MOVING, "ASN_isUnknown", None),
        (MOVING, True, True),
        (MOVING, "maybe", None),
        (HOSPITALITY, "HOSPITALITY_ACTIVE", True),
        (HOSPITALITY, "HOSPITALITY_INACTIVE", False),
        (HOSPITALITY, "INVALID", None),
        # The lock class: on means unlocked.
        (TRUNK_LOCK, True, False),
        (TRUNK_LOCK, "false", True),
    ],
)
def test_flags(row: TelematicsDescriptor, value: Any, expected: bool | None) -> None:
    assert state(row, value) is expected


def test_clock_needs_both_parts_in_range() -> None:
    hour, minute = TIMER.parts

    def clock(h: Any, m: Any) -> Any:
        values = {}
        if h is not None:
            values[hour] = DescriptorValue(h, "h")
        if m is not None:
            values[minute] = DescriptorValue(m, "min")
        return read_state(TIMER, values)

    assert clock(7, 5) == "07:05"
    assert clock("23", "59") == "23:59"
    assert clock(7, None) is None
    assert clock(24, 0) is None
    assert clock(7.5, 0) is None
    assert clock("INVALID", 0) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("15.05.2025 15:51:00 UTC", datetime(2025, 5, 15, 15, 51, tzinfo=UTC)),
        ("05/15/2025 15:51 UTC", datetime(2025, 5, 15, 15, 51, tzinfo=UTC)),
        ("2025-05-15T15:51:00Z", datetime(2025, 5, 15, 15, 51, tzinfo=UTC)),
        (1_747_324_260, datetime(2025, 5, 15, 15, 51, tzinfo=UTC)),
        (1_747_324_260_000, datetime(2025, 5, 15, 15, 51, tzinfo=UTC)),
        ("yesterday", None),
        (1e300, None),
        (None, None),
    ],
)
def test_times(value: Any, expected: datetime | None) -> None:
    assert parse_time(value) == expected
    assert state(TRIP_END, value) == expected


def test_texts() -> None:
    assert state(FAULTS, "  P0420 ") == "P0420"
    assert state(FAULTS, "x" * 400) == "x" * MAX_TEXT
    assert state(FAULTS, ["P0420", "U0100"]) == "['P0420', 'U0100']"
    assert state(FAULTS, "-NA-") is None
    assert state(FAULTS, False) == "false"
    assert read_state(FAULTS, {}) is None


def test_tokens_and_option_keys() -> None:
    assert token("ASN_isTrue") == "TRUE"
    assert token(" closed ") == "CLOSED"
    assert token(None) is None
    assert token(2) == "2"
    assert option_key("RENEWABLE_ENERGEY") == "renewable_energey"
    assert option_key("doorsOnly") == "doors_only"
    assert option_key("1-PHASES") == "1_phases"
    assert option_key("VEHICLE_CONFIGURATION_ERROR_400V_800V") == (
        "vehicle_configuration_error_400v_800v"
    )
