"""Numbers: the charging target (state of charge) of electric vehicles."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from homeassistant.components.number import (
    NumberDeviceClass,
    NumberEntity,
    NumberEntityDescription,
    NumberMode,
)
from homeassistant.const import PERCENTAGE
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import DOMAIN
from .contract import BMWConfigEntry
from .entity import MyBMWEntity, async_add_described_entities
from .mybmw.vehicle import MyBMWVehicle
from .mybmw.vehicle.remote_services import RemoteServices, RemoteServiceStatus

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class MyBMWNumberEntityDescription(NumberEntityDescription):
    """A settable number: its value, the command that sets it, and who has it."""

    value_fn: Callable[[MyBMWVehicle], float | None]
    exists_fn: Callable[[MyBMWVehicle], bool]
    service: str
    set_fn: Callable[[RemoteServices, float], Awaitable[RemoteServiceStatus]]


NUMBER_TYPES: tuple[MyBMWNumberEntityDescription, ...] = (
    MyBMWNumberEntityDescription(
        key="target_soc",
        translation_key="target_soc",
        device_class=NumberDeviceClass.BATTERY,
        native_unit_of_measurement=PERCENTAGE,
        # The API accepts 20-100 % in steps of 5.
        native_min_value=20.0,
        native_max_value=100.0,
        native_step=5.0,
        mode=NumberMode.SLIDER,
        value_fn=lambda v: v.fuel_and_battery.charging_target,
        exists_fn=lambda v: v.has_electric_drivetrain and v.is_remote_set_target_soc_enabled,
        service="charging_settings",
        set_fn=lambda remote, value: remote.trigger_charging_settings_update(
            target_soc=round(value)
        ),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: BMWConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the numbers each vehicle's capabilities allow."""
    async_add_described_entities(
        entry, async_add_entities, MyBMWNumber, NUMBER_TYPES, sends_commands=True
    )


class MyBMWNumber(MyBMWEntity, NumberEntity):
    """Shows the vehicle's setting; setting it sends the charging-settings command."""

    entity_description: MyBMWNumberEntityDescription

    @callback
    def _update_attrs(self) -> None:
        self._attr_native_value = self.entity_description.value_fn(self.vehicle)

    async def async_set_native_value(self, value: float) -> None:
        """Send the new value; show it once the car confirms.

        Home Assistant checks only the range; a value off the step (80.7) would be
        cut to what the API takes and then shown wrongly, so it is refused.
        """
        description = self.entity_description
        step, low = self.native_step or 1.0, self.native_min_value
        steps = (value - low) / step
        if abs(steps - round(steps)) > 1e-6:
            lower = low + step * int(steps)
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="value_off_step",
                translation_placeholders={
                    "value": f"{value:g}",
                    "step": f"{step:g}",
                    "lower": f"{lower:g}",
                    "upper": f"{lower + step:g}",
                },
            )
        sent = round(value)

        def show() -> None:
            # What was sent, as the car reports it (70, not 70.0).
            self._attr_native_value = sent

        await self._async_command_then_show(
            description.service, lambda remote: description.set_fn(remote, sent), show
        )
