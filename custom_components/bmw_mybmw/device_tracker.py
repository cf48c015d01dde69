"""GPS position of each vehicle that reports one."""

from __future__ import annotations

from collections.abc import Iterable

from homeassistant.components.device_tracker.config_entry import (
    TrackerEntity,
    TrackerEntityDescription,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .cardata import CarDataVehicle
from .coordinator import MyBMWConfigEntry, MyBMWCoordinator
from .entity import MyBMWEntity, async_add_vehicle_entities
from .mybmw.vehicle import MyBMWVehicle

PARALLEL_UPDATES = 0

TRACKER = TrackerEntityDescription(key="car", translation_key="car", name=None)


def _build(coordinator: MyBMWCoordinator, vehicle: MyBMWVehicle) -> Iterable[Entity]:
    # CarData has no vehicle finder: the car streams its position whenever it reports.
    if not (vehicle.is_vehicle_tracking_enabled or isinstance(vehicle, CarDataVehicle)):
        return []
    return [MyBMWDeviceTracker(coordinator, vehicle, TRACKER)]


async def async_setup_entry(
    hass: HomeAssistant,
    entry: MyBMWConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a tracker for every vehicle with tracking enabled."""
    async_add_vehicle_entities(entry, async_add_entities, _build)


class MyBMWDeviceTracker(MyBMWEntity, TrackerEntity):
    """The vehicle's last reported position; named after the vehicle itself."""

    @callback
    def _update_attrs(self) -> None:
        location = self.vehicle.vehicle_location
        position = location.location
        self._attr_latitude = position.latitude if position else None
        self._attr_longitude = position.longitude if position else None
        self._attr_extra_state_attributes = {"direction": location.heading}
