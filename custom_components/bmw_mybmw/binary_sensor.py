"""Binary sensors: openings, lock, service and check-control warnings, charging."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .contract import BMWConfigEntry
from .entity import MyBMWEntity, async_add_described_entities, enum_state
from .mybmw.vehicle import MyBMWVehicle
from .mybmw.vehicle.fuel_and_battery import ChargingState
from .values import is_ev as _is_ev, is_locked

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class MyBMWBinarySensorEntityDescription(BinarySensorEntityDescription):
    """A vehicle binary sensor: its value, its details and which vehicles have it."""

    value_fn: Callable[[MyBMWVehicle], bool | None]
    exists_fn: Callable[[MyBMWVehicle], bool] = lambda vehicle: vehicle.is_lsc_enabled
    attr_fn: Callable[[MyBMWVehicle], Mapping[str, Any]] | None = None


def _openings(items: Iterable[Any]) -> dict[str, Any]:
    return {item.name: enum_state(item.state) for item in items}


def _door_lock_open(vehicle: MyBMWVehicle) -> bool | None:
    locked = is_locked(vehicle.doors_and_windows.door_lock_state)
    return None if locked is None else not locked


def _service_attrs(vehicle: MyBMWVehicle) -> dict[str, Any]:
    attrs: dict[str, Any] = {}
    for service in vehicle.condition_based_services.messages:
        name = str(service.service_type).lower()
        attrs[name] = enum_state(service.state)
        if service.due_date is not None:
            attrs[f"{name}_date"] = service.due_date.date().isoformat()
        distance = service.due_distance
        if distance is not None and distance.value is not None:
            attrs[f"{name}_distance"] = f"{distance.value} {distance.unit or 'km'}"
    return attrs


def _check_control_attrs(vehicle: MyBMWVehicle) -> dict[str, Any]:
    return {
        str(message.description_short).lower(): enum_state(message.state)
        for message in vehicle.check_control_messages.messages
    }


BINARY_SENSOR_TYPES: tuple[MyBMWBinarySensorEntityDescription, ...] = (
    MyBMWBinarySensorEntityDescription(
        key="lids",
        translation_key="lids",
        device_class=BinarySensorDeviceClass.OPENING,
        value_fn=lambda v: not v.doors_and_windows.all_lids_closed,
        attr_fn=lambda v: _openings(v.doors_and_windows.lids),
    ),
    MyBMWBinarySensorEntityDescription(
        key="windows",
        translation_key="windows",
        device_class=BinarySensorDeviceClass.OPENING,
        value_fn=lambda v: not v.doors_and_windows.all_windows_closed,
        attr_fn=lambda v: _openings(v.doors_and_windows.windows),
    ),
    MyBMWBinarySensorEntityDescription(
        key="door_lock_state",
        translation_key="door_lock_state",
        device_class=BinarySensorDeviceClass.LOCK,
        value_fn=_door_lock_open,
        attr_fn=lambda v: {"door_lock_state": enum_state(v.doors_and_windows.door_lock_state)},
    ),
    MyBMWBinarySensorEntityDescription(
        key="condition_based_services",
        translation_key="condition_based_services",
        device_class=BinarySensorDeviceClass.PROBLEM,
        value_fn=lambda v: v.condition_based_services.is_service_required,
        attr_fn=_service_attrs,
    ),
    MyBMWBinarySensorEntityDescription(
        key="check_control_messages",
        translation_key="check_control_messages",
        device_class=BinarySensorDeviceClass.PROBLEM,
        value_fn=lambda v: v.check_control_messages.has_check_control_messages,
        attr_fn=_check_control_attrs,
    ),
    MyBMWBinarySensorEntityDescription(
        key="charging_status",
        translation_key="charging_status",
        device_class=BinarySensorDeviceClass.BATTERY_CHARGING,
        value_fn=lambda v: v.fuel_and_battery.charging_status is ChargingState.CHARGING,
        exists_fn=_is_ev,
    ),
    MyBMWBinarySensorEntityDescription(
        key="connection_status",
        translation_key="connection_status",
        device_class=BinarySensorDeviceClass.PLUG,
        value_fn=lambda v: v.fuel_and_battery.is_charger_connected,
        exists_fn=_is_ev,
    ),
    MyBMWBinarySensorEntityDescription(
        key="is_pre_entry_climatization_enabled",
        translation_key="is_pre_entry_climatization_enabled",
        value_fn=lambda v: (
            v.charging_profile.is_pre_entry_climatization_enabled if v.charging_profile else None
        ),
        exists_fn=lambda v: _is_ev(v) and v.charging_profile is not None,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: BMWConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the binary sensors of every vehicle, including vehicles that appear later."""
    async_add_described_entities(entry, async_add_entities, MyBMWBinarySensor, BINARY_SENSOR_TYPES)


class MyBMWBinarySensor(MyBMWEntity, BinarySensorEntity):
    """A binary sensor that reads one flag of the vehicle model."""

    entity_description: MyBMWBinarySensorEntityDescription

    @callback
    def _update_attrs(self) -> None:
        vehicle = self.vehicle
        self._attr_is_on = self.entity_description.value_fn(vehicle)
        if self.entity_description.attr_fn is not None:
            self._attr_extra_state_attributes = dict(self.entity_description.attr_fn(vehicle))
