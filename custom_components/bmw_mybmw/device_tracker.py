"""GPS position of each vehicle that reports one."""

from __future__ import annotations

from homeassistant.components.device_tracker import TrackerEntity, TrackerEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .contract import BMWConfigEntry, BMWCoordinator
from .entity import MyBMWEntity, async_add_entities_where
from .mybmw.vehicle import MyBMWVehicle

PARALLEL_UPDATES = 0

TRACKER = TrackerEntityDescription(key="car", translation_key="car", name=None)


def _tracked(coordinator: BMWCoordinator, vehicle: MyBMWVehicle, _: object) -> bool:
    return vehicle.is_vehicle_tracking_enabled or coordinator.tracks_every_vehicle


async def async_setup_entry(
    hass: HomeAssistant,
    entry: BMWConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a tracker for every vehicle with tracking enabled."""
    async_add_entities_where(entry, async_add_entities, MyBMWDeviceTracker, (TRACKER,), _tracked)


class MyBMWDeviceTracker(MyBMWEntity, TrackerEntity):
    """The vehicle's last reported position; named after the vehicle itself."""

    @callback
    def _update_attrs(self) -> None:
        location = self.vehicle.vehicle_location
        position = location.location
        self._attr_latitude = position.latitude if position else None
        self._attr_longitude = position.longitude if position else None
        self._attr_extra_state_attributes = {"direction": location.heading}
