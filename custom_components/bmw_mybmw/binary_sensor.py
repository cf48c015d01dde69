"""Binary sensors: each opening, lock, service and check-control warnings, charging, reporting."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
import datetime
from typing import Any

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.util import dt as dt_util

from .contract import BMWConfigEntry, BMWCoordinator
from .entity import MyBMWEntity, async_add_described_entities, enum_state
from .mybmw.vehicle import MyBMWVehicle
from .mybmw.vehicle.doors_windows import Lid, LidState
from .mybmw.vehicle.fuel_and_battery import ChargingState
from .telematics import async_add_telematics_entities
from .values import is_ev as _is_ev, is_locked

PARALLEL_UPDATES = 0

# A car that sent nothing for this long counts as not reporting (parked cars report daily).
REPORTING_WINDOW = datetime.timedelta(hours=24)


@dataclass(frozen=True, kw_only=True)
class MyBMWBinarySensorEntityDescription(BinarySensorEntityDescription):
    """A vehicle binary sensor: its value, its details and which vehicles have it."""

    value_fn: Callable[[MyBMWVehicle], bool | None]
    exists_fn: Callable[[MyBMWVehicle], bool] = lambda vehicle: vehicle.is_lsc_enabled
    attr_fn: Callable[[MyBMWVehicle], Mapping[str, Any]] | None = None
    # True when another entity of the car shows the same fact: then disabled by default.
    redundant_fn: Callable[[BMWCoordinator, MyBMWVehicle], bool] | None = None
    # Values that age without new data (time since the last report) are read again this often.
    recheck_interval: datetime.timedelta | None = None


def _has_lock(coordinator: BMWCoordinator, vehicle: MyBMWVehicle) -> bool:
    """The lock entity exists (lock.py's rule): it shows the lock state already."""
    return (
        not coordinator.read_only
        and vehicle.is_remote_lock_enabled
        and vehicle.is_remote_unlock_enabled
    )


LidFinder = Callable[[MyBMWVehicle], Lid | None]


def _opening(
    items: Callable[[MyBMWVehicle], Iterable[Lid]], match: Callable[[str], bool]
) -> LidFinder:
    """The first opening whose API name matches, as a reader of the vehicle."""

    def _find(vehicle: MyBMWVehicle) -> Lid | None:
        return next((item for item in items(vehicle) if match(item.name)), None)

    return _find


def _is_open(find: LidFinder) -> Callable[[MyBMWVehicle], bool | None]:
    def _value(vehicle: MyBMWVehicle) -> bool | None:
        found = find(vehicle)
        if found is None or found.state is LidState.UNKNOWN:
            return None
        return not found.is_closed

    return _value


def _opening_attrs(find: LidFinder) -> Callable[[MyBMWVehicle], Mapping[str, Any]]:
    def _attrs(vehicle: MyBMWVehicle) -> Mapping[str, Any]:
        found = find(vehicle)
        # Tilted or half open reads "open"; the exact position is kept here.
        return {} if found is None else {"position": enum_state(found.state)}

    return _attrs


def _lids(vehicle: MyBMWVehicle) -> list[Lid]:
    return list(vehicle.doors_and_windows.lids)


def _windows(vehicle: MyBMWVehicle) -> list[Lid]:
    return list(vehicle.doors_and_windows.windows)


def _is_roof(name: str) -> bool:
    return name.lower().endswith("roof")


# (key, where the API lists it, its API name or a matcher, device class)
_OPENINGS: tuple[
    tuple[str, Callable[[MyBMWVehicle], list[Lid]], Callable[[str], bool], BinarySensorDeviceClass],
    ...,
] = (
    ("door_front_left", _lids, "leftFront".__eq__, BinarySensorDeviceClass.DOOR),
    ("door_front_right", _lids, "rightFront".__eq__, BinarySensorDeviceClass.DOOR),
    ("door_rear_left", _lids, "leftRear".__eq__, BinarySensorDeviceClass.DOOR),
    ("door_rear_right", _lids, "rightRear".__eq__, BinarySensorDeviceClass.DOOR),
    ("hood", _lids, "hood".__eq__, BinarySensorDeviceClass.OPENING),
    ("trunk", _lids, "trunk".__eq__, BinarySensorDeviceClass.OPENING),
    ("sunroof", _lids, _is_roof, BinarySensorDeviceClass.WINDOW),
    ("window_front_left", _windows, "leftFront".__eq__, BinarySensorDeviceClass.WINDOW),
    ("window_front_right", _windows, "rightFront".__eq__, BinarySensorDeviceClass.WINDOW),
    ("window_rear_left", _windows, "leftRear".__eq__, BinarySensorDeviceClass.WINDOW),
    ("window_rear_right", _windows, "rightRear".__eq__, BinarySensorDeviceClass.WINDOW),
    ("rear_window", _windows, "rear".__eq__, BinarySensorDeviceClass.WINDOW),
)


def _has_opening(find: LidFinder) -> Callable[[MyBMWVehicle], bool]:
    return lambda vehicle: vehicle.is_lsc_enabled and find(vehicle) is not None


def _opening_descriptions() -> Iterable[MyBMWBinarySensorEntityDescription]:
    """One sensor per door, window, hood, trunk and sunroof the car reports."""
    for key, items, match, device_class in _OPENINGS:
        find = _opening(items, match)
        yield MyBMWBinarySensorEntityDescription(
            key=key,
            translation_key=key,
            device_class=device_class,
            value_fn=_is_open(find),
            attr_fn=_opening_attrs(find),
            exists_fn=_has_opening(find),
        )


def _reporting(vehicle: MyBMWVehicle) -> bool | None:
    """Whether the car sent data within the window; unknown when it never said when."""
    seen = vehicle.timestamp
    if seen is None:
        return None
    return dt_util.utcnow() - seen <= REPORTING_WINDOW


def _reporting_attrs(vehicle: MyBMWVehicle) -> dict[str, Any]:
    seen = vehicle.timestamp
    return {"last_seen": seen.isoformat() if seen else None}


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
    *_opening_descriptions(),
    MyBMWBinarySensorEntityDescription(
        key="door_lock_state",
        translation_key="door_lock_state",
        device_class=BinarySensorDeviceClass.LOCK,
        value_fn=_door_lock_open,
        attr_fn=lambda v: {"door_lock_state": enum_state(v.doors_and_windows.door_lock_state)},
        redundant_fn=_has_lock,
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
        # The "Charging status" sensor says the same and more (plugged in, complete, ...).
        entity_registry_enabled_default=False,
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
    MyBMWBinarySensorEntityDescription(
        key="reporting",
        translation_key="reporting",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        value_fn=_reporting,
        attr_fn=_reporting_attrs,
        recheck_interval=datetime.timedelta(minutes=10),
        exists_fn=lambda v: True,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: BMWConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the binary sensors of every vehicle, including vehicles that appear later."""
    async_add_described_entities(entry, async_add_entities, MyBMWBinarySensor, BINARY_SENSOR_TYPES)
    async_add_telematics_entities(entry, async_add_entities, Platform.BINARY_SENSOR)


class MyBMWBinarySensor(MyBMWEntity, BinarySensorEntity):
    """A binary sensor that reads one flag of the vehicle model."""

    entity_description: MyBMWBinarySensorEntityDescription

    def __init__(
        self,
        coordinator: BMWCoordinator,
        vehicle: MyBMWVehicle,
        description: MyBMWBinarySensorEntityDescription,
    ) -> None:
        """Start disabled where another entity of the car shows the same fact."""
        super().__init__(coordinator, vehicle, description)
        if description.redundant_fn is not None and description.redundant_fn(coordinator, vehicle):
            self._attr_entity_registry_enabled_default = False

    async def async_added_to_hass(self) -> None:
        """Re-read values that change with the clock alone, also between updates."""
        await super().async_added_to_hass()
        interval = self.entity_description.recheck_interval
        if interval is not None:
            self.async_on_remove(
                async_track_time_interval(self.hass, self._async_recheck, interval)
            )

    @callback
    def _async_recheck(self, _now: datetime.datetime) -> None:
        if self.available:
            self._update_attrs()
            self.async_write_ha_state()

    @callback
    def _update_attrs(self) -> None:
        vehicle = self.vehicle
        self._attr_is_on = self.entity_description.value_fn(vehicle)
        if self.entity_description.attr_fn is not None:
            self._attr_extra_state_attributes = dict(self.entity_description.attr_fn(vehicle))
