"""Rendered pictures of each vehicle, fetched once on first view and kept in memory."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from homeassistant.components.image import ImageEntity, ImageEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import dt as dt_util

from .const import LOGGER
from .contract import BMWConfigEntry, BMWCoordinator
from .entity import MyBMWEntity, async_add_vehicle_entities
from .mybmw.models import MyBMWAPIError
from .mybmw.vehicle import MyBMWVehicle
from .mybmw.vehicle.vehicle import VehicleViewDirection

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class MyBMWImageEntityDescription(ImageEntityDescription):
    """One camera angle of the vehicle rendering."""

    view: VehicleViewDirection


IMAGE_TYPES: tuple[MyBMWImageEntityDescription, ...] = (
    MyBMWImageEntityDescription(
        key="image_front_side",
        translation_key="image_front_side",
        view=VehicleViewDirection.FRONTSIDE,
    ),
    MyBMWImageEntityDescription(
        key="image_front",
        translation_key="image_front",
        view=VehicleViewDirection.FRONT,
        entity_registry_enabled_default=False,
    ),
    MyBMWImageEntityDescription(
        key="image_side",
        translation_key="image_side",
        view=VehicleViewDirection.SIDE,
        entity_registry_enabled_default=False,
    ),
)


def _build(coordinator: BMWCoordinator, vehicle: MyBMWVehicle) -> Iterable[Entity]:
    return [
        MyBMWImage(coordinator, vehicle, description)
        for description in IMAGE_TYPES
        if description.view in coordinator.image_views
    ]


async def async_setup_entry(
    hass: HomeAssistant,
    entry: BMWConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the picture entities of every vehicle."""
    async_add_vehicle_entities(entry, async_add_entities, _build)


class MyBMWImage(MyBMWEntity, ImageEntity):
    """A vehicle picture; the rendering rarely changes, so one request serves for good."""

    entity_description: MyBMWImageEntityDescription
    _attr_content_type = "image/png"

    def __init__(
        self,
        coordinator: BMWCoordinator,
        vehicle: MyBMWVehicle,
        description: MyBMWImageEntityDescription,
    ) -> None:
        """Set up both parents: the coordinator binding and the image token handling."""
        MyBMWEntity.__init__(self, coordinator, vehicle, description)
        ImageEntity.__init__(self, coordinator.hass)
        self._image: bytes | None = None

    async def async_image(self) -> bytes | None:
        """Return the cached picture, fetching it on first use only."""
        if self._image is None:
            try:
                image = await self.coordinator.async_vehicle_image(
                    self.vin, self.entity_description.view
                )
            except MyBMWAPIError as err:
                # Not cached: the next view retries.
                LOGGER.debug("Vehicle picture not available: %s", type(err).__name__)
                return None
            if not image:
                return None
            self._image = image
            self._attr_image_last_updated = dt_util.utcnow()
            self.async_write_ha_state()
        return self._image
