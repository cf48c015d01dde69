"""Door lock of each vehicle that can be locked and unlocked remotely."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from homeassistant.components.lock import LockEntity, LockEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import MyBMWConfigEntry, MyBMWCoordinator
from .entity import MyBMWEntity, async_add_vehicle_entities, enum_state
from .mybmw.vehicle import MyBMWVehicle
from .mybmw.vehicle.doors_windows import LockState

PARALLEL_UPDATES = 1

LOCK = LockEntityDescription(key="lock", translation_key="lock")


def _build(coordinator: MyBMWCoordinator, vehicle: MyBMWVehicle) -> Iterable[Entity]:
    if coordinator.read_only:
        return []
    if not (vehicle.is_remote_lock_enabled and vehicle.is_remote_unlock_enabled):
        return []
    return [MyBMWLock(coordinator, vehicle, LOCK)]


async def async_setup_entry(
    hass: HomeAssistant,
    entry: MyBMWConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a lock for every vehicle that supports remote lock and unlock."""
    async_add_vehicle_entities(entry, async_add_entities, _build)


class MyBMWLock(MyBMWEntity, LockEntity):
    """The central locking; LOCKED and SECURED count as locked."""

    @callback
    def _update_attrs(self) -> None:
        state = self.vehicle.doors_and_windows.door_lock_state
        if state in (None, LockState.UNKNOWN):
            self._attr_is_locked = None
        else:
            self._attr_is_locked = state in (LockState.LOCKED, LockState.SECURED)
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
        executed = False
        try:
            if lock:
                executed = await self._async_run_command(
                    "door_lock", lambda remote: remote.trigger_remote_door_lock()
                )
            else:
                executed = await self._async_run_command(
                    "door_unlock", lambda remote: remote.trigger_remote_door_unlock()
                )
        finally:
            self._attr_is_locking = self._attr_is_unlocking = False
            if executed:
                # The car's own report can lag behind; the next poll corrects a mismatch.
                self._attr_is_locked = lock
            self.async_write_ha_state()
