"""Readers of a car's values for the sensor table: a value, or None when the car did not say."""

from __future__ import annotations

from collections.abc import Callable
import datetime
from typing import Any

from homeassistant.helpers.typing import StateType

from .mybmw.vehicle import MyBMWVehicle
from .mybmw.vehicle.const import get_dict, get_number, state_of
from .mybmw.vehicle.fuel_and_battery import ChargingState
from .values import enum_state

# The state of a departure timer or charging window that is switched off.
STATE_OFF = "off"


def charging_minutes_left(vehicle: MyBMWVehicle) -> StateType:
    """What the car reports while charging; the server keeps a stale value after it stops."""
    if vehicle.fuel_and_battery.charging_status is not ChargingState.CHARGING:
        return None
    electric = get_dict(state_of(vehicle.data), "electricChargingState")
    minutes = get_number(electric, "remainingChargingMinutes")
    return None if minutes is None or minutes < 0 else round(minutes)


def charging_end_time(vehicle: MyBMWVehicle) -> datetime.datetime | None:
    """Only while charging: otherwise the server's 0 minutes left reads as "ends now"."""
    if vehicle.fuel_and_battery.charging_status is not ChargingState.CHARGING:
        return None
    return vehicle.fuel_and_battery.charging_end_time


def hhmm(value: datetime.time | None) -> str | None:
    return None if value is None else value.strftime("%H:%M")


def next_service_date(vehicle: MyBMWVehicle) -> datetime.date | None:
    service = vehicle.condition_based_services.next_service_by_time
    if service is None or service.due_date is None:
        return None
    return service.due_date.date()


def next_service_distance(vehicle: MyBMWVehicle) -> StateType:
    service = vehicle.condition_based_services.next_service_by_distance
    return None if service is None else service.due_distance.value


def service_type(service: Any) -> dict[str, Any]:
    return {} if service is None else {"service_type": str(service.service_type).lower()}


def check_control_messages(vehicle: MyBMWVehicle) -> dict[str, Any]:
    return {
        "messages": [
            {
                "type": str(message.description_short).lower(),
                "severity": enum_state(message.state),
                "description": message.description_long,
            }
            for message in vehicle.check_control_messages.messages
        ]
    }


def charging_window(vehicle: MyBMWVehicle) -> str | None:
    """``off`` unless the car charges in its window; then the window, e.g. ``22:00-06:00``."""
    profile = vehicle.charging_profile
    if profile is None:
        return None
    window = profile.preferred_charging_window
    start, end = hhmm(window.start_time), hhmm(window.end_time)
    in_use = enum_state(profile.charging_preferences) == "charging_window"
    if not in_use or start is None or end is None or start == end:
        return STATE_OFF
    return f"{start}-{end}"


def charging_window_attrs(vehicle: MyBMWVehicle) -> dict[str, Any]:
    profile = vehicle.charging_profile
    if profile is None:
        return {}
    window = profile.preferred_charging_window
    return {
        "start_time": hhmm(window.start_time),
        "end_time": hhmm(window.end_time),
        "charging_preference": enum_state(profile.charging_preferences),
        "charging_mode": enum_state(profile.charging_mode),
    }


def tire_pressure(tire: str, kind: str) -> Callable[[MyBMWVehicle], StateType]:
    def _value(vehicle: MyBMWVehicle) -> StateType:
        found = getattr(vehicle.tires, tire, None)
        return None if found is None else getattr(found, f"{kind}_pressure", None)

    return _value
