"""GPS position of every vehicle: a primary entity, unknown until the car reports a position."""

from __future__ import annotations

from homeassistant.components.device_tracker import TrackerEntity, TrackerEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .contract import BMWConfigEntry, BMWCoordinator
from .entity import MyBMWEntity, async_add_vehicle_entities
from .mybmw.vehicle import MyBMWVehicle

PARALLEL_UPDATES = 0

TRACKER = TrackerEntityDescription(key="car", translation_key="car", name=None)


def _build(coordinator: BMWCoordinator, vehicle: MyBMWVehicle) -> list[MyBMWDeviceTracker]:
    # Every car: one that reports no position yet (vehicleFinder off, no state position)
    # gets one from the finder or a later report, and the tracker must be there then.
    return [MyBMWDeviceTracker(coordinator, vehicle, TRACKER)]


async def async_setup_entry(
    hass: HomeAssistant,
    entry: BMWConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a tracker for every vehicle, including vehicles that appear later."""
    async_add_vehicle_entities(entry, async_add_entities, _build)


class MyBMWDeviceTracker(MyBMWEntity, TrackerEntity):
    """The vehicle's last reported position; named after the vehicle itself.

    Trackers default to diagnostic; the car's position is a headline value, so
    this one is primary and shows on the default dashboard.
    """

    @property
    def entity_category(self) -> EntityCategory | None:
        """No category: the tracker platform's diagnostic default would hide it."""
        return None

    @callback
    def _update_attrs(self) -> None:
        location = self.vehicle.vehicle_location
        position = location.location
        self._attr_latitude = position.latitude if position else None
        self._attr_longitude = position.longitude if position else None
        self._attr_extra_state_attributes = {
            "direction": location.heading,
            "tracking_enabled": self.vehicle.is_vehicle_tracking_enabled,
        }
