"""Switches: climatisation and charging, each backed by a start and a stop command."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .contract import BMWConfigEntry
from .entity import MyBMWEntity, async_add_described_entities
from .mybmw.vehicle import MyBMWVehicle
from .mybmw.vehicle.fuel_and_battery import ChargingState
from .mybmw.vehicle.remote_services import RemoteServices, RemoteServiceStatus

PARALLEL_UPDATES = 1

RemoteAction = Callable[[RemoteServices], Awaitable[RemoteServiceStatus]]


@dataclass(frozen=True, kw_only=True)
class MyBMWSwitchEntityDescription(SwitchEntityDescription):
    """A switch: its state, its on/off commands and the capability that offers it."""

    value_fn: Callable[[MyBMWVehicle], bool | None]
    exists_fn: Callable[[MyBMWVehicle], bool]
    on_service: str
    on_fn: RemoteAction
    off_service: str
    off_fn: RemoteAction


SWITCH_TYPES: tuple[MyBMWSwitchEntityDescription, ...] = (
    MyBMWSwitchEntityDescription(
        key="climate",
        translation_key="climate",
        value_fn=lambda v: v.climate.is_climate_on,
        exists_fn=lambda v: v.is_remote_climate_start_enabled and v.is_remote_climate_stop_enabled,
        on_service="climate_now",
        on_fn=lambda remote: remote.trigger_remote_air_conditioning(),
        off_service="climate_now",
        off_fn=lambda remote: remote.trigger_remote_air_conditioning_stop(),
    ),
    MyBMWSwitchEntityDescription(
        key="charging",
        translation_key="charging",
        value_fn=lambda v: v.fuel_and_battery.charging_status is ChargingState.CHARGING,
        exists_fn=lambda v: (
            v.has_electric_drivetrain
            and v.is_remote_charge_start_enabled
            and v.is_remote_charge_stop_enabled
        ),
        on_service="start_charging",
        on_fn=lambda remote: remote.trigger_charge_start(),
        off_service="stop_charging",
        off_fn=lambda remote: remote.trigger_charge_stop(),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: BMWConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the switches each vehicle's capabilities allow."""
    async_add_described_entities(
        entry, async_add_entities, MyBMWSwitch, SWITCH_TYPES, sends_commands=True
    )


class MyBMWSwitch(MyBMWEntity, SwitchEntity):
    """Shows the vehicle's state; switching sends the matching command."""

    entity_description: MyBMWSwitchEntityDescription

    @callback
    def _update_attrs(self) -> None:
        self._attr_is_on = self.entity_description.value_fn(self.vehicle)

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Start; show on once the car confirms."""
        description = self.entity_description
        await self._async_switch(True, description.on_service, description.on_fn)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Stop; show off once the car confirms."""
        description = self.entity_description
        await self._async_switch(False, description.off_service, description.off_fn)

    async def _async_switch(self, on: bool, service: str, action: RemoteAction) -> None:
        def show() -> None:
            self._attr_is_on = on

        await self._async_command_then_show(service, action, show)
