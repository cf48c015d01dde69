"""The last charging session of a CarData vehicle, as sensors.

BMW CarData's ``chargingHistory`` costs one request per page out of 50 a day,
so the coordinator reads one page at most once a day; these sensors show the
newest session of that page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
import datetime
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
)
from homeassistant.const import PERCENTAGE, UnitOfEnergy, UnitOfTime
from homeassistant.core import callback
from homeassistant.helpers.typing import StateType

from .entity import MyBMWEntity

_MILLISECONDS_FROM = 10**11
"""Epoch values above this are milliseconds (the spec says int64 without a unit)."""


@dataclass(frozen=True, slots=True)
class ChargingSession:
    """One finished charging session; every field may be missing."""

    start: datetime.datetime | None = None
    end: datetime.datetime | None = None
    energy_kwh: float | None = None
    duration_s: int | None = None
    cost: float | None = None
    currency: str | None = None
    start_soc: int | None = None
    end_soc: int | None = None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _epoch(value: Any) -> datetime.datetime | None:
    number = _number(value)
    if number is None:
        return None
    if number > _MILLISECONDS_FROM:
        number /= 1000
    try:
        return datetime.datetime.fromtimestamp(number, datetime.UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _whole(value: Any) -> int | None:
    number = _number(value)
    return None if number is None else round(number)


def parse_session(raw: Mapping[str, Any]) -> ChargingSession:
    """A ``ChargingSessionDto``; malformed fields become ``None``."""
    cost = raw.get("chargingCostInformation")
    cost = cost if isinstance(cost, Mapping) else {}
    currency = cost.get("currency")
    return ChargingSession(
        start=_epoch(raw.get("startTime")),
        end=_epoch(raw.get("endTime")),
        energy_kwh=_number(raw.get("energyConsumedFromPowerGridKwh")),
        duration_s=_whole(raw.get("totalChargingDurationSec")),
        cost=_number(cost.get("calculatedChargingCost")),
        currency=currency if isinstance(currency, str) and currency else None,
        start_soc=_whole(raw.get("displayedStartSoc")),
        end_soc=_whole(raw.get("displayedSoc")),
    )


def newest_session(sessions: Iterable[Mapping[str, Any]]) -> dict[str, Any] | None:
    """The session that ended last (the API does not promise an order)."""
    best: tuple[datetime.datetime, dict[str, Any]] | None = None
    for raw in sessions:
        end = _epoch(raw.get("endTime"))
        if end is not None and (best is None or end > best[0]):
            best = (end, dict(raw))
    return None if best is None else best[1]


@dataclass(frozen=True, kw_only=True)
class ChargingSessionSensorEntityDescription(SensorEntityDescription):
    """A value of the last charging session."""

    value_fn: Callable[[ChargingSession], StateType | datetime.datetime]


CHARGING_SESSION_SENSORS: tuple[ChargingSessionSensorEntityDescription, ...] = (
    ChargingSessionSensorEntityDescription(
        key="last_charging_energy",
        translation_key="last_charging_energy",
        device_class=SensorDeviceClass.ENERGY,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=1,
        value_fn=lambda s: s.energy_kwh,
    ),
    ChargingSessionSensorEntityDescription(
        key="last_charging_duration",
        translation_key="last_charging_duration",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.SECONDS,
        suggested_unit_of_measurement=UnitOfTime.MINUTES,
        suggested_display_precision=0,
        value_fn=lambda s: s.duration_s,
    ),
    ChargingSessionSensorEntityDescription(
        key="last_charging_cost",
        translation_key="last_charging_cost",
        device_class=SensorDeviceClass.MONETARY,
        suggested_display_precision=2,
        value_fn=lambda s: s.cost,
    ),
    ChargingSessionSensorEntityDescription(
        key="last_charging_start_soc",
        translation_key="last_charging_start_soc",
        native_unit_of_measurement=PERCENTAGE,
        value_fn=lambda s: s.start_soc,
    ),
    ChargingSessionSensorEntityDescription(
        key="last_charging_end_soc",
        translation_key="last_charging_end_soc",
        native_unit_of_measurement=PERCENTAGE,
        value_fn=lambda s: s.end_soc,
    ),
    ChargingSessionSensorEntityDescription(
        key="last_charging_end",
        translation_key="last_charging_end",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda s: s.end,
    ),
)


class ChargingSessionSensor(MyBMWEntity, SensorEntity):
    """One value of the vehicle's last charging session, as the coordinator last read it."""

    entity_description: ChargingSessionSensorEntityDescription

    @callback
    def _update_attrs(self) -> None:
        session = self.coordinator.charging_sessions.get(self.vin)  # type: ignore[attr-defined]
        if self.entity_description.device_class is SensorDeviceClass.MONETARY:
            currency = session.currency if session is not None else None
            fallback = self.coordinator.hass.config.currency
            self._attr_native_unit_of_measurement = currency or fallback
        if session is None:
            self._attr_native_value = None
            self._attr_extra_state_attributes = {}
            return
        self._attr_native_value = self.entity_description.value_fn(session)
        self._attr_extra_state_attributes = {
            "start": session.start.isoformat() if session.start else None,
            "end": session.end.isoformat() if session.end else None,
        }
