"""The progress of the last remote command of each vehicle, as an enum sensor."""

from __future__ import annotations

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
)
from homeassistant.const import EntityCategory
from homeassistant.core import callback

from .entity import MyBMWEntity

COMMAND_STATE_OPTIONS = [
    "idle",
    "initiated",
    "pending",
    "delivered",
    "executed",
    "error",
    "ignored",
    "unknown",
]

COMMAND_PROGRESS = SensorEntityDescription(
    key="command_progress",
    translation_key="command_progress",
    device_class=SensorDeviceClass.ENUM,
    options=COMMAND_STATE_OPTIONS,
    entity_category=EntityCategory.DIAGNOSTIC,
)


class MyBMWCommandProgressSensor(MyBMWEntity, SensorEntity):
    """The state of the last remote command sent to this vehicle, as the coordinator tracks it."""

    @callback
    def _update_attrs(self) -> None:
        progress = self.coordinator.command_progress.get(self.vin)
        if progress is None:
            # Nothing sent since start-up: say so rather than "unknown".
            self._attr_native_value = "idle"
            self._attr_extra_state_attributes = {}
            return
        state = progress.state if progress.state in COMMAND_STATE_OPTIONS else "unknown"
        self._attr_native_value = state
        self._attr_extra_state_attributes = {
            "command": progress.service,
            "updated_at": progress.updated_at.isoformat(),
            "error": progress.error,
        }
