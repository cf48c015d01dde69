"""The account's own device and entities: what belongs to the login, not to one car.

BMW counts requests per account (and ``x-user-agent``), not per vehicle, so the
request budget is shown once, on a service device of the account, instead of
the same number repeated on every car.
"""

from __future__ import annotations

from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import ACCOUNT_DEVICE_PREFIX, BACKEND_CARDATA, CONF_BACKEND, DOMAIN
from .coordinator import MyBMWCoordinator


def account_device_info(coordinator: MyBMWCoordinator) -> DeviceInfo:
    """The account as a service device, keyed by the entry (VINs key the cars).

    Named after the backend, never after the entry's title: a MyBMW entry's
    title is the login, and the device name becomes every account entity's
    name and entity id, which states, the recorder and logs repeat.
    """
    entry = coordinator.config_entry
    name = (
        "BMW CarData account"
        if entry.data.get(CONF_BACKEND) == BACKEND_CARDATA
        else "MyBMW account"
    )
    return DeviceInfo(
        identifiers={(DOMAIN, f"{ACCOUNT_DEVICE_PREFIX}{entry.entry_id}")},
        entry_type=DeviceEntryType.SERVICE,
        manufacturer="BMW",
        model=name,
        name=name,
    )


class MyBMWAccountEntity(CoordinatorEntity[MyBMWCoordinator]):
    """An entity of the account; it stays available while polling is paused on purpose."""

    _attr_has_entity_name = True

    def __init__(self, coordinator: MyBMWCoordinator, description: EntityDescription) -> None:
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
