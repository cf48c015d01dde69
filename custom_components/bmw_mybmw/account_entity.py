"""The account's own device and entities: what belongs to the login, not to one car.

BMW counts requests per account (and ``x-user-agent``), not per vehicle, so the
request budget is shown once, on a service device of the account, instead of
the same number repeated on every car.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
import datetime
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import EntityCategory
from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.typing import StateType
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import ACCOUNT_DEVICE_PREFIX, DOMAIN
from .contract import BMWCoordinator


def account_device_info(coordinator: BMWCoordinator) -> DeviceInfo:
    """The account as a service device, keyed by the entry (VINs key the cars).

    Named after the backend, never after the entry's title: a MyBMW entry's
    title is the login, and the device name becomes every account entity's
    name and entity id, which states, the recorder and logs repeat.
    """
    entry = coordinator.config_entry
    return DeviceInfo(
        identifiers={(DOMAIN, f"{ACCOUNT_DEVICE_PREFIX}{entry.entry_id}")},
        entry_type=DeviceEntryType.SERVICE,
        manufacturer="BMW",
        model=coordinator.account_name,
        name=coordinator.account_name,
    )


class MyBMWAccountEntity(CoordinatorEntity[BMWCoordinator]):
    """An entity of the account; it stays available while polling is paused on purpose."""

    _attr_has_entity_name = True

    def __init__(self, coordinator: BMWCoordinator, description: EntityDescription) -> None:
        """Key the entity by the account's unique id, which names region and user."""
        super().__init__(coordinator)
        self.entity_description = description
        entry = coordinator.config_entry
        self._attr_unique_id = f"{entry.unique_id or entry.entry_id}-{description.key}"
        self._attr_device_info = account_device_info(coordinator)

    @property
    def available(self) -> bool:
        """The budget is known even when the last poll failed (quota, block)."""
        return True


SensorValue = StateType | datetime.date | datetime.datetime


@dataclass(frozen=True, kw_only=True)
class MyBMWAccountSensorEntityDescription(SensorEntityDescription):
    """A sensor of the account (request budget), read from the coordinator."""

    value_fn: Callable[[BMWCoordinator], SensorValue]
    attr_fn: Callable[[BMWCoordinator], Mapping[str, Any]] | None = None


ACCOUNT_SENSOR_TYPES: tuple[MyBMWAccountSensorEntityDescription, ...] = (
    MyBMWAccountSensorEntityDescription(
        key="api_requests_today",
        translation_key="api_requests_today",
        entity_category=EntityCategory.DIAGNOSTIC,
        # Counts up all day and starts again at 00:00 UTC.
        state_class=SensorStateClass.TOTAL_INCREASING,
        value_fn=lambda c: c.budget.used,
        attr_fn=lambda c: {"budget": c.budget.limit, "remaining": c.budget.remaining},
    ),
    MyBMWAccountSensorEntityDescription(
        key="next_refresh",
        translation_key="next_refresh",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda c: c.next_refresh,
    ),
)


class MyBMWAccountSensor(MyBMWAccountEntity, SensorEntity):
    """A value of the account's request budget."""

    entity_description: MyBMWAccountSensorEntityDescription

    def __init__(
        self, coordinator: BMWCoordinator, description: MyBMWAccountSensorEntityDescription
    ) -> None:
        """Read the first value at once, like the vehicle sensors."""
        super().__init__(coordinator, description)
        self._update_attrs()

    @callback
    def _update_attrs(self) -> None:
        description = self.entity_description
        self._attr_native_value = description.value_fn(self.coordinator)
        if description.attr_fn is not None:
            self._attr_extra_state_attributes = dict(description.attr_fn(self.coordinator))

    @callback
    def _handle_coordinator_update(self) -> None:
        self._update_attrs()
        super()._handle_coordinator_update()
