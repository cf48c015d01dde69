"""Climate control activity (§3.7.8)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
import datetime
from typing import Any, Self

from ..models import StrEnum
from .const import fetched_at_of, get_dict, get_number, parse_enum, safe, state_of


class ClimateActivityState(StrEnum):
    """What the climate control is doing."""

    COOLING = "COOLING"
    HEATING = "HEATING"
    VENTILATION = "VENTILATION"
    INACTIVE = "INACTIVE"
    STANDBY = "STANDBY"
    UNKNOWN = "UNKNOWN"


@dataclass
class Climate:
    """Climate control state; activity ``UNKNOWN`` when the car reports none (as the reference)."""

    activity: ClimateActivityState = ClimateActivityState.UNKNOWN
    activity_end_time: datetime.datetime | None = None

    @property
    def is_climate_on(self) -> bool:
        """Cooling or heating (ventilation alone does not count)."""
        return self.activity in (ClimateActivityState.COOLING, ClimateActivityState.HEATING)

    @classmethod
    def from_vehicle_data(cls, vehicle_data: Mapping[str, Any]) -> Self:
        """Build from ``state.climateControlState``."""
        climate = get_dict(state_of(vehicle_data), "climateControlState")
        activity = parse_enum(ClimateActivityState, climate.get("activity"))
        return cls(
            activity=activity or ClimateActivityState.UNKNOWN,
            activity_end_time=safe(lambda: _end_time(vehicle_data, climate), None, "climate end"),
        )


def _end_time(vehicle_data: Mapping[str, Any], climate: dict[str, Any]) -> datetime.datetime | None:
    seconds = get_number(climate, "remainingSeconds")
    fetched_at = fetched_at_of(vehicle_data)
    if seconds is None or seconds < 0 or fetched_at is None:
        return None
    # Whole seconds, as the reference library counts them (the API sends fractions).
    return fetched_at + datetime.timedelta(seconds=int(seconds))
