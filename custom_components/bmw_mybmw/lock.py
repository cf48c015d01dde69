"""Door lock of each vehicle that can be locked and unlocked remotely."""

from __future__ import annotations

from typing import Any

from homeassistant.components.lock import LockEntity, LockEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .contract import BMWConfigEntry
from .entity import MyBMWEntity, async_add_entities_where, enum_state
from .mybmw.vehicle import MyBMWVehicle
from .values import is_locked

PARALLEL_UPDATES = 1

LOCK = LockEntityDescription(key="lock", translation_key="lock")


def _has_lock(vehicle: MyBMWVehicle) -> bool:
    return vehicle.is_remote_lock_enabled and vehicle.is_remote_unlock_enabled


async def async_setup_entry(
    hass: HomeAssistant,
    entry: BMWConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a lock for every vehicle that supports remote lock and unlock."""
    async_add_entities_where(
        entry,
        async_add_entities,
        MyBMWLock,
        (LOCK,),
        lambda _, vehicle, __: _has_lock(vehicle),
        sends_commands=True,
    )


class MyBMWLock(MyBMWEntity, LockEntity):
    """The central locking; LOCKED and SECURED count as locked."""

    @callback
    def _update_attrs(self) -> None:
        state = self.vehicle.doors_and_windows.door_lock_state
        self._attr_is_locked = is_locked(state)
        self._attr_extra_state_attributes = {"door_lock_state": enum_state(state)}

    async def async_lock(self, **kwargs: Any) -> None:
        """Lock the doors; show them locked as soon as the car confirms."""
        await self._async_change(lock=True)

    async def async_unlock(self, **kwargs: Any) -> None:
        """Unlock the doors; show them unlocked as soon as the car confirms."""
        await self._async_change(lock=False)

    async def _async_change(self, *, lock: bool) -> None:
        self._attr_is_locking, self._attr_is_unlocking = lock, not lock
        self.async_write_ha_state()

        def show() -> None:
            self._attr_is_locking = self._attr_is_unlocking = False
            self._attr_is_locked = lock

        try:
            if lock:
                await self._async_command_then_show(
                    "door_lock", lambda remote: remote.trigger_remote_door_lock(), show
                )
            else:
                await self._async_command_then_show(
                    "door_unlock", lambda remote: remote.trigger_remote_door_unlock(), show
                )
        finally:
            if self._attr_is_locking or self._attr_is_unlocking:
                self._attr_is_locking = self._attr_is_unlocking = False
                self.async_write_ha_state()
