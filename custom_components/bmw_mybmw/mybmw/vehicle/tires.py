"""Tire pressures and tire details (§3.7.7)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
import datetime
import logging
import re
from typing import Any, Final, Self

from .const import get_dict, get_int, safe, state_of

_LOGGER = logging.getLogger(__name__)

_WEEK_RE: Final = re.compile(r"[0-9]{1,4}")


def parse_manufacturing_week(value: Any) -> datetime.date | None:
    """Monday of the ISO week encoded as ``WWYY`` (4021 -> 2021-10-04).

    Both parts are zero-padded (``519`` is week 05 of 2019, ``4005`` week 40 of
    2005): the reference library built the year "205" from such values and its
    ``ValueError`` aborted the whole refresh. Here a bad value gives ``None``.
    """
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    text = str(value).strip()
    if not _WEEK_RE.fullmatch(text):  # ASCII only: str.isdigit() accepts "¹" and "٤"
        return None
    text = text.zfill(4)
    week, year = int(text[:2]), 2000 + int(text[2:])
    try:
        return datetime.date.fromisocalendar(year, week, 1)
    except ValueError:
        _LOGGER.debug("Invalid tire manufacturing week")
        return None


@dataclass(frozen=True)
class Tire:
    """One tire: pressures in kPa, season code and manufacturing week."""

    current_pressure: int | None = None
    target_pressure: int | None = None
    season: int | None = None
    manufacturing_week: datetime.date | None = None

    @classmethod
    def from_api_entry(cls, entry: Mapping[str, Any]) -> Self:
        """Parse ``{status, details?}``; each field degrades on its own."""
        status = get_dict(entry, "status")
        details = get_dict(entry, "details")
        return cls(
            current_pressure=get_int(status, "currentPressure"),
            target_pressure=get_int(status, "targetPressure"),
            season=get_int(details, "season"),
            manufacturing_week=safe(
                lambda: parse_manufacturing_week(details.get("manufacturingWeek")),
                None,
                "manufacturing week",
            ),
        )


@dataclass(frozen=True)
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
        wheels = {
            name: Tire.from_api_entry(get_dict(tire_state, key))
            for name, key in (
                ("front_left", "frontLeft"),
                ("front_right", "frontRight"),
                ("rear_left", "rearLeft"),
                ("rear_right", "rearRight"),
            )
            if isinstance(tire_state.get(key), dict)
        }
        if not wheels:
            return None
        return cls(**wheels)
