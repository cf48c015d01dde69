"""Selects: AC charging current limit and charging mode."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.const import UnitOfElectricCurrent
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .contract import BMWConfigEntry
from .entity import MyBMWEntity, async_add_described_entities, enum_state
from .mybmw.vehicle import MyBMWVehicle
from .mybmw.vehicle.charging_profile import ChargingMode
from .mybmw.vehicle.remote_services import RemoteServices, RemoteServiceStatus

PARALLEL_UPDATES = 1

CHARGING_MODE_OPTIONS = ["immediate_charging", "delayed_charging", "no_action"]


@dataclass(frozen=True, kw_only=True)
class MyBMWSelectEntityDescription(SelectEntityDescription):
    """A select: current option, available options, the command that sets it, who has it."""

    current_fn: Callable[[MyBMWVehicle], str | None]
    options_fn: Callable[[MyBMWVehicle], list[str]] | None = None
    exists_fn: Callable[[MyBMWVehicle], bool]
    service: str
    select_fn: Callable[[RemoteServices, str], Awaitable[RemoteServiceStatus]]


def _ac_limits(vehicle: MyBMWVehicle) -> list[str]:
    profile = vehicle.charging_profile
    return [str(limit) for limit in (profile.ac_available_limits or [])] if profile else []


def _ac_limit(vehicle: MyBMWVehicle) -> str | None:
    profile = vehicle.charging_profile
    if profile is None or profile.ac_current_limit is None:
        return None
    return str(profile.ac_current_limit)


SELECT_TYPES: tuple[MyBMWSelectEntityDescription, ...] = (
    MyBMWSelectEntityDescription(
        key="ac_limit",
        translation_key="ac_limit",
        unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        current_fn=_ac_limit,
        options_fn=_ac_limits,
        exists_fn=lambda v: (
            v.has_electric_drivetrain and v.is_remote_set_ac_limit_enabled and bool(_ac_limits(v))
        ),
        service="charging_settings",
        select_fn=lambda remote, option: remote.trigger_charging_settings_update(
            ac_limit=int(option)
        ),
    ),
    MyBMWSelectEntityDescription(
        key="charging_mode",
        translation_key="charging_mode",
        options=CHARGING_MODE_OPTIONS,
        current_fn=lambda v: (
            enum_state(v.charging_profile.charging_mode) if v.charging_profile else None
        ),
        exists_fn=lambda v: (
            v.has_electric_drivetrain
            and v.is_charging_plan_supported
            and v.charging_profile is not None
        ),
        service="charging_profile",
        select_fn=lambda remote, option: remote.trigger_charging_profile_update(
            charging_mode=ChargingMode(option.upper())
        ),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: BMWConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the selects each vehicle's capabilities allow."""
    async_add_described_entities(
        entry, async_add_entities, MyBMWSelect, SELECT_TYPES, sends_commands=True
    )


class MyBMWSelect(MyBMWEntity, SelectEntity):
    """Shows the vehicle's setting; selecting sends the matching command."""

    entity_description: MyBMWSelectEntityDescription

    @callback
    def _update_attrs(self) -> None:
        description = self.entity_description
        if description.options_fn is not None:
            self._attr_options = description.options_fn(self.vehicle)
        current = description.current_fn(self.vehicle)
        self._attr_current_option = current if current in self.options else None

    async def async_select_option(self, option: str) -> None:
        """Send the new option; show it once the car confirms."""
        description = self.entity_description

        def show() -> None:
            self._attr_current_option = option

        await self._async_command_then_show(
            description.service, lambda remote: description.select_fn(remote, option), show
        )
