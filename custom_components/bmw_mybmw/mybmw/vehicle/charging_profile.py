"""Charging profile: timers, charging window, mode and AC limits (§3.7.9, §4.6)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
import datetime
import logging
import re
from typing import Any, Final, Self

from ..models import StrEnum
from .const import (
    as_dict,
    as_list,
    copy_json,
    get_bool,
    get_dict,
    get_int,
    get_str,
    parse_enum,
    state_of,
)

_LOGGER = logging.getLogger(__name__)


class ChargingMode(StrEnum):
    """When the car charges after being plugged in."""

    IMMEDIATE_CHARGING = "IMMEDIATE_CHARGING"
    DELAYED_CHARGING = "DELAYED_CHARGING"
    NO_ACTION = "NO_ACTION"
    UNKNOWN = "UNKNOWN"


class ChargingPreferences(StrEnum):
    """Whether a charging window is used."""

    NO_PRESELECTION = "NO_PRESELECTION"
    CHARGING_WINDOW = "CHARGING_WINDOW"
    UNKNOWN = "UNKNOWN"


class TimerTypes(StrEnum):
    """Kind of departure timer plan."""

    TWO_TIMES_TIMER = "TWO_TIMES_TIMER"
    WEEKLY_PLANNER = "WEEKLY_PLANNER"
    UNKNOWN = "UNKNOWN"


CHARGING_MODE_TO_PAYLOAD_TYPE: Final = {
    ChargingMode.IMMEDIATE_CHARGING: "CHARGING_IMMEDIATELY",
    ChargingMode.DELAYED_CHARGING: "TIME_SLOT",
}
"""``chargingMode.type`` of the charging-profile command; anything else is ``NO_ACTION``."""

CHARGING_MODE_TO_PREFERENCE: Final = {
    ChargingMode.IMMEDIATE_CHARGING: ChargingPreferences.NO_PRESELECTION,
    ChargingMode.DELAYED_CHARGING: ChargingPreferences.CHARGING_WINDOW,
}
"""The preference the server requires together with a chosen mode."""

TIMER_TYPE_TO_PAYLOAD_TYPE: Final = {
    TimerTypes.WEEKLY_PLANNER: "WEEKLY_DEPARTURE_TIMER",
    TimerTypes.TWO_TIMES_TIMER: "TWO_DEPARTURE_TIMER",
}
"""``departureTimer.type`` of the command; ``UNKNOWN`` falls back to the weekly planner."""

DEFAULT_DEPARTURE_TIMER_TYPE: Final = "WEEKLY_DEPARTURE_TIMER"

_PAYLOAD_TIME_RE: Final = re.compile(r"^0001-01-01T(\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?$")


def format_payload_time(value: datetime.time | None) -> str:
    """Time in the command's format ``0001-01-01THH:MM:00.000``."""
    value = value or datetime.time(0, 0)
    return f"0001-01-01T{value.hour:02d}:{value.minute:02d}:00.000"


def _normalise_payload_time(value: Any) -> Any:
    """Bring crccs times (``0001-01-01T18:01:00``) to the command's format."""
    if isinstance(value, str) and (match := _PAYLOAD_TIME_RE.match(value)):
        return f"0001-01-01T{match.group(1)}:{match.group(2)}:00.000"
    return value


def _time_of(value: Any) -> datetime.time | None:
    """``{hour, minute}`` -> time; ``None`` when missing or out of range."""
    data = as_dict(value)
    hour, minute = get_int(data, "hour"), get_int(data, "minute")
    if hour is None or minute is None or not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return datetime.time(hour, minute)


class DepartureTimer:
    """A departure timer of the charging profile."""

    def __init__(self, timer_dict: Mapping[str, Any]) -> None:
        """Keep the API entry; properties read it defensively."""
        self._timer_dict = as_dict(timer_dict)

    @property
    def timer_id(self) -> int | None:
        """ID of this timer."""
        return get_int(self._timer_dict, "id")

    @property
    def start_time(self) -> datetime.time | None:
        """Departure time; ``None`` when the timer has none."""
        return _time_of(self._timer_dict.get("timeStamp"))

    @property
    def action(self) -> str | None:
        """``ACTIVATE`` or ``DEACTIVATE``."""
        return get_str(self._timer_dict, "action")

    @property
    def weekdays(self) -> list[str]:
        """Active weekdays (``MONDAY`` ... ``SUNDAY``)."""
        return [d for d in as_list(self._timer_dict.get("timerWeekDays")) if isinstance(d, str)]

    def __repr__(self) -> str:
        """Show the parsed values, not the raw dict."""
        return (
            f"DepartureTimer(timer_id={self.timer_id!r}, start_time={self.start_time!r}, "
            f"action={self.action!r}, weekdays={self.weekdays!r})"
        )


class ChargingWindow:
    """The preferred charging window (``reductionOfChargeCurrent``)."""

    def __init__(self, window_dict: Mapping[str, Any]) -> None:
        """Keep the API object; properties read it defensively."""
        self._window_dict = as_dict(window_dict)

    @property
    def start_time(self) -> datetime.time:
        """Start of the window (00:00 when unset)."""
        return _time_of(self._window_dict.get("start")) or datetime.time(0, 0)

    @property
    def end_time(self) -> datetime.time:
        """End of the window (00:00 when unset)."""
        return _time_of(self._window_dict.get("end")) or datetime.time(0, 0)

    def __repr__(self) -> str:
        """Show the parsed values, not the raw dict."""
        return f"ChargingWindow(start_time={self.start_time!r}, end_time={self.end_time!r})"


