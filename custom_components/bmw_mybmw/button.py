"""One-shot remote commands: flash lights, horn, climate, vehicle finder."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .contract import BMWConfigEntry, BMWCoordinator
from .entity import MyBMWEntity, async_add_described_entities
from .mybmw.vehicle import MyBMWVehicle
from .mybmw.vehicle.remote_services import RemoteServices, RemoteServiceStatus

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class MyBMWButtonEntityDescription(ButtonEntityDescription):
    """A remote command button and the capability that offers it."""

    service: str
    press_fn: Callable[[RemoteServices], Awaitable[RemoteServiceStatus]]
    exists_fn: Callable[[MyBMWVehicle], bool]
    # True when another entity of the car does the same: then disabled by default.
    redundant_fn: Callable[[BMWCoordinator, MyBMWVehicle], bool] | None = None


def _has_climate_switch(coordinator: BMWCoordinator, vehicle: MyBMWVehicle) -> bool:
    """The climate switch exists (switch.py's rule) and starts and stops the same."""
    return vehicle.is_remote_climate_start_enabled and vehicle.is_remote_climate_stop_enabled


def _takes_commands(vehicle: MyBMWVehicle) -> bool:
    """The finder is sent whatever ``vehicleFinder`` says (mybmw-api.md: informational).

    Cars that report no position (F31, I01 in the recordings) answer it like
    any other command, so every car that accepts remote commands gets the button.
    """
    return vehicle.is_vehicle_tracking_enabled or any(
        (
            vehicle.is_remote_lock_enabled,
            vehicle.is_remote_unlock_enabled,
            vehicle.is_remote_lights_enabled,
            vehicle.is_remote_horn_enabled,
        )
    )


BUTTON_TYPES: tuple[MyBMWButtonEntityDescription, ...] = (
    MyBMWButtonEntityDescription(
        key="light_flash",
        translation_key="light_flash",
        service="light_flash",
        press_fn=lambda remote: remote.trigger_remote_light_flash(),
        exists_fn=lambda v: v.is_remote_lights_enabled,
    ),
    MyBMWButtonEntityDescription(
        key="sound_horn",
        translation_key="sound_horn",
        service="horn_blow",
        press_fn=lambda remote: remote.trigger_remote_horn(),
        exists_fn=lambda v: v.is_remote_horn_enabled,
    ),
    MyBMWButtonEntityDescription(
        key="activate_air_conditioning",
        translation_key="activate_air_conditioning",
        service="climate_now",
        press_fn=lambda remote: remote.trigger_remote_air_conditioning(),
        exists_fn=lambda v: v.is_remote_climate_start_enabled,
        redundant_fn=_has_climate_switch,
    ),
    MyBMWButtonEntityDescription(
        key="deactivate_air_conditioning",
        translation_key="deactivate_air_conditioning",
        service="climate_now",
        press_fn=lambda remote: remote.trigger_remote_air_conditioning_stop(),
        exists_fn=lambda v: v.is_remote_climate_stop_enabled,
        redundant_fn=_has_climate_switch,
    ),
    MyBMWButtonEntityDescription(
        key="find_vehicle",
        translation_key="find_vehicle",
        service="vehicle_finder",
        press_fn=lambda remote: remote.trigger_remote_vehicle_finder(),
        exists_fn=_takes_commands,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: BMWConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the command buttons each vehicle's capabilities allow."""
    async_add_described_entities(
        entry, async_add_entities, MyBMWButton, BUTTON_TYPES, sends_commands=True
    )


class MyBMWButton(MyBMWEntity, ButtonEntity):
    """Sends one remote command per press."""

    entity_description: MyBMWButtonEntityDescription

    def __init__(
        self,
        coordinator: BMWCoordinator,
        vehicle: MyBMWVehicle,
        description: MyBMWButtonEntityDescription,
    ) -> None:
        """Start disabled where another entity of the car does the same."""
        super().__init__(coordinator, vehicle, description)
        if description.redundant_fn is not None and description.redundant_fn(coordinator, vehicle):
            self._attr_entity_registry_enabled_default = False

    async def async_press(self) -> None:
        """Send the command and wait for the car's answer (errors are raised translated)."""
        await self._async_run_command(
            self.entity_description.service, self.entity_description.press_fn
        )
