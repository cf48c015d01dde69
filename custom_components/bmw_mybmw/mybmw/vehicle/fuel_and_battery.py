"""Fuel, range and high-voltage battery state (§3.7.2 of the protocol notes)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
import datetime
import logging
from typing import Any, Self

from ..models import StrEnum, ValueWithUnit
from .const import (
    COMBUSTION_ENGINE_DRIVE_TRAINS,
    HV_BATTERY_DRIVE_TRAINS,
    UNIT_KM,
    UNIT_LITERS,
    DriveTrainType,
    drive_train_of,
    fetched_at_of,
    get_bool,
    get_dict,
    get_int,
    get_number,
    parse_enum,
    safe,
    state_of,
    timezone_of,
    to_number,
)

_LOGGER = logging.getLogger(__name__)

_NO_VALUE = ValueWithUnit(None, None)


class ChargingState(StrEnum):
    """Charging state of the high-voltage battery."""

    DEFAULT = "DEFAULT"
    CHARGING = "CHARGING"
    ERROR = "ERROR"
    COMPLETE = "COMPLETE"
    FULLY_CHARGED = "FULLY_CHARGED"
    FINISHED_FULLY_CHARGED = "FINISHED_FULLY_CHARGED"
    FINISHED_NOT_FULL = "FINISHED_NOT_FULL"
    INVALID = "INVALID"
    NOT_CHARGING = "NOT_CHARGING"
    PLUGGED_IN = "PLUGGED_IN"
    WAITING_FOR_CHARGING = "WAITING_FOR_CHARGING"
    TARGET_REACHED = "TARGET_REACHED"
    UNKNOWN = "UNKNOWN"


@dataclass
class FuelAndBattery:
    """Fuel level, ranges and charging state of one vehicle.

    ``charging_end_time`` is the fetch time plus ``remainingChargingMinutes``
    whenever the server sends them, as in the reference library (after charging
    stopped the server may still send a stale value; see docs/compatibility.md).
    ``charging_start_time`` is the next occurrence of the charging window's
    local clock time in ``account_timezone``, time zone aware (the reference
    returned a naive time; ``charging_start_time_no_tz`` gives that form).
    """

    remaining_range_fuel: ValueWithUnit = _NO_VALUE
    remaining_range_electric: ValueWithUnit = _NO_VALUE
    remaining_range_total: ValueWithUnit = _NO_VALUE
    remaining_fuel: ValueWithUnit = _NO_VALUE
    remaining_fuel_percent: int | None = None
    remaining_battery_percent: int | None = None
    charging_status: ChargingState | None = None
    charging_start_time: datetime.datetime | None = None
    charging_end_time: datetime.datetime | None = None
    is_charger_connected: bool = False
    charging_target: int | None = None
    account_timezone: datetime.tzinfo = datetime.UTC
    """The zone the car's local clock times (charging window) are read in."""

    @property
    def charging_start_time_no_tz(self) -> datetime.datetime | None:
        """:attr:`charging_start_time` as a naive wall-clock time in ``account_timezone``."""
        start = self.charging_start_time
        return None if start is None else start.replace(tzinfo=None)

    @classmethod
    def from_vehicle_data(cls, vehicle_data: Mapping[str, Any]) -> Self:
        """Build the model from the merged vehicle record."""
        state = state_of(vehicle_data)
        if "combustionFuelLevel" not in state and "electricChargingState" not in state:
            return cls()
        drive_train = drive_train_of(vehicle_data)
        result = cls(account_timezone=timezone_of(vehicle_data))
        if drive_train in COMBUSTION_ENGINE_DRIVE_TRAINS:
            result._parse_fuel(get_dict(state, "combustionFuelLevel"))
        if drive_train in HV_BATTERY_DRIVE_TRAINS:
            result._parse_electric(vehicle_data, get_dict(state, "electricChargingState"))
        result._derive_ranges(drive_train)
        return result

    def _parse_fuel(self, fuel: dict[str, Any]) -> None:
        liters = get_number(fuel, "remainingFuelLiters")
        if liters is not None:
            self.remaining_fuel = ValueWithUnit(liters, UNIT_LITERS)
        self.remaining_fuel_percent = get_int(fuel, "remainingFuelPercent")
        fuel_range = get_number(fuel, "range")
        if fuel_range is not None:
            self.remaining_range_fuel = ValueWithUnit(fuel_range, UNIT_KM)

    def _parse_electric(self, vehicle_data: Mapping[str, Any], electric: dict[str, Any]) -> None:
        if not electric:
            return
        self.remaining_battery_percent = get_int(electric, "chargingLevelPercent")
        electric_range = get_number(electric, "range")
        if electric_range is not None:
            self.remaining_range_electric = ValueWithUnit(electric_range, UNIT_KM)
        self.is_charger_connected = get_bool(electric, "isChargerConnected")
        self.charging_target = get_int(electric, "chargingTarget")
        status = parse_enum(ChargingState, electric.get("chargingStatus"))
        if status is ChargingState.INVALID:
            status = ChargingState.NOT_CHARGING
        self.charging_status = status
        fetched_at = fetched_at_of(vehicle_data)
        self.charging_end_time = safe(
            lambda: _end_time(fetched_at, electric.get("remainingChargingMinutes")),
            None,
            "charging end time",
        )
        if status is ChargingState.WAITING_FOR_CHARGING:
            self.charging_start_time = safe(
                lambda: _start_time(vehicle_data, fetched_at), None, "charging start time"
            )

    def _derive_ranges(self, drive_train: DriveTrainType) -> None:
        fuel = self.remaining_range_fuel.value
        electric = self.remaining_range_electric.value
        total: int | float | None = None
        if drive_train is DriveTrainType.PLUGIN_HYBRID:
            # The API's fuel range of a PHEV already includes the electric part.
            total = fuel
            if fuel is not None and electric is not None:
                self.remaining_range_fuel = ValueWithUnit(max(fuel - electric, 0), UNIT_KM)
        elif drive_train is DriveTrainType.ELECTRIC_WITH_RANGE_EXTENDER:
            known = [value for value in (fuel, electric) if value is not None]
            total = sum(known) if known else None
        elif drive_train in COMBUSTION_ENGINE_DRIVE_TRAINS:
            total = fuel
        elif drive_train is DriveTrainType.ELECTRIC:
            total = electric
        if total is not None:
            self.remaining_range_total = ValueWithUnit(total, UNIT_KM)


def _end_time(fetched_at: datetime.datetime | None, minutes: Any) -> datetime.datetime | None:
    number = to_number(minutes)
    if fetched_at is None or number is None or number < 0:
        return None
    return fetched_at + datetime.timedelta(minutes=number)


def _start_time(
    vehicle_data: Mapping[str, Any], fetched_at: datetime.datetime | None
) -> datetime.datetime | None:
    """Next wall-clock occurrence of the charging window start after the fetch."""
    profile = get_dict(state_of(vehicle_data), "chargingProfile")
    start = get_dict(get_dict(profile, "reductionOfChargeCurrent"), "start")
    hour, minute = get_int(start, "hour"), get_int(start, "minute")
    if hour is None or minute is None:
        return None
    zone = timezone_of(vehicle_data)
    reference = (fetched_at or datetime.datetime.now(datetime.UTC)).astimezone(zone)
    candidate = reference.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if candidate <= reference:
        candidate += datetime.timedelta(days=1)
    return candidate
