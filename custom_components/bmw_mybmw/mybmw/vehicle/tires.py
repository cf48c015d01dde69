"""Tire pressures and tire details (§3.7.7)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
import datetime
import logging
import re
from typing import Any, Final, Self

from .const import get_dict, get_int, state_of

_LOGGER = logging.getLogger(__name__)

_WEEK_RE: Final = re.compile(r"[0-9]{1,4}")


def parse_manufacturing_week(value: Any) -> datetime.datetime | None:
    """Monday 00:00 (naive, as the reference library) of the ISO week ``WWYY`` (4021 -> 2021-10-04).

    Both parts are zero-padded (``519`` is week 05 of 2019, ``4005`` week 40 of
    2005): the reference library built the year "205" from such values and its
    ``ValueError`` aborted the whole refresh. Here a bad value gives ``None``.
    """
    if type(value) is int and 0 <= value <= 9999:  # the usual JSON form, no text round trip
        week, year = divmod(value, 100)
    elif isinstance(value, str) and _WEEK_RE.fullmatch(value.strip()):
        # ASCII digits only: str.isdigit() accepts "¹" and "٤"
        week, year = divmod(int(value.strip()), 100)
    else:
        return None
    try:
        day = datetime.date.fromisocalendar(2000 + year, week, 1)
    except ValueError:
        _LOGGER.debug("Invalid tire manufacturing week")
        return None
    return datetime.datetime(day.year, day.month, day.day)


@dataclass
class Tire:
    """One tire: pressures in kPa, season code and manufacturing week."""

    current_pressure: int | None = None
    target_pressure: int | None = None
    season: int | None = None
    manufacturing_week: datetime.datetime | None = None

    @classmethod
    def from_api_entry(cls, entry: Mapping[str, Any]) -> Self:
        """Parse ``{status, details?}``; each field degrades on its own."""
        status = get_dict(entry, "status")
        details = get_dict(entry, "details")
        return cls(  # positional, in field order: four of these per vehicle
            get_int(status, "currentPressure"),
            get_int(status, "targetPressure"),
            get_int(details, "season"),
            # Total (never raises), so it needs no safe() wrapper.
            parse_manufacturing_week(details.get("manufacturingWeek")),
        )


@dataclass
class Tires:
    """The four tires; a wheel the API does not report is ``None``."""

    front_left: Tire | None = None
    front_right: Tire | None = None
    rear_left: Tire | None = None
    rear_right: Tire | None = None

    @classmethod
    def from_vehicle_data(cls, vehicle_data: Mapping[str, Any]) -> Self | None:
        """Build from ``state.tireState``; ``None`` when the car reports no tires."""
        tire_state = get_dict(state_of(vehicle_data), "tireState")
        wheels = [_tire(tire_state.get(key)) for key in _WHEEL_KEYS]
        if not any(wheels):
            return None
        return cls(*wheels)


_WHEEL_KEYS: Final = ("frontLeft", "frontRight", "rearLeft", "rearRight")
"""API keys of :class:`Tires`' fields, in field order."""


def _tire(entry: Any) -> Tire | None:
    return Tire.from_api_entry(entry) if isinstance(entry, dict) else None
