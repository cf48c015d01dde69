"""The last charging session of a CarData vehicle, as sensors.

BMW CarData's ``chargingHistory`` costs one request per page out of 50 a day,
so the coordinator reads one page at most once a day; these sensors show the
newest session of that page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
import datetime

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
)
from homeassistant.const import PERCENTAGE, UnitOfEnergy, UnitOfTime
from homeassistant.core import callback
from homeassistant.helpers.typing import StateType

from .cardata.charging_sessions import ChargingSession
from .entity import MyBMWEntity


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
        sessions = self.coordinator.charging_sessions or {}
        session = sessions.get(self.vin)
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