@dataclass
class ChargingProfile:
    """Charging profile of one vehicle.

    ``charge_and_climate_timer_detail`` keeps the crccs object, which already
    has the command's shape; :meth:`format_for_remote_service` starts from it.
    Like the timers, it shares the record's object rather than copying it at
    every refresh: nothing here mutates it, and the command body is built new.
    """

    is_pre_entry_climatization_enabled: bool
    timer_type: TimerTypes
    departure_times: list[DepartureTimer]
    preferred_charging_window: ChargingWindow
    charging_preferences: ChargingPreferences
    charging_mode: ChargingMode
    ac_current_limit: int | None = None
    ac_available_limits: list[int] | None = None
    charging_preferences_service_pack: str | None = None
    charge_and_climate_timer_detail: dict[str, Any] | None = field(
        default=None, repr=False, compare=False
    )

    @classmethod
    def from_vehicle_data(cls, vehicle_data: Mapping[str, Any]) -> Self | None:
        """Build from ``state.chargingProfile`` and crccs; ``None`` without a profile."""
        profile = state_of(vehicle_data).get("chargingProfile")
        if not isinstance(profile, dict):
            return None
        crccs = as_dict(vehicle_data.get("charging_settings"))
        limits_raw = get_dict(get_dict(crccs, "chargingSettingsDetail"), "acLimit").get("values")
        limits = (
            [v for v in limits_raw if type(v) is int]  # JSON integers; excludes bool
            if isinstance(limits_raw, list)
            else None
        )
        detail = crccs.get("chargeAndClimateTimerDetail")
        return cls(
            is_pre_entry_climatization_enabled=get_bool(profile, "climatisationOn"),
            timer_type=parse_enum(TimerTypes, profile.get("chargingControlType"))
            or TimerTypes.UNKNOWN,
            departure_times=[
                DepartureTimer(t)
                for t in as_list(profile.get("departureTimes"))
                if isinstance(t, dict)
            ],
            preferred_charging_window=ChargingWindow(get_dict(profile, "reductionOfChargeCurrent")),
            charging_preferences=parse_enum(ChargingPreferences, profile.get("chargingPreference"))
            or ChargingPreferences.UNKNOWN,
            charging_mode=parse_enum(ChargingMode, profile.get("chargingMode"))
            or ChargingMode.UNKNOWN,
            ac_current_limit=get_int(get_dict(profile, "chargingSettings"), "acCurrentLimit"),
            ac_available_limits=limits,
            charging_preferences_service_pack=get_str(crccs, "servicePack"),
            charge_and_climate_timer_detail=detail if isinstance(detail, dict) else None,
        )

    def format_for_remote_service(self) -> dict[str, Any]:
        """The full body of the charging-profile command.

        Starts from crccs ``chargeAndClimateTimerDetail`` when it was fetched
        (it is the command's own shape) and fills anything missing from the
        state profile; times are sent as ``0001-01-01THH:MM:00.000``. Never
        raises: an ``UNKNOWN`` timer type is sent as the weekly planner.
        """
        rebuilt = self._rebuild_from_state()
        detail = self.charge_and_climate_timer_detail or {}
        charging_mode = rebuilt["chargingMode"]
        crccs_mode = get_dict(detail, "chargingMode")
        for key in ("chargingPreference", "type", "startTimeSlot", "endTimeSlot", "timerChange"):
            if isinstance(crccs_mode.get(key), str):
                charging_mode[key] = _normalise_payload_time(crccs_mode[key])
        departure = rebuilt["departureTimer"]
        crccs_departure = get_dict(detail, "departureTimer")
        if isinstance(crccs_departure.get("type"), str):
            departure["type"] = crccs_departure["type"]
        if isinstance(crccs_departure.get("weeklyTimers"), list):
            departure["weeklyTimers"] = [
                _normalise_timer(timer)
                for timer in crccs_departure["weeklyTimers"]
                if isinstance(timer, dict)
            ]
        precondition = detail.get("isPreconditionForDepartureActive")
        if isinstance(precondition, bool):
            rebuilt["isPreconditionForDepartureActive"] = precondition
        return rebuilt

    def _rebuild_from_state(self) -> dict[str, Any]:
        preference = self.charging_preferences
        if preference is ChargingPreferences.UNKNOWN:
            preference = CHARGING_MODE_TO_PREFERENCE.get(
                self.charging_mode, ChargingPreferences.NO_PRESELECTION
            )
        return {
            "chargingMode": {
                "chargingPreference": preference.value,
                "type": CHARGING_MODE_TO_PAYLOAD_TYPE.get(self.charging_mode, "NO_ACTION"),
                "startTimeSlot": format_payload_time(self.preferred_charging_window.start_time),
                "endTimeSlot": format_payload_time(self.preferred_charging_window.end_time),
                "timerChange": "NO_CHANGE",
            },
            "departureTimer": {
                "type": TIMER_TYPE_TO_PAYLOAD_TYPE.get(
                    self.timer_type, DEFAULT_DEPARTURE_TIMER_TYPE
                ),
                "weeklyTimers": [
                    {
                        "id": timer.timer_id,
                        "time": format_payload_time(timer.start_time),
                        "timerAction": timer.action,
                        "daysOfTheWeek": timer.weekdays,
                    }
                    for timer in self.departure_times
                ],
            },
            "isPreconditionForDepartureActive": self.is_pre_entry_climatization_enabled,
            "servicePack": self.charging_preferences_service_pack,
        }


def _normalise_timer(timer: dict[str, Any]) -> dict[str, Any]:
    result = copy_json(timer)
    if "time" in result:
        result["time"] = _normalise_payload_time(result["time"])
    return result
