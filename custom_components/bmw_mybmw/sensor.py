"""Sensors: ranges, levels, charging, tires, service, data age, command progress, budget."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
import datetime
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    PERCENTAGE,
    EntityCategory,
    Platform,
    UnitOfElectricCurrent,
    UnitOfLength,
    UnitOfPressure,
    UnitOfTime,
    UnitOfVolume,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from . import sensor_values
from .account_entity import ACCOUNT_SENSOR_TYPES, MyBMWAccountSensor
from .charging_history import CHARGING_SESSION_SENSORS, ChargingSessionSensor
from .command_progress_sensor import COMMAND_PROGRESS, MyBMWCommandProgressSensor
from .contract import BMWConfigEntry, BMWCoordinator
from .entity import (
    MyBMWEntity,
    async_add_vehicle_entities,
    async_remove_command_entities,
    enum_state,
)
from .mybmw.vehicle import MyBMWVehicle
from .telematics import async_add_telematics_entities
from .values import is_ev as _is_ev

PARALLEL_UPDATES = 0

CHARGING_STATUS_OPTIONS = [
    "default",
    "charging",
    "error",
    "complete",
    "fully_charged",
    "finished_fully_charged",
    "finished_not_full",
    "invalid",
    "not_charging",
    "plugged_in",
    "waiting_for_charging",
    "target_reached",
]
CLIMATE_STATUS_OPTIONS = ["cooling", "heating", "inactive", "standby", "ventilation"]
TIRES = ("front_left", "front_right", "rear_left", "rear_right")

SensorValue = StateType | datetime.date | datetime.datetime


@dataclass(frozen=True, kw_only=True)
class MyBMWSensorEntityDescription(SensorEntityDescription):
    """A vehicle sensor: where its value comes from and which vehicles have it."""

    value_fn: Callable[[MyBMWVehicle], SensorValue]
    exists_fn: Callable[[MyBMWVehicle], bool] = lambda vehicle: vehicle.is_lsc_enabled
    attr_fn: Callable[[MyBMWVehicle], Mapping[str, Any]] | None = None
    # True when another entity of the car shows the same fact: then disabled by default.
    redundant_fn: Callable[[BMWCoordinator, MyBMWVehicle], bool] | None = None


def _is_combustion(vehicle: MyBMWVehicle) -> bool:
    return vehicle.is_lsc_enabled and vehicle.has_combustion_drivetrain


def _has_charging_profile(vehicle: MyBMWVehicle) -> bool:
    return _is_ev(vehicle) and vehicle.charging_profile is not None


def _has_target_soc_number(coordinator: BMWCoordinator, vehicle: MyBMWVehicle) -> bool:
    """The target SoC number exists (number.py's rule) and shows the same value."""
    return (
        not coordinator.read_only
        and vehicle.has_electric_drivetrain
        and vehicle.is_remote_set_target_soc_enabled
    )


def _tire_descriptions() -> Iterable[MyBMWSensorEntityDescription]:
    for tire in TIRES:
        for kind in ("current", "target"):
            yield MyBMWSensorEntityDescription(
                key=f"{tire}_{kind}_pressure",
                translation_key=f"{tire}_{kind}_pressure",
                device_class=SensorDeviceClass.PRESSURE,
                native_unit_of_measurement=UnitOfPressure.KPA,
                suggested_unit_of_measurement=UnitOfPressure.BAR,
                suggested_display_precision=2,
                state_class=SensorStateClass.MEASUREMENT,
                entity_registry_enabled_default=kind == "current",
                value_fn=sensor_values.tire_pressure(tire, kind),
                exists_fn=lambda v: v.is_lsc_enabled and v.tires is not None,
            )


SENSOR_TYPES: tuple[MyBMWSensorEntityDescription, ...] = (
    MyBMWSensorEntityDescription(
        key="ac_current_limit",
        translation_key="ac_current_limit",
        device_class=SensorDeviceClass.CURRENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        entity_registry_enabled_default=False,
        value_fn=lambda v: v.charging_profile.ac_current_limit if v.charging_profile else None,
        exists_fn=_is_ev,
    ),
    MyBMWSensorEntityDescription(
        key="charging_start_time",
        translation_key="charging_start_time",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_registry_enabled_default=False,
        value_fn=lambda v: v.fuel_and_battery.charging_start_time,
        exists_fn=_is_ev,
    ),
    MyBMWSensorEntityDescription(
        key="charging_end_time",
        translation_key="charging_end_time",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=sensor_values.charging_end_time,
        exists_fn=_is_ev,
    ),
    MyBMWSensorEntityDescription(
        key="charging_status",
        translation_key="charging_status",
        device_class=SensorDeviceClass.ENUM,
        options=CHARGING_STATUS_OPTIONS,
        value_fn=lambda v: enum_state(v.fuel_and_battery.charging_status),
        exists_fn=_is_ev,
    ),
    MyBMWSensorEntityDescription(
        key="charging_target",
        translation_key="charging_target",
        native_unit_of_measurement=PERCENTAGE,
        value_fn=lambda v: v.fuel_and_battery.charging_target,
        exists_fn=_is_ev,
        redundant_fn=_has_target_soc_number,
    ),
    MyBMWSensorEntityDescription(
        key="charging_time_remaining",
        translation_key="charging_time_remaining",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.MINUTES,
        value_fn=sensor_values.charging_minutes_left,
        exists_fn=_is_ev,
    ),
    MyBMWSensorEntityDescription(
        key="remaining_battery_percent",
        translation_key="remaining_battery_percent",
        device_class=SensorDeviceClass.BATTERY,
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda v: v.fuel_and_battery.remaining_battery_percent,
        exists_fn=_is_ev,
    ),
    MyBMWSensorEntityDescription(
        key="mileage",
        translation_key="mileage",
        device_class=SensorDeviceClass.DISTANCE,
        native_unit_of_measurement=UnitOfLength.KILOMETERS,
        state_class=SensorStateClass.TOTAL_INCREASING,
        suggested_display_precision=0,
        # The client reports a missing odometer as 0 km; on a total_increasing
        # sensor that would read as a meter reset, so it is shown as unknown.
        value_fn=lambda v: v.mileage.value or None,
    ),
    MyBMWSensorEntityDescription(
        key="remaining_range_total",
        translation_key="remaining_range_total",
        device_class=SensorDeviceClass.DISTANCE,
        native_unit_of_measurement=UnitOfLength.KILOMETERS,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=lambda v: v.fuel_and_battery.remaining_range_total.value,
    ),
    MyBMWSensorEntityDescription(
        key="remaining_range_electric",
        translation_key="remaining_range_electric",
        device_class=SensorDeviceClass.DISTANCE,
        native_unit_of_measurement=UnitOfLength.KILOMETERS,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=lambda v: v.fuel_and_battery.remaining_range_electric.value,
        exists_fn=_is_ev,
    ),
    MyBMWSensorEntityDescription(
        key="remaining_range_fuel",
        translation_key="remaining_range_fuel",
        device_class=SensorDeviceClass.DISTANCE,
        native_unit_of_measurement=UnitOfLength.KILOMETERS,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=lambda v: v.fuel_and_battery.remaining_range_fuel.value,
        exists_fn=_is_combustion,
    ),
    MyBMWSensorEntityDescription(
        key="remaining_fuel",
        translation_key="remaining_fuel",
        device_class=SensorDeviceClass.VOLUME_STORAGE,
        native_unit_of_measurement=UnitOfVolume.LITERS,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=lambda v: v.fuel_and_battery.remaining_fuel.value,
        exists_fn=_is_combustion,
    ),
    MyBMWSensorEntityDescription(
        key="remaining_fuel_percent",
        translation_key="remaining_fuel_percent",
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda v: v.fuel_and_battery.remaining_fuel_percent,
        exists_fn=_is_combustion,
    ),
    MyBMWSensorEntityDescription(
        key="climate_status",
        translation_key="climate_status",
        device_class=SensorDeviceClass.ENUM,
        options=CLIMATE_STATUS_OPTIONS,
        value_fn=lambda v: enum_state(v.climate.activity),
        exists_fn=lambda v: v.is_remote_climate_stop_enabled,
    ),
    *_tire_descriptions(),
    MyBMWSensorEntityDescription(
        key="next_service_due_date",
        translation_key="next_service_due_date",
        device_class=SensorDeviceClass.DATE,
        value_fn=sensor_values.next_service_date,
        attr_fn=lambda v: sensor_values.service_type(
            v.condition_based_services.next_service_by_time
        ),
    ),
    MyBMWSensorEntityDescription(
        key="next_service_distance",
        translation_key="next_service_distance",
        device_class=SensorDeviceClass.DISTANCE,
        native_unit_of_measurement=UnitOfLength.KILOMETERS,
        suggested_display_precision=0,
        value_fn=sensor_values.next_service_distance,
        attr_fn=lambda v: sensor_values.service_type(
            v.condition_based_services.next_service_by_distance
        ),
    ),
    MyBMWSensorEntityDescription(
        key="check_control_messages",
        translation_key="check_control_messages",
        # The binary sensor of the same name flags the messages that matter.
        entity_registry_enabled_default=False,
        value_fn=lambda v: len(v.check_control_messages.messages),
        attr_fn=sensor_values.check_control_messages,
    ),
    MyBMWSensorEntityDescription(
        key="preferred_charging_window",
        translation_key="preferred_charging_window",
        value_fn=sensor_values.charging_window,
        attr_fn=sensor_values.charging_window_attrs,
        exists_fn=_has_charging_profile,
    ),
    MyBMWSensorEntityDescription(
        key="last_update",
        translation_key="last_update",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda v: v.timestamp,
        exists_fn=lambda v: True,
    ),
)


def _departure_timer_descriptions(
    vehicle: MyBMWVehicle,
) -> Iterable[MyBMWSensorEntityDescription]:
    """One sensor per timer slot the car reports (the slot count is fixed per car)."""
    profile = vehicle.charging_profile
    if profile is None or not _is_ev(vehicle):
        return
    for index in range(len(profile.departure_times)):

        def _timer(v: MyBMWVehicle, i: int = index) -> Any:
            timers = v.charging_profile.departure_times if v.charging_profile else []
            return timers[i] if i < len(timers) else None

        def _value(v: MyBMWVehicle, timer: Callable[[MyBMWVehicle], Any] = _timer) -> StateType:
            """``off`` while the timer is not active, else its departure time."""
            found = timer(v)
            if found is None:
                return None
            if str(found.action).upper() != "ACTIVATE":
                return sensor_values.STATE_OFF
            return sensor_values.hhmm(found.start_time)

        def _attrs(
            v: MyBMWVehicle, timer: Callable[[MyBMWVehicle], Any] = _timer
        ) -> dict[str, Any]:
            found = timer(v)
            if found is None:
                return {}
            return {
                "timer_id": found.timer_id,
                "active": str(found.action).upper() == "ACTIVATE",
                "departure_time": sensor_values.hhmm(found.start_time),
                "weekdays": [str(day).lower() for day in found.weekdays],
            }

        yield MyBMWSensorEntityDescription(
            key=f"departure_timer_{index + 1}",
            translation_key="departure_timer",
            translation_placeholders={"number": str(index + 1)},
            value_fn=_value,
            attr_fn=_attrs,
        )


def _build(coordinator: BMWCoordinator, vehicle: MyBMWVehicle) -> Iterable[Entity]:
    descriptions = (*SENSOR_TYPES, *_departure_timer_descriptions(vehicle))
    entities: list[Entity] = [
        MyBMWSensor(coordinator, vehicle, description)
        for description in descriptions
        if description.exists_fn(vehicle)
    ]
    if not coordinator.read_only:
        entities.append(MyBMWCommandProgressSensor(coordinator, vehicle, COMMAND_PROGRESS))
    # Only where the backend reads the charging history (CarData).
    if coordinator.charging_sessions is not None and _is_ev(vehicle):
        entities.extend(
            ChargingSessionSensor(coordinator, vehicle, description)
            for description in CHARGING_SESSION_SENSORS
        )
    return entities


async def async_setup_entry(
    hass: HomeAssistant,
    entry: BMWConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the account's sensors and those of every vehicle, including later ones."""
    coordinator = entry.runtime_data
    async_add_entities(
        MyBMWAccountSensor(coordinator, description) for description in ACCOUNT_SENSOR_TYPES
    )
    if coordinator.read_only:
        async_remove_command_entities(entry, Platform.SENSOR, {COMMAND_PROGRESS.key})
    async_add_vehicle_entities(entry, async_add_entities, _build)
    async_add_telematics_entities(entry, async_add_entities, Platform.SENSOR)


class MyBMWSensor(MyBMWEntity, SensorEntity):
    """A sensor that reads one value of the vehicle model."""

    entity_description: MyBMWSensorEntityDescription

    def __init__(
        self,
        coordinator: BMWCoordinator,
        vehicle: MyBMWVehicle,
        description: MyBMWSensorEntityDescription,
    ) -> None:
        """Start disabled where another entity of the car shows the same fact."""
        super().__init__(coordinator, vehicle, description)
        if description.redundant_fn is not None and description.redundant_fn(coordinator, vehicle):
            self._attr_entity_registry_enabled_default = False

    @callback
    def _update_attrs(self) -> None:
        vehicle = self.vehicle
        self._attr_native_value = self.entity_description.value_fn(vehicle)
        if self.entity_description.attr_fn is not None:
            self._attr_extra_state_attributes = dict(self.entity_description.attr_fn(vehicle))
